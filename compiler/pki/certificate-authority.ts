import type { CompilePorts } from "../ports.js";
import { generateKeyPair, KEY_ALGORITHM, privateKeyFromPem, privateKeyToPem, serialNumber, x509 } from "./x509.js";

/** What the compiler needs of the keystore: the intermediate signs node certificates; the root key is not needed. */
export interface CertificateAuthority {
  readonly rootPem: string;
  readonly intermediatePem: string;
  readonly intermediateKey: CryptoKey;
}

export interface NewKeystore {
  readonly rootPem: string;
  readonly rootKeyPem: string;
  readonly intermediatePem: string;
  readonly intermediateKeyPem: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** A root CA (20 years) and an intermediate (10 years, path length 0) that signs node certificates. */
export async function createKeystore(siteName: string, ports: CompilePorts): Promise<NewKeystore> {
  const now = ports.now();
  const notBefore = new Date(now.getTime() - 3600_000);
  const root = await generateKeyPair();
  const rootCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(ports.randomBytes(16)),
    name: `CN=oci root CA ${siteName}, O=oci`,
    notBefore,
    notAfter: new Date(now.getTime() + 20 * YEAR_MS),
    signingAlgorithm: KEY_ALGORITHM,
    keys: root,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(root.publicKey),
    ],
  });
  const intermediate = await generateKeyPair();
  const intermediateCert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(ports.randomBytes(16)),
    subject: `CN=oci intermediate CA ${siteName}, O=oci`,
    issuer: rootCert.subject,
    notBefore,
    notAfter: new Date(now.getTime() + 10 * YEAR_MS),
    signingAlgorithm: KEY_ALGORITHM,
    publicKey: intermediate.publicKey,
    signingKey: root.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(intermediate.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootCert),
    ],
  });
  return {
    rootPem: rootCert.toString("pem") + "\n",
    rootKeyPem: await privateKeyToPem(root.privateKey),
    intermediatePem: intermediateCert.toString("pem") + "\n",
    intermediateKeyPem: await privateKeyToPem(intermediate.privateKey),
  };
}

export async function certificateAuthorityFrom(rootPem: string, intermediatePem: string, intermediateKeyPem: string): Promise<CertificateAuthority> {
  return { rootPem, intermediatePem, intermediateKey: await privateKeyFromPem(intermediateKeyPem) };
}
