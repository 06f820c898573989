// IPv4 addresses as unsigned 32-bit integers. Inputs are already schema-checked dotted quads.

export function parseIpv4(text: string): number {
  const parts = text.split(".");
  return (((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0);
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export interface Ipv4Network {
  readonly base: number;
  readonly prefix: number;
  /** Last address of the network (the broadcast address for prefixes below 31). */
  readonly last: number;
}

export function parseCidr(text: string): Ipv4Network {
  const [address, length] = text.split("/") as [string, string];
  const prefix = Number(length);
  const mask = prefixMask(prefix);
  const base = (parseIpv4(address) & mask) >>> 0;
  return { base, prefix, last: (base | (~mask >>> 0)) >>> 0 };
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function netmaskOf(prefix: number): string {
  return formatIpv4(prefixMask(prefix));
}

/** True when the CIDR text had host bits set (e.g. `10.0.0.1/24`). */
export function hasHostBits(text: string): boolean {
  const [address] = text.split("/") as [string];
  return parseIpv4(address) !== parseCidr(text).base;
}

export function contains(network: Ipv4Network, address: number): boolean {
  return address >= network.base && address <= network.last;
}

/** Network and broadcast addresses are not usable by hosts, except in /31 and /32 (RFC 3021). */
export function isHostAddress(network: Ipv4Network, address: number): boolean {
  if (!contains(network, address)) return false;
  if (network.prefix >= 31) return true;
  return address !== network.base && address !== network.last;
}

export function overlaps(a: Ipv4Network, b: Ipv4Network): boolean {
  return a.base <= b.last && b.base <= a.last;
}

export interface Ipv4Range {
  readonly start: number;
  readonly end: number;
}

export function inRange(range: Ipv4Range, address: number): boolean {
  return address >= range.start && address <= range.end;
}
