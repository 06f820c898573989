// Parsers that read each generated DHCP configuration back into the same shape, so tests can
// check the four forms say the same thing. They read only what oci writes.

export interface BootFiles { ipxe: string; uefi: string; bios: string }
export interface DhcpFacts {
  /** `mac ip hostname`, sorted. */
  reservations: string[];
  boot: BootFiles;
  /** `cidr pool-start-pool-end relay`, sorted. */
  subnets: string[];
}

export function readDhcpdConf(text: string): DhcpFacts {
  const reservations = [...text.matchAll(/host \S+ \{\n  hardware ethernet ([0-9a-f:]+);\n  fixed-address ([\d.]+);\n  option host-name "([^"]+)";\n\}/g)]
    .map(([, mac, ip, host]) => `${mac} ${ip} ${host}`);
  const files = [...text.matchAll(/filename "([^"]+)";/g)].map((m) => m[1]!);
  const subnets = [...text.matchAll(/# network \S+(?:, relayed by ([\d.]+))?\nsubnet ([\d.]+) netmask ([\d.]+) \{[^}]*?(?:range ([\d.]+) ([\d.]+);)?\n\}/g)]
    .map(([, relay, address, mask, start, end]) => `${address}/${maskBits(mask!)} ${start ? `${start}-${end}` : "-"} ${relay ?? ""}`);
  return { reservations: reservations.sort(), boot: { ipxe: files[0]!, uefi: files[1]!, bios: files[2]! }, subnets: subnets.sort() };
}

export function readKeaJson(text: string): DhcpFacts {
  const config = JSON.parse(text) as { Dhcp4: { "client-classes": { name: string; "boot-file-name": string }[]; subnet4: { subnet: string; pools: { pool: string }[]; relay?: { "ip-addresses": string[] }; reservations: { "hw-address": string; "ip-address": string; hostname: string }[] }[] } };
  const classes = new Map(config.Dhcp4["client-classes"].map((c) => [c.name, c["boot-file-name"]]));
  return {
    reservations: config.Dhcp4.subnet4.flatMap((s) => s.reservations.map((r) => `${r["hw-address"]} ${r["ip-address"]} ${r.hostname}`)).sort(),
    boot: { ipxe: classes.get("ipxe")!, uefi: classes.get("uefi-x64")!, bios: classes.get("bios")! },
    subnets: config.Dhcp4.subnet4.map((s) => `${s.subnet} ${(s.pools[0]?.pool ?? "-").replace(" - ", "-")} ${s.relay?.["ip-addresses"][0] ?? ""}`).sort(),
  };
}

export function readDnsmasqConf(text: string): DhcpFacts {
  const lines = text.split("\n");
  const reservations = lines.filter((l) => l.startsWith("dhcp-host=")).flatMap((l) => {
    const parts = l.slice("dhcp-host=".length).split(",");
    const host = parts.pop()!;
    const ip = parts.pop()!;
    return parts.map((mac) => `${mac} ${ip} ${host}`);
  });
  const boot = (tagged: string) => lines.find((l) => l.startsWith(`dhcp-boot=${tagged},`))!.slice(`dhcp-boot=${tagged},`.length).split(",")[0]!;
  const subnets: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^# network \S+(?:, relayed by ([\d.]+))?$/.exec(lines[i]!);
    if (!m) continue;
    const pool = /^dhcp-range=set:\S+?,([\d.]+),([\d.]+),([\d.]+),/.exec(lines[i + 1]!);
    const stat = /^dhcp-range=set:\S+?,([\d.]+),static,([\d.]+),/.exec(lines[pool ? i + 2 : i + 1]!)!;
    subnets.push(`${stat[1]}/${maskBits(stat[2]!)} ${pool ? `${pool[1]}-${pool[2]}` : "-"} ${m[1] ?? ""}`);
  }
  return { reservations: reservations.sort(), boot: { ipxe: boot("tag:ipxe"), uefi: boot("tag:!ipxe,tag:efi-x64"), bios: boot("tag:!ipxe,tag:!efi-x64") }, subnets: subnets.sort() };
}

export function readReservationsJson(text: string): DhcpFacts {
  const data = JSON.parse(text) as { boot: { ipxeScriptUrl: string; uefi: string; bios: string }; subnets: { cidr: string; pool?: { start: string; end: string }; relay?: string }[]; reservations: { mac: string; address: string; hostname: string }[] };
  return {
    reservations: data.reservations.map((r) => `${r.mac} ${r.address} ${r.hostname}`).sort(),
    boot: { ipxe: data.boot.ipxeScriptUrl, uefi: data.boot.uefi, bios: data.boot.bios },
    subnets: data.subnets.map((s) => `${s.cidr} ${s.pool ? `${s.pool.start}-${s.pool.end}` : "-"} ${s.relay ?? ""}`).sort(),
  };
}

function maskBits(mask: string): number {
  return mask.split(".").reduce((bits, octet) => bits + Number(octet).toString(2).replace(/0/g, "").length, 0);
}
