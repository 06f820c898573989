import type { KeyedMemo } from "../../memo/keyed-memo.js";
import { BOOT_PROGRAMS, UEFI_X64_ARCHES, type BootHostIR } from "../../resolve/boot-plan.js";
import type { SiteIR } from "../../resolve/site-ir.js";
import { jsonListItem, jsonTextWithList, type OutputFile } from "../output-file.js";

export const RESERVATIONS_PATH = "dhcp/reservations.json";

/** dhcp/reservations.json: the normalized form `oci serve`'s embedded DHCP server reads. */
export function renderReservations(ir: SiteIR, memo?: KeyedMemo<BootHostIR, string>): OutputFile[] {
  const plan = ir.boot;
  const entries = (h: BootHostIR) => h.macs.map((mac) => jsonListItem({ mac, address: h.address, hostname: h.hostname, fqdn: h.fqdn, network: h.network })).join(",\n");
  return [{
    path: RESERVATIONS_PATH,
    content: jsonTextWithList({
      format: 1,
      server: plan.server,
      domain: plan.domain,
      dnsServers: plan.dnsServers,
      boot: { ipxeScriptUrl: plan.ipxeScriptUrl, bios: BOOT_PROGRAMS.bios, uefi: BOOT_PROGRAMS.uefi, uefiArches: UEFI_X64_ARCHES },
      subnets: plan.subnets,
    }, "reservations", plan.hosts.map((h) => (memo ? memo.get(h, [], () => entries(h)) : entries(h)))),
  }];
}
