import { X509Certificate } from "node:crypto";
import type { CertificateRequest } from "./certificate-requests.js";

const DAY_MS = 24 * 3600 * 1000;

export type ReuseVerdict = { readonly reuse: true } | { readonly reuse: false; readonly reason: string };

/**
 * A previous certificate is kept while it is valid for longer than the renew window, names exactly
 * the requested SANs, and was signed by the current intermediate CA; otherwise it is re-issued.
 */
export function judgePreviousCertificate(chainPem: string, request: CertificateRequest, issuerPem: string, now: Date, renewBeforeDays: number): ReuseVerdict {
  let cert: X509Certificate;
  let issuer: X509Certificate;
  try {
    cert = new X509Certificate(chainPem);
    issuer = new X509Certificate(issuerPem);
  } catch {
    return { reuse: false, reason: "the previous certificate cannot be parsed" };
  }
  if (!cert.verify(issuer.publicKey)) return { reuse: false, reason: "signed by another CA" };
  const remaining = new Date(cert.validTo).getTime() - now.getTime();
  if (remaining < renewBeforeDays * DAY_MS) return { reuse: false, reason: `expires ${new Date(cert.validTo).toISOString().slice(0, 10)}, within ${renewBeforeDays} days` };
  const wanted = [...request.dnsNames.map((n) => `DNS:${n}`), ...request.ipAddresses.map((a) => `IP Address:${a}`)].sort();
  const present = (cert.subjectAltName ?? "").split(", ").filter(Boolean).sort();
  if (wanted.join(",") !== present.join(",")) return { reuse: false, reason: `names changed (${present.join(" ")} → ${wanted.join(" ")})` };
  return { reuse: true };
}
