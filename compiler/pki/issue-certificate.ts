import type { CompilePorts } from "../ports.js";
import type { CertificateAuthority } from "./certificate-authority.js";
import type { CertificateRequest } from "./certificate-requests.js";
import { generateKeyPair, KEY_ALGORITHM, privateKeyToPem, serialNumber, x509 } from "./x509.js";

export interface IssuedCertificate {
  /** Leaf then intermediate: what HAProxy, RabbitMQ and MariaDB load as the certificate file. */
  readonly chainPem: string;
  readonly keyPem: string;
}

const DAY_MS = 24 * 3600 * 1000;

/** When a certificate issued at `now` for `validityDays` expires, in ms since the epoch. */
export function certificateNotAfter(now: Date, validityDays: number): number {
  return now.getTime() + validityDays * DAY_MS;
}

export async function issueCertificate(ca: CertificateAuthority, request: CertificateRequest, validityDays: number, ports: CompilePorts): Promise<IssuedCertificate> {
  const issuer = new x509.X509Certificate(ca.intermediatePem);
  const keys = await generateKeyPair();
  const now = ports.now().getTime();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(ports.randomBytes(16)),
    subject: `CN=${request.commonName}`,
    issuer: issuer.subject,
    // An hour of slack for clocks that lag the provisioning host.
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(certificateNotAfter(ports.now(), validityDays)),
    signingAlgorithm: KEY_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.intermediateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension(request.clientAuth ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...request.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...request.ipAddresses.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
    ],
  });
  return { chainPem: `${cert.toString("pem")}\n${ca.intermediatePem}`, keyPem: await privateKeyToPem(keys.privateKey) };
}
