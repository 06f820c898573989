import { createHash, X509Certificate, type KeyObject } from "node:crypto";
import type { CertificateRequest } from "./certificate-requests.js";

const DAY_MS = 24 * 3600 * 1000;

/** `renewAt`: from then on (ms since the epoch) the certificate is within its renew window. */
export type ReuseVerdict = { readonly reuse: true; readonly renewAt: number } | { readonly reuse: false; readonly reason: string };

/**
 * A previous certificate is kept while it is valid for longer than the renew window, names exactly
 * the requested SANs, and was signed by the current intermediate CA; otherwise it is re-issued.
 */
export function judgePreviousCertificate(chainPem: string, request: CertificateRequest, issuerPem: string, now: Date, renewBeforeDays: number): ReuseVerdict {
  let cert: X509Certificate;
  let issuer: KeyObject;
  try {
    cert = new X509Certificate(chainPem);
    issuer = issuerKey(issuerPem);
  } catch {
    return { reuse: false, reason: "the previous certificate cannot be parsed" };
  }
  if (!cert.verify(issuer)) return { reuse: false, reason: "signed by another CA" };
  const renewAt = renewTime(new Date(cert.validTo).getTime(), renewBeforeDays);
  if (now.getTime() > renewAt) return { reuse: false, reason: `expires ${new Date(cert.validTo).toISOString().slice(0, 10)}, within ${renewBeforeDays} days` };
  const wanted = wantedNames(request);
  const present = (cert.subjectAltName ?? "").split(", ").filter(Boolean).sort();
  if (wanted.join(",") !== present.join(",")) return { reuse: false, reason: `names changed (${present.join(" ")} → ${wanted.join(" ")})` };
  return { reuse: true, renewAt };
}

// Every certificate of a render has the same issuer: its key is read once, not 10,000 times.
let lastIssuer: { readonly pem: string; readonly key: KeyObject } | undefined;

function issuerKey(pem: string): KeyObject {
  if (lastIssuer?.pem !== pem) lastIssuer = { pem, key: new X509Certificate(pem).publicKey };
  return lastIssuer.key;
}

/** When a certificate valid until `notAfter` (ms since the epoch) enters its renew window. X.509 keeps whole seconds. */
export function renewTime(notAfter: number, renewBeforeDays: number): number {
  return Math.floor(notAfter / 1000) * 1000 - renewBeforeDays * DAY_MS;
}

/** The subject alternative names a request asks for, as OpenSSL prints them, sorted. */
export function wantedNames(request: CertificateRequest): string[] {
  return [...request.dnsNames.map((n) => `DNS:${n}`), ...request.ipAddresses.map((a) => `IP Address:${a}`)].sort();
}

function verdictDigest(name: string, chainPem: string, issuerPem: string, names: string, renewBeforeDays: number): string {
  return createHash("sha256").update(`${name}\0${names}\0${renewBeforeDays}\0${issuerPem}\0${chainPem}`).digest("hex");
}

// A request is frozen data (the same object while its machine is unchanged): its names are joined once.
const namesKeys = new WeakMap<CertificateRequest, string>();

function namesKey(request: CertificateRequest): string {
  let key = namesKeys.get(request);
  if (key === undefined) {
    key = wantedNames(request).join(",");
    if (Object.isFrozen(request)) namesKeys.set(request, key);
  }
  return key;
}

/**
 * The verdicts that kept a certificate, by request name, for the next compile of the process: a
 * certificate judged with the same chain, issuer and names before its renew time is kept again
 * without being parsed and verified (10,000 of them cost seconds on every compile).
 */
export class ReuseMemo {
  readonly #kept = new Map<string, { readonly chainPem: string; readonly issuerPem: string; readonly names: string; readonly renewBeforeDays: number; readonly renewAt: number }>();
  /** Verdicts from an earlier process, by digest: renew time. */
  readonly #stored = new Map<string, number>();
  #hits = 0;
  #misses = 0;
  #changes = 0;

  /** How many times the verdicts kept changed: a process that stores them writes them again only after a change. */
  get changes(): number {
    return this.#changes;
  }

  get stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  judge(chainPem: string, request: CertificateRequest, issuerPem: string, now: Date, renewBeforeDays: number): ReuseVerdict {
    const names = namesKey(request);
    const kept = this.#kept.get(request.name);
    if (kept && kept.chainPem === chainPem && kept.issuerPem === issuerPem && kept.names === names && kept.renewBeforeDays === renewBeforeDays && now.getTime() <= kept.renewAt) {
      this.#hits++;
      return { reuse: true, renewAt: kept.renewAt };
    }
    const stored = this.#stored.size > 0 ? this.#stored.get(verdictDigest(request.name, chainPem, issuerPem, names, renewBeforeDays)) : undefined;
    if (stored !== undefined && now.getTime() <= stored) {
      this.#hits++;
      this.#changes++;
      this.#kept.set(request.name, { chainPem, issuerPem, names, renewBeforeDays, renewAt: stored });
      return { reuse: true, renewAt: stored };
    }
    this.#misses++;
    const verdict = judgePreviousCertificate(chainPem, request, issuerPem, now, renewBeforeDays);
    if (verdict.reuse) {
      this.#kept.set(request.name, { chainPem, issuerPem, names, renewBeforeDays, renewAt: verdict.renewAt });
      this.#changes++;
    } else if (this.#kept.delete(request.name)) {
      this.#changes++;
    }
    return verdict;
  }

  /** A certificate just issued for `request`: the next compile keeps it without judging it, until `renewAt`. */
  remember(request: CertificateRequest, chainPem: string, issuerPem: string, renewBeforeDays: number, renewAt: number): void {
    this.#changes++;
    this.#kept.set(request.name, { chainPem, issuerPem, names: namesKey(request), renewBeforeDays, renewAt });
  }

  /**
   * The verdicts that kept a certificate, as a digest of what they were judged on (request name,
   * chain, issuer, names, renew window) and the renew time: what `oci plan` stores for its next run.
   * A digest names every input: an entry can only be taken for the very same certificate and request.
   */
  storedVerdicts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, v] of this.#kept) out[verdictDigest(name, v.chainPem, v.issuerPem, v.names, v.renewBeforeDays)] = v.renewAt;
    return out;
  }

  /** Verdicts stored by an earlier process (storedVerdicts), taken until their renew time. */
  takeStoredVerdicts(verdicts: Readonly<Record<string, number>>): void {
    for (const [digest, renewAt] of Object.entries(verdicts)) if (/^[0-9a-f]{64}$/.test(digest) && Number.isSafeInteger(renewAt)) this.#stored.set(digest, renewAt);
  }

  /** Forgets the requests not in `names`. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.#kept.keys()) {
      if (!names.has(name)) {
        this.#kept.delete(name);
        this.#changes++;
      }
    }
  }
}
