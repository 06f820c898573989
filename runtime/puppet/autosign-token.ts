import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { UnavailableError } from "../http/http-server.js";
import type { Release } from "../release/release.js";
import { AUTOSIGN_TOKEN_KEY } from "./autosign.js";
import { EyamlDecryptor } from "./eyaml-decrypt.js";

/**
 * The installer of a machine fetches its autosign token from the address DHCP reserved for it:
 * the PXE network is the trust boundary, as in OCI. The token is decrypted from the node's hiera
 * with the eyaml private key, which stays on this host.
 */
export async function autosignTokenFor(release: Release, address: string, privateKeyPath: string | undefined): Promise<string | undefined> {
  const fqdn = release.dhcp.reservations.find((r) => r.address === address)?.fqdn;
  if (!fqdn) return undefined;
  const node = release.files.get(`hiera/nodes/${fqdn}.yaml`);
  const encrypted = node ? (parse(node.toString("utf8"), { version: "1.1" }) as Record<string, unknown>)[AUTOSIGN_TOKEN_KEY] : undefined;
  if (typeof encrypted !== "string") return undefined;
  let pem: string;
  try {
    pem = await readFile(privateKeyPath ?? "", "utf8");
  } catch (error) {
    throw new UnavailableError(`autosign tokens need the eyaml private key (--eyaml-private-key): ${(error as Error).message}`);
  }
  return new EyamlDecryptor(pem).decrypt(encrypted);
}
