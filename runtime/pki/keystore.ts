import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { chmod, link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { certificateAuthorityFrom, createKeystore, type CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import { systemPorts } from "../../compiler/ports.js";
import { RenderSigner } from "../render/render-signature.js";

export const KEYSTORE_FILES = {
  rootCert: "root-ca.pem",
  rootKey: "root-ca.key",
  intermediateCert: "intermediate-ca.pem",
  intermediateKey: "intermediate-ca.key",
  /** Ed25519: signs every rendered commit this host makes (runtime/render/render-signature.ts). */
  renderSigningKey: "render-signing.key",
  /** Its public half, for hosts that apply renders without compiling them (oci serve --render-signer). */
  renderSigningPub: "render-signing.pub",
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
  await loadRenderSigner(directory);
}

/**
 * The keystore's render signing key, made on first use (a keystore from before signing has none):
 * written 0600 with an exclusive create, so two processes starting at once keep one key.
 */
export async function loadRenderSigner(directory: string): Promise<RenderSigner> {
  const keyPath = join(directory, KEYSTORE_FILES.renderSigningKey);
  let pem = await readFile(keyPath, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new KeystoreError(directory, `cannot read ${KEYSTORE_FILES.renderSigningKey}: ${error.message}`);
  });
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync("ed25519");
    const staged = `${keyPath}.${process.pid}.tmp`;
    try {
      await writeFile(staged, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      // link(2) names the whole file at once, and fails when another process named its key first.
      await link(staged, keyPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
    } catch (error) {
      throw new KeystoreError(directory, `cannot create ${KEYSTORE_FILES.renderSigningKey}: ${(error as Error).message}`);
    } finally {
      await unlink(staged).catch(() => undefined);
    }
    pem = await readFile(keyPath, "utf8");
    // The public half matches the key that won.
    await writeFile(join(directory, KEYSTORE_FILES.renderSigningPub), createPublicKey(pem).export({ type: "spki", format: "pem" }), { mode: 0o644 });
  }
  return new RenderSigner(pem);
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
