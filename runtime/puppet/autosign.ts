import { timingSafeEqual } from "node:crypto";
import { x509 } from "../../compiler/pki/x509.js";
import type { EyamlDecryptor } from "./eyaml-decrypt.js";
import type { PublishedEnvironment } from "./published-environment.js";

export const AUTOSIGN_TOKEN_KEY = "oci::node::autosign_token";
const CHALLENGE_PASSWORD = "1.2.840.113549.1.9.7";
/** PKCS #9 extensionRequest: subjectAltName and every other extension a CSR asks for. */
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";

export type AutosignDecision = { readonly sign: true } | { readonly sign: false; readonly reason: string };

/**
 * Puppet's policy-based autosigning: sign only a CSR for a machine of the published release whose
 * subject is that certname, whose signature verifies, and whose challengePassword is the node's
 * autosign token (eyaml-encrypted in its hiera, decrypted here with puppetserver's key).
 */
export async function decideAutosign(environment: PublishedEnvironment, decryptor: EyamlDecryptor, certname: string, csrPem: string): Promise<AutosignDecision> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem.trim());
  } catch (error) {
    return { sign: false, reason: `not a PEM certificate request: ${(error as Error).message}` };
  }
  // Exactly CN=<certname>, nothing else asked for: a second CN or a subjectAltName would make the
  // certificate good for more than this machine, whatever puppetserver's own settings allow.
  const names = csr.subjectName.getField("CN");
  if (names.length !== 1) return { sign: false, reason: `the CSR subject has ${names.length} common names; it must have one, ${certname}` };
  if (csr.subjectName.toJSON().length !== 1 || Object.keys(csr.subjectName.toJSON()[0]!).length !== 1) {
    return { sign: false, reason: `the CSR subject ${csr.subject} has more than CN=${certname}` };
  }
  const commonName = names[0];
  if (commonName !== certname) return { sign: false, reason: `the CSR is for ${JSON.stringify(commonName)}, not ${certname}` };
  if (csr.getAttribute(EXTENSION_REQUEST)) {
    const asked = csr.extensions.map((e) => e.type).join(", ") || "extensions";
    return { sign: false, reason: `the CSR asks for extensions (${asked}): oci signs a certificate for its certname only (no subjectAltName, no extension requests)` };
  }
  if (!(await csr.verify())) return { sign: false, reason: "the CSR signature does not verify" };
  const presented = challengePassword(csr);
  if (presented === undefined) return { sign: false, reason: "the CSR carries no challengePassword (csr_attributes.yaml custom_attributes 1.2.840.113549.1.9.7)" };

  let data: Record<string, unknown>;
  try {
    data = environment.nodeDataOf(certname);
  } catch (error) {
    return { sign: false, reason: (error as Error).message };
  }
  const encrypted = data[AUTOSIGN_TOKEN_KEY];
  if (typeof encrypted !== "string") return { sign: false, reason: `${certname} has no ${AUTOSIGN_TOKEN_KEY} in its hiera` };
  const expected = Buffer.from(decryptor.decrypt(encrypted), "utf8");
  const given = Buffer.from(presented, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { sign: false, reason: "the challengePassword is not this node's autosign token" };
  return { sign: true };
}

function challengePassword(csr: x509.Pkcs10CertificateRequest): string | undefined {
  const attribute = csr.getAttribute(CHALLENGE_PASSWORD);
  if (!attribute) return undefined;
  if ("password" in attribute && typeof attribute.password === "string") return attribute.password;
  const value = attribute.values[0];
  return value ? derString(new Uint8Array(value)) : undefined;
}

/** A DER PrintableString, UTF8String, IA5String or BMP-less T61String: tag, length, bytes. */
function derString(der: Uint8Array): string | undefined {
  if (der.length < 2 || ![0x0c, 0x13, 0x14, 0x16].includes(der[0]!)) return undefined;
  let length = der[1]!;
  let offset = 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 2 || der.length < 2 + bytes) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = (length << 8) | der[2 + i]!;
    offset = 2 + bytes;
  }
  if (offset + length !== der.length) return undefined;
  return Buffer.from(der.subarray(offset)).toString("utf8");
}
