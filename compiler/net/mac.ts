/**
 * Canonical form of a MAC address: lowercase, colon-separated (`52:54:00:ab:cd:ef`).
 * Accepts the forms the schema allows: colons, dashes, Cisco dots, or bare hex.
 */
export function normalizeMac(mac: string): string {
  const hex = mac.replace(/[:.-]/g, "").toLowerCase();
  return hex.match(/../g)!.join(":");
}

/** `01-52-54-00-ab-cd-ef`: pxelinux/GRUB per-client config names (ARP type 1 = Ethernet). */
export function pxeClientId(mac: string): string {
  return `01-${normalizeMac(mac).replace(/:/g, "-")}`;
}
