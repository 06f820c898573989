import { closestNames } from "../diagnostics/closest-names.js";
import { Code } from "../diagnostics/codes.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { CertificateAuthority } from "../pki/certificate-authority.js";
import { certificateRequests, type CertificateRequest } from "../pki/certificate-requests.js";
import { mapWithLimit } from "../async/map-with-limit.js";
import { certificateNotAfter, issueCertificate } from "../pki/issue-certificate.js";
import { createPublicKeyRequest, judgeSignedCertificate, requestedNames } from "../pki/public-certificate.js";
import { renewTime, ReuseMemo } from "../pki/reuse-certificate.js";
import type { CompilePorts } from "../ports.js";
import type { SiteIR } from "../resolve/site-ir.js";
import type { EyamlEncryptor } from "./eyaml.js";
import { encryptedValuesOfText, type EncryptedValues } from "./hiera-encrypted-values.js";
import { generateSecret } from "./generate-secret.js";
import { secretCatalog, type SecretSpec } from "./secret-catalog.js";

export const SECRETS_STATE_PATH = "state/secrets.json";

/** Where a previous render is read from (state files, hiera, certificates). */
export interface PreviousFiles {
  readFile(path: string): Promise<string | undefined>;
  readonly label: string;
  readonly readFileNow?: (path: string) => string | undefined;
}

export interface EncryptedSecret extends SecretSpec {
  readonly encrypted: string;
}

export interface CertificateIR {
  readonly request: CertificateRequest;
  readonly chainPem: string;
  /** The private key, eyaml-encrypted: it never appears in clear in the render. */
  readonly encryptedKey: string;
  readonly status: "issued" | "reused";
}

/** A cluster's bring-your-own public endpoint: oci's key (encrypted) and CSR, and the operator's signed chain once committed. */
export interface PublicEndpointRequest {
  readonly cluster: string;
  readonly endpoint: string;
  readonly csrPem: string;
  readonly encryptedKey: string;
  /** The chain from `clusters/<cluster>/public-certificate.pem`, when committed and right. */
  readonly chainPem?: string;
}

export interface PendingCertificate {
  readonly request: CertificateRequest;
  readonly reason: string;
}

/** Certificates and secrets of a render, with what this compile created and what only the provisioning host can create. */
export interface Credentials {
  /**
   * These credentials are the same for every `now` up to this time (ms since the epoch): when a kept
   * certificate enters its renew window, a committed one's days left change, or (a certificate issued)
   * at once. Absent: for every later `now`. Secrets and keys made anew are random, not timed.
   */
  readonly sameUntil?: number;
  readonly secrets: readonly EncryptedSecret[];
  readonly createdSecrets: readonly string[];
  readonly pendingSecrets: readonly string[];
  readonly certificates: readonly CertificateIR[];
  readonly pendingCertificates: readonly PendingCertificate[];
  readonly publicEndpoints: readonly PublicEndpointRequest[];
  readonly caPem?: string;
  readonly intermediatePem?: string;
  readonly eyamlFingerprint?: string;
}

export interface CredentialInputs {
  readonly ir: SiteIR;
  readonly previous?: PreviousFiles;
  /** Absent without the keystore (a pull request's CI): certificates to issue are listed, not faked. */
  readonly ca?: CertificateAuthority;
  /** Absent when the site names no eyaml public key: secrets to create are listed, not faked. */
  readonly eyaml?: EyamlEncryptor;
  readonly ports: CompilePorts;
  /** Secret names to generate anew (`oci secrets rotate`). */
  readonly rotate: ReadonlySet<string>;
  /** Reads a file of the site (a bring-your-own certificate chain); undefined when it is not there. */
  readonly siteFile?: (path: string) => Promise<string | undefined>;
  readonly diagnostics: DiagnosticBag;
  /** Told how far the long loops are (secrets, certificates): a first compile of a big site issues thousands. */
  readonly progress?: ProgressSink;
  /** What earlier compiles of the process judged and parsed (CompileCache). */
  readonly memo?: CredentialMemo;
}

/** The previous render's hiera files parsed, by path with their text, and the certificates kept, for the next compile. */
export class CredentialMemo {
  hiera = new Map<string, { readonly text: string; readonly value: EncryptedValues | undefined }>();
  readonly reuse = new ReuseMemo();
  #secrets = new WeakMap<SecretSpec, EncryptedSecret>();

  /** A secret kept from the previous render: the same object as the last compile's when its spec and value are the same. */
  kept(spec: SecretSpec, encrypted: string): EncryptedSecret {
    const before = this.#secrets.get(spec);
    if (before?.encrypted === encrypted) return before;
    const secret = Object.freeze({ ...spec, encrypted });
    if (Object.isFrozen(spec)) this.#secrets.set(spec, secret);
    return secret;
  }

  /** The previous state/secrets.json read last, by its text. */
  secretsState?: { readonly text: string; readonly state: ReadSecretsState };

  /**
   * The render just made, as the next compile's previous: each hiera file's text with the encrypted
   * values this compile put in it (the only ones a hiera file holds), so that none is parsed to be read back.
   */
  rememberRender(files: readonly { readonly path: string; readonly content: string }[], credentials: Credentials): void {
    const values = new Map<string, Record<string, string>>();
    const put = (file: string, key: string, value: string) => {
      const record = values.get(file) ?? values.set(file, {}).get(file)!;
      record[key] = value;
    };
    for (const secret of credentials.secrets) put(secret.hieraFile, secret.hieraKey, secret.encrypted);
    for (const cert of credentials.certificates) put(...certificateKeyLocation(cert.request), cert.encryptedKey);
    for (const byo of credentials.publicEndpoints) put(`hiera/clusters/${byo.cluster}.yaml`, "oci::profile::haproxy::public_private_key", byo.encryptedKey);
    this.hiera = new Map(files.filter((f) => f.path.startsWith("hiera/")).map((f) => [f.path, { text: f.content, value: values.get(f.path) ?? {} }]));
  }
}

/**
 * What a compile takes from a file of its previous render: of a hiera file, its encrypted values
 * (readHiera below reads nothing else of it, and nothing else reads it); of any other file, all of
 * it. Two previous renders that agree on this at every path a compile read give it the same result.
 */
export function previousFileUse(path: string, text: string | undefined): string | undefined {
  return text !== undefined && path.startsWith("hiera/") ? `encrypted values ${JSON.stringify(encryptedValuesOfText(text))}` : text;
}

/** Where a long phase reports how far it is: `done` of `total` items. */
export type ProgressSink = (phase: string, done: number, total: number) => void;

interface SecretsState {
  version: 1;
  eyamlFingerprint?: string;
  secrets: { name: string; file: string; key: string }[];
}

interface ReadSecretsState {
  readonly eyamlFingerprint?: string | undefined;
  /** Each secret's hiera file and key, by name. */
  readonly location: ReadonlyMap<string, { readonly file: string; readonly key: string }>;
}

/**
 * Re-uses every secret and certificate of the previous render that is still right, and creates
 * the rest: secrets are generated once and only ever stored eyaml-encrypted; certificates are
 * issued by the intermediate CA and their keys delivered eyaml-encrypted in the node's hiera.
 */
export async function materializeCredentials(input: CredentialInputs): Promise<Credentials> {
  const { ir, previous, ca, eyaml, ports, rotate, diagnostics, memo } = input;
  const hieraCache = new Map<string, EncryptedValues | undefined>();
  const hieraRead = new Map<string, { readonly text: string; readonly value: EncryptedValues | undefined }>();
  const readHiera = (file: string, text: string | undefined) => {
    // The daemon's previous render is the one it made: the same text, often the same string, parsed once.
    const kept = memo?.hiera.get(file);
    const value = text === undefined ? undefined : kept?.text === text ? kept.value : encryptedValuesOfText(text);
    if (text !== undefined) hieraRead.set(file, { text, value });
    hieraCache.set(file, value);
  };
  const valueOf = (file: string, key: string) => {
    // Every value kept was an encrypted value when it was read (encryptedValuesOfText) or was made by this process.
    const values = hieraCache.get(file);
    return values && Object.hasOwn(values, key) ? values[key] : undefined;
  };
  // At once when the file was read or the previous render is in memory; a promise only for a file read from Git.
  const previousHieraNow = (file: string, key: string): string | undefined | Promise<string | undefined> => {
    if (!hieraCache.has(file)) {
      if (!previous?.readFileNow) return previous!.readFile(file).then((text) => (hieraCache.has(file) || readHiera(file, text), valueOf(file, key)));
      readHiera(file, previous.readFileNow(file));
    }
    return valueOf(file, key);
  };
  const previousHiera = async (file: string, key: string): Promise<string | undefined> => (previous ? previousHieraNow(file, key) : undefined);
  const previousFile = (path: string): string | undefined | Promise<string | undefined> => (previous?.readFileNow ? previous.readFileNow(path) : previous?.readFile(path));

  const state = await readSecretsState(previous, diagnostics, memo);
  if (eyaml && state?.eyamlFingerprint && state.eyamlFingerprint !== eyaml.fingerprint) {
    diagnostics.error(Code.EyamlKeyChanged, { file: `${previous!.label}${SECRETS_STATE_PATH}`, line: 1, col: 1 }, "the site's eyaml public key changed since the previous render: its secrets are encrypted for the old key", "re-encrypt the previous secrets for the new key (eyaml recrypt) before compiling, or restore the old key; oci never regenerates every password silently");
  }

  const catalog = secretCatalog(ir);
  const byName = new Map(catalog.map((s) => [s.name, s]));
  for (const name of rotate) {
    const spec = byName.get(name);
    if (!spec) {
      const near = closestNames(name, [...byName.keys()], Math.max(3, Math.floor(name.length / 3)), 3);
      diagnostics.error(Code.UnknownSecret, { file: "oci secrets rotate", line: 1, col: 1 }, `no secret named ${name}`,
        near.length > 0 ? `did you mean ${near.join(" or ")}? (every name: state/secrets.json)` : "the names are in state/secrets.json");
    } else if (spec.fixed) {
      diagnostics.error(Code.SecretNotRotatable, { file: "oci secrets rotate", line: 1, col: 1 }, `${name} cannot be rotated: ${spec.fixed}`,
        "it is the running cluster's identity or the key to its stored data; changing it means rebuilding that service");
    }
  }
  const secrets: EncryptedSecret[] = [];
  const createdSecrets: string[] = [];
  const pendingSecrets: string[] = [];
  const location = state?.location ?? new Map<string, { file: string; key: string }>();
  const progress = input.progress ?? (() => undefined);
  for (const [i, spec] of catalog.entries()) {
    progress("secrets", i, catalog.length);
    const where = location.get(spec.name);
    let old = rotate.has(spec.name) || !where || !previous ? undefined : previousHieraNow(where.file, where.key);
    if (old instanceof Promise) old = await old;
    if (old) secrets.push(memo?.kept(spec, old) ?? { ...spec, encrypted: old });
    else if (eyaml) {
      secrets.push({ ...spec, encrypted: eyaml.encrypt(generateSecret(spec.kind, ports)) });
      createdSecrets.push(spec.name);
    } else pendingSecrets.push(spec.name);
  }

  const certificates: CertificateIR[] = [];
  const pendingCertificates: PendingCertificate[] = [];
  const previousIntermediate = await previous?.readFile("pki/intermediate.pem");
  const issuerPem = ca?.intermediatePem ?? previousIntermediate;
  progress("secrets", catalog.length, catalog.length);
  const requests = certificateRequests(ir);
  // Issued concurrently: key generation and signing run on libuv's thread pool, so a first compile
  // uses every core. What each one draws from the ports (time, serial) is drawn here, in request
  // order, so the same ports give the same certificates whatever order they finish in.
  const toIssue: { readonly at: number; readonly request: CertificateRequest; readonly now: Date; readonly ports: CompilePorts }[] = [];
  let sameUntil = Infinity;
  const sameUntilAtMost = (time: number) => void (sameUntil = Math.min(sameUntil, time));
  for (const [i, request] of requests.entries()) {
    progress("certificates", i, requests.length);
    const [file, key] = certificateKeyLocation(request);
    let oldChain = previousFile(`pki/certs/${request.name}.pem`);
    if (oldChain instanceof Promise) oldChain = await oldChain;
    // Only a previous certificate makes its key worth reading (a hiera file read and parsed per node).
    let oldKey = oldChain ? previousHieraNow(file, key) : undefined;
    if (oldKey instanceof Promise) oldKey = await oldKey;
    const verdict = oldChain && oldKey && issuerPem
      ? (memo?.reuse ?? new ReuseMemo()).judge(oldChain, request, issuerPem, ports.now(), ir.site.renewBeforeDays)
      : { reuse: false as const, reason: "new" };
    if (verdict.reuse) {
      sameUntilAtMost(verdict.renewAt);
      certificates.push({ request, chainPem: oldChain!, encryptedKey: oldKey!, status: "reused" });
    } else if (!ca) {
      pendingCertificates.push({ request, reason: `${verdict.reason}; the provisioning host (with the keystore) issues it` });
    } else if (!eyaml) {
      pendingCertificates.push({ request, reason: `${verdict.reason}; the site has no eyaml public key to deliver its private key` });
    } else {
      const now = ports.now();
      sameUntilAtMost(now.getTime());
      const serial = ports.randomBytes(16);
      toIssue.push({ at: certificates.length, request, now, ports: { now: () => now, randomBytes: () => serial } });
      certificates.length++; // its place, filled once issued
    }
  }
  let issuedCount = 0;
  const issuedNow = await mapWithLimit(toIssue, ISSUE_CONCURRENCY, async ({ request, ports: own }) => {
    const issued = await issueCertificate(ca!, request, ir.site.validityDays, own);
    progress("certificates issued", ++issuedCount, toIssue.length);
    return issued;
  });
  for (const [i, { at, request, now }] of toIssue.entries()) {
    const issued = issuedNow[i]!;
    certificates[at] = { request, chainPem: issued.chainPem, encryptedKey: eyaml!.encrypt(issued.keyPem), status: "issued" };
    // Valid, signed by this issuer, for these names, until its notAfter: what judging it next time would find.
    const renewAt = renewTime(certificateNotAfter(now, ir.site.validityDays), ir.site.renewBeforeDays);
    memo?.reuse.remember(request, issued.chainPem, ca!.intermediatePem, ir.site.renewBeforeDays, renewAt);
  }
  progress("certificates", requests.length, requests.length);
  if (memo) {
    // What this compile read is what the next will: files and certificates gone from the site are not kept.
    memo.hiera = hieraRead;
    memo.reuse.retain(new Set(requests.map((r) => r.name)));
  }
  const publicEndpoints = await bringYourOwnEndpoints(input, previousHiera, sameUntilAtMost);
  const caPem = ca?.rootPem ?? (await previous?.readFile("pki/ca.pem"));
  return {
    ...(sameUntil < Infinity ? { sameUntil } : {}),
    secrets, createdSecrets, pendingSecrets, certificates, pendingCertificates, publicEndpoints,
    ...(caPem ? { caPem } : {}),
    ...(issuerPem ? { intermediatePem: issuerPem } : {}),
    ...(eyaml ? { eyamlFingerprint: eyaml.fingerprint } : {}),
  };
}

/** Certificates in flight at once: enough to keep every thread of libuv's pool (4 by default) busy. */
const ISSUE_CONCURRENCY = 8;

export const PUBLIC_CERTIFICATE_FILE = (cluster: string) => `clusters/${cluster}/public-certificate.pem`;
export const PUBLIC_CSR_FILE = (endpoint: string) => `pki/csr/${endpoint}.csr`;

/**
 * `tls.publicCertificate: byo`: oci makes the endpoint's key once (kept eyaml-encrypted in the
 * cluster's hiera) and its CSR (pki/csr/<endpoint>.csr in the render); the operator has a public CA
 * sign it and commits the chain as clusters/<cluster>/public-certificate.pem, which is checked
 * against that key, the endpoint and the date before HAProxy gets it.
 */
async function bringYourOwnEndpoints(
  input: CredentialInputs, previousHiera: (file: string, key: string) => Promise<string | undefined>, sameUntilAtMost: (time: number) => void,
): Promise<PublicEndpointRequest[]> {
  const { ir, previous, eyaml, ports, diagnostics } = input;
  const out: PublicEndpointRequest[] = [];
  for (const cluster of ir.clusters.filter((c) => c.publicCertificate === "byo")) {
    const endpoint = cluster.publicEndpoint;
    const chainFile = PUBLIC_CERTIFICATE_FILE(cluster.name);
    const oldCsr = await previous?.readFile(PUBLIC_CSR_FILE(endpoint));
    const oldKey = oldCsr ? await previousHiera(`hiera/clusters/${cluster.name}.yaml`, "oci::profile::haproxy::public_private_key") : undefined;
    let request: Omit<PublicEndpointRequest, "chainPem">;
    if (oldCsr && oldKey && requestedNames(oldCsr).includes(endpoint)) {
      request = { cluster: cluster.name, endpoint, csrPem: oldCsr, encryptedKey: oldKey };
    } else if (eyaml) {
      const made = await createPublicKeyRequest(endpoint);
      request = { cluster: cluster.name, endpoint, csrPem: made.csrPem, encryptedKey: eyaml.encrypt(made.keyPem) };
    } else {
      diagnostics.warning(Code.PublicCertificateAwaited, { file: chainFile, line: 1, col: 1 }, `cluster ${cluster.name}'s public endpoint ${endpoint} has no key yet: the site names no eyaml public key to keep it`,
        "set secrets.eyamlPublicKey in site.yaml; the next compile makes the key and its CSR");
      continue;
    }
    const chain = await input.siteFile?.(chainFile);
    if (chain === undefined) {
      diagnostics.warning(Code.PublicCertificateAwaited, { file: chainFile, line: 1, col: 1 }, `cluster ${cluster.name} brings its own certificate for ${endpoint}, and none is committed yet: HAProxy serves no public TLS until then`,
        `have your CA sign ${PUBLIC_CSR_FILE(endpoint)} (git show <rendered branch>:${PUBLIC_CSR_FILE(endpoint)}) and commit the chain, leaf first, as ${chainFile}`);
      out.push(request);
      continue;
    }
    const verdict = judgeSignedCertificate(chain, request.csrPem, endpoint, ports.now(), ir.site.renewBeforeDays);
    if (verdict.sameUntil !== undefined) sameUntilAtMost(verdict.sameUntil);
    if (verdict.problem) {
      diagnostics.error(Code.PublicCertificateWrong, { file: chainFile, line: 1, col: 1 }, `the certificate for ${endpoint} cannot be used: ${verdict.problem}`,
        `it must be issued from ${PUBLIC_CSR_FILE(endpoint)} of the rendered branch, for ${endpoint}, and valid now`);
      continue;
    }
    if (verdict.warning) diagnostics.warning(Code.PublicCertificateAwaited, { file: chainFile, line: 1, col: 1 }, `the certificate for ${endpoint}: ${verdict.warning}`, `have ${PUBLIC_CSR_FILE(endpoint)} signed again and commit the new chain`);
    out.push({ ...request, chainPem: chain.endsWith("\n") ? chain : `${chain}\n` });
  }
  return out;
}

/** A node's key goes to its own hiera; a VIP certificate's to the cluster's, for every controller's HAProxy. */
export function certificateKeyLocation(request: CertificateRequest): [file: string, key: string] {
  return request.fqdn
    ? [`hiera/nodes/${request.fqdn}.yaml`, "oci::profile::tls::private_key"]
    : [`hiera/clusters/${request.cluster}.yaml`, "oci::profile::haproxy::public_private_key"];
}

/** The previous secrets state, with where each secret is by name; the daemon's is most often the text it wrote last, read once. */
async function readSecretsState(previous: PreviousFiles | undefined, diagnostics: DiagnosticBag, memo?: CredentialMemo): Promise<ReadSecretsState | undefined> {
  const text = await previous?.readFile(SECRETS_STATE_PATH);
  if (text === undefined) return undefined;
  if (memo?.secretsState?.text === text) return memo.secretsState.state;
  try {
    const parsed = JSON.parse(text) as SecretsState;
    if (parsed.version === 1 && Array.isArray(parsed.secrets)) {
      const state = { eyamlFingerprint: parsed.eyamlFingerprint, location: new Map(parsed.secrets.map((s) => [s.name, s])) };
      if (memo) memo.secretsState = { text, state };
      return state;
    }
  } catch {
    // reported below
  }
  diagnostics.error(Code.BadPreviousState, { file: `${previous!.label}${SECRETS_STATE_PATH}`, line: 1, col: 1 }, "previous render's secrets state is damaged", "restore it from Git; without it every secret would be generated anew");
  return undefined;
}
