import { parse } from "yaml";
import type { Release } from "./release.js";

/** The hiera key holding a node's systemd-networkd files (class oci::network). */
export const NETWORK_FILES_KEY = "oci::network::files";

/** Each file of a bundle starts with this line and its name; a networkd file never has such a line. */
export const BUNDLE_FILE_MARKER = "--- ";

/**
 * The network configuration the installer writes for the machine DHCP reserved `address` for: the
 * same systemd-networkd files Puppet keeps (the node's `oci::network::files`), as one text a
 * POSIX shell splits with awk. Undefined when the address is no machine's, or the machine's
 * links are not all known yet.
 */
export function networkConfigFor(release: Release, address: string): string | undefined {
  const fqdn = release.dhcp.reservations.find((r) => r.address === address)?.fqdn;
  const node = fqdn ? release.files.get(`hiera/nodes/${fqdn}.yaml`) : undefined;
  if (!node) return undefined;
  const files = (parse(node.toString("utf8"), { version: "1.1" }) as Record<string, unknown>)[NETWORK_FILES_KEY];
  if (!files || typeof files !== "object") return undefined;
  const entries = Object.entries(files as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string");
  if (entries.length === 0) return undefined;
  return `# ${fqdn}: systemd-networkd files, each after a "${BUNDLE_FILE_MARKER}<name>" line\n${entries.map(([name, content]) => `${BUNDLE_FILE_MARKER}${name}\n${content}`).join("")}`;
}
