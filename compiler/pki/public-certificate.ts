import { generateKeyPair, KEY_ALGORITHM, privateKeyToPem, x509 } from "./x509.js";

/** A bring-your-own public endpoint key and the request to hand to a public CA. */
export interface PublicKeyRequest {
  readonly keyPem: string;
  readonly csrPem: string;
}

/** A new key and its certificate signing request for `endpoint` (CN and the one DNS name). */
export async function createPublicKeyRequest(endpoint: string): Promise<PublicKeyRequest> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${endpoint}`,
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: endpoint }])],
  });
  return { keyPem: await privateKeyToPem(keys.privateKey), csrPem: `${csr.toString("pem")}\n` };
}

/** The DNS names a certificate signing request asks for. */
export function requestedNames(csrPem: string): string[] {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  // The request's getExtension returns the generic Extension: parse the SAN from its raw bytes.
  const raw = csr.extensions.find((e) => e.type === "2.5.29.17");
  if (!raw) return [];
  return new x509.SubjectAlternativeNameExtension(raw.rawData).names.items.filter((n) => n.type === "dns").map((n) => n.value);
}

export interface SignedCertificateVerdict {
  /** Why the chain cannot serve the endpoint; absent when it can. */
  readonly problem?: string;
  /** Absent, or why an operator should act soon (it expires within the renewal window). */
  readonly warning?: string;
  /** The verdict is the same for every `now` up to this time (ms since the epoch); absent: for every later `now`. */
  readonly sameUntil?: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Judges the chain an operator committed for a bring-your-own endpoint: its first certificate must
 * be for the key oci made (the one in the CSR), name the endpoint, and be valid now.
 */
export function judgeSignedCertificate(chainPem: string, csrPem: string, endpoint: string, now: Date, renewBeforeDays: number): SignedCertificateVerdict {
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { problem: "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)" };
  let leaf: x509.X509Certificate;
  try {
    leaf = new x509.X509Certificate(blocks[0]!);
  } catch (error) {
    return { problem: `its first certificate does not parse: ${(error as Error).message}` };
  }
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!Buffer.from(leaf.publicKey.rawData).equals(Buffer.from(csr.publicKey.rawData))) {
    return { problem: "it is for another key than the one oci made: it must be issued from the CSR in the rendered branch" };
  }
  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san ? san.names.items.filter((n) => n.type === "dns").map((n) => n.value.toLowerCase()) : [];
  // A wildcard covers one label: *.example.com names api.example.com, not a.b.example.com.
  const host = endpoint.toLowerCase();
  const covers = names.some((n) => n === host || (n.startsWith("*.") && host.slice(host.indexOf(".") + 1) === n.slice(2)));
  if (!covers) return { problem: `it does not name ${endpoint} (its DNS names: ${names.join(", ") || "none"})` };
  const notAfter = leaf.notAfter.getTime();
  if (notAfter <= now.getTime()) return { problem: `it expired on ${leaf.notAfter.toISOString()}` };
  if (leaf.notBefore.getTime() > now.getTime()) return { problem: `it is not valid before ${leaf.notBefore.toISOString()}`, sameUntil: leaf.notBefore.getTime() - 1 };
  const left = Math.floor((notAfter - now.getTime()) / DAY_MS);
  // The same while at least `days` whole days are left; at notAfter itself it has expired.
  const whileDaysLeft = (days: number) => notAfter - days * DAY_MS - (days === 0 ? 1 : 0);
  return left < renewBeforeDays
    ? { warning: `it expires in ${left} day(s), on ${leaf.notAfter.toISOString()}`, sameUntil: whileDaysLeft(left) }
    : { sameUntil: whileDaysLeft(renewBeforeDays) };
}
