import { BOOT_PROGRAMS, UEFI_X64_ARCHES } from "../../resolve/boot-plan.js";
import type { SiteIR } from "../../resolve/site-ir.js";
import { jsonText, type OutputFile } from "../output-file.js";

export const RESERVATIONS_PATH = "dhcp/reservations.json";

/** dhcp/reservations.json: the normalized form `oci serve`'s embedded DHCP server reads. */
export function renderReservations(ir: SiteIR): OutputFile[] {
  const plan = ir.boot;
  return [{
    path: RESERVATIONS_PATH,
    content: jsonText({
      format: 1,
      server: plan.server,
      domain: plan.domain,
      dnsServers: plan.dnsServers,
      boot: { ipxeScriptUrl: plan.ipxeScriptUrl, bios: BOOT_PROGRAMS.bios, uefi: BOOT_PROGRAMS.uefi, uefiArches: UEFI_X64_ARCHES },
      subnets: plan.subnets,
      reservations: plan.hosts.flatMap((h) => h.macs.map((mac) => ({ mac, address: h.address, hostname: h.hostname, fqdn: h.fqdn, network: h.network }))),
    }),
  }];
}
