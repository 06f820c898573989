import { join } from "node:path";
import { initKeystore, loadKeystore } from "../../runtime/pki/keystore.js";
import type { CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import { tempDir } from "./temp-dirs.js";

/** A fresh keystore (root + intermediate CA) in a temporary directory. */
export async function freshKeystore(): Promise<{ dir: string; ca: CertificateAuthority }> {
  const dir = join(await tempDir("oci-keystore-"), "keystore");
  await initKeystore(dir, "test");
  return { dir, ca: await loadKeystore(dir) };
}
