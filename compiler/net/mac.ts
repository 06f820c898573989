const CANONICAL = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * Canonical form of a MAC address: lowercase, colon-separated (`52:54:00:ab:cd:ef`).
 * Accepts the forms the schema allows: colons, dashes, Cisco dots, or bare hex.
 */
export function normalizeMac(mac: string): string {
  // Most MACs are written canonical already: a site of 10,000 machines checks tens of thousands.
  if (CANONICAL.test(mac)) return mac;
  const hex = mac.replace(/[:.-]/g, "").toLowerCase();
  return hex.match(/../g)!.join(":");
}

/** `01-52-54-00-ab-cd-ef`: pxelinux/GRUB per-client config names (ARP type 1 = Ethernet). */
export function pxeClientId(mac: string): string {
  return `01-${normalizeMac(mac).replace(/:/g, "-")}`;
}

/** Why a canonical MAC cannot be a NIC's own address (all zeros, or a group address: broadcast, multicast), if it cannot. */
export function impossibleMac(canonical: string): string | undefined {
  if (canonical === "00:00:00:00:00:00") return "all zeros";
  if (canonical === "ff:ff:ff:ff:ff:ff") return "the broadcast address";
  if (parseInt(canonical.slice(0, 2), 16) & 1) return "a multicast address (the first octet is odd)";
  return undefined;
}
