import { BOOT_PROGRAMS, UEFI_X64_ARCHES } from "../../resolve/boot-plan.js";
import type { SiteIR } from "../../resolve/site-ir.js";
import { jsonText, type OutputFile } from "../output-file.js";

/** dhcp/kea-dhcp4.json: client classes for iPXE / UEFI / BIOS, reservations per subnet, relays by giaddr. */
export function renderKeaDhcp4(ir: SiteIR): OutputFile[] {
  const plan = ir.boot;
  const uefiTest = UEFI_X64_ARCHES.map((arch) => `option[93].hex == 0x${arch.toString(16).padStart(4, "0")}`).join(" or ");
  const config = {
    Dhcp4: {
      "interfaces-config": { interfaces: ["*"] },
      "lease-database": { type: "memfile", persist: true, name: "/var/lib/kea/kea-leases4.csv" },
      "valid-lifetime": 3600,
      "max-valid-lifetime": 7200,
      authoritative: true,
      // A machine with several boot NICs has one address for all of them; only one boots at a time.
      "ip-reservations-unique": false,
      "next-server": plan.server,
      "option-data": [
        { name: "domain-name", data: plan.domain },
        ...(plan.dnsServers.length > 0 ? [{ name: "domain-name-servers", data: plan.dnsServers.join(", ") }] : []),
      ],
      "client-classes": [
        { name: "ipxe", test: "option[77].hex == 'iPXE'", "boot-file-name": plan.ipxeScriptUrl },
        { name: "uefi-x64", test: `not member('ipxe') and (${uefiTest})`, "boot-file-name": BOOT_PROGRAMS.uefi, "next-server": plan.server },
        { name: "bios", test: "not member('ipxe') and not member('uefi-x64')", "boot-file-name": BOOT_PROGRAMS.bios, "next-server": plan.server },
      ],
      subnet4: plan.subnets.map((subnet, i) => ({
        id: i + 1,
        subnet: subnet.cidr,
        ...(subnet.relay ? { relay: { "ip-addresses": [subnet.relay] } } : {}),
        pools: subnet.pool ? [{ pool: `${subnet.pool.start} - ${subnet.pool.end}` }] : [],
        "option-data": [
          ...(subnet.gateway ? [{ name: "routers", data: subnet.gateway }] : []),
          { name: "interface-mtu", data: String(subnet.mtu) },
        ],
        reservations: plan.hosts
          .filter((h) => h.network === subnet.network)
          .flatMap((h) => h.macs.map((mac) => ({ hostname: h.hostname, "hw-address": mac, "ip-address": h.address }))),
      })),
    },
  };
  return [{ path: "dhcp/kea-dhcp4.json", content: jsonText(config) }];
}
