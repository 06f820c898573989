import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { certificateAuthorityFrom, createKeystore, type CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import { systemPorts } from "../../compiler/ports.js";

export const KEYSTORE_FILES = {
  rootCert: "root-ca.pem",
  rootKey: "root-ca.key",
  intermediateCert: "intermediate-ca.pem",
  intermediateKey: "intermediate-ca.key",
} as const;

export class KeystoreError extends Error {
  readonly code = "OCI3201";
  constructor(readonly directory: string, detail: string) {
    super(`keystore ${directory}: ${detail}`);
    this.name = "KeystoreError";
  }
}

/**
 * Creates the site CA on the provisioning host: never in the site repository. Keys are written
 * 0600 in a 0700 directory; an existing keystore is never overwritten (its CA signed every
 * certificate in service). The root key may then be moved offline: compiles need only the
 * intermediate.
 */
export async function initKeystore(directory: string, siteName: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  const keystore = await createKeystore(siteName, systemPorts);
  const files: [string, string, number][] = [
    [KEYSTORE_FILES.rootKey, keystore.rootKeyPem, 0o600],
    [KEYSTORE_FILES.intermediateKey, keystore.intermediateKeyPem, 0o600],
    [KEYSTORE_FILES.rootCert, keystore.rootPem, 0o644],
    [KEYSTORE_FILES.intermediateCert, keystore.intermediatePem, 0o644],
  ];
  for (const [name, content, mode] of files) {
    try {
      await writeFile(join(directory, name), content, { mode, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new KeystoreError(directory, `${name} already exists; refusing to replace a CA in service`);
      throw error;
    }
  }
}

export async function loadKeystore(directory: string): Promise<CertificateAuthority> {
  const read = async (name: string) => {
    try {
      return await readFile(join(directory, name), "utf8");
    } catch (error) {
      throw new KeystoreError(directory, `cannot read ${name}: ${(error as Error).message} (create one with oci pki init --keystore DIR)`);
    }
  };
  return certificateAuthorityFrom(await read(KEYSTORE_FILES.rootCert), await read(KEYSTORE_FILES.intermediateCert), await read(KEYSTORE_FILES.intermediateKey));
}

/** --keystore, else $OCI_KEYSTORE; never a path from the site repository. */
export function keystorePath(flag: string | undefined): string | undefined {
  return flag ?? (process.env["OCI_KEYSTORE"] || undefined);
}
