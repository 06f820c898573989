import { parse } from "yaml";
import { closestNames } from "../diagnostics/closest-names.js";
import { Code } from "../diagnostics/codes.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { CertificateAuthority } from "../pki/certificate-authority.js";
import { certificateRequests, type CertificateRequest } from "../pki/certificate-requests.js";
import { issueCertificate } from "../pki/issue-certificate.js";
import { judgePreviousCertificate } from "../pki/reuse-certificate.js";
import type { CompilePorts } from "../ports.js";
import type { SiteIR } from "../resolve/site-ir.js";
import { ENCRYPTED_VALUE, type EyamlEncryptor } from "./eyaml.js";
import { generateSecret } from "./generate-secret.js";
import { secretCatalog, type SecretSpec } from "./secret-catalog.js";

export const SECRETS_STATE_PATH = "state/secrets.json";

/** Where a previous render is read from (state files, hiera, certificates). */
export interface PreviousFiles {
  readFile(path: string): Promise<string | undefined>;
  readonly label: string;
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

export interface PendingCertificate {
  readonly request: CertificateRequest;
  readonly reason: string;
}

/** Certificates and secrets of a render, with what this compile created and what only the provisioning host can create. */
export interface Credentials {
  readonly secrets: readonly EncryptedSecret[];
  readonly createdSecrets: readonly string[];
  readonly pendingSecrets: readonly string[];
  readonly certificates: readonly CertificateIR[];
  readonly pendingCertificates: readonly PendingCertificate[];
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
  readonly diagnostics: DiagnosticBag;
}

interface SecretsState {
  version: 1;
  eyamlFingerprint?: string;
  secrets: { name: string; file: string; key: string }[];
}

/**
 * Re-uses every secret and certificate of the previous render that is still right, and creates
 * the rest: secrets are generated once and only ever stored eyaml-encrypted; certificates are
 * issued by the intermediate CA and their keys delivered eyaml-encrypted in the node's hiera.
 */
export async function materializeCredentials(input: CredentialInputs): Promise<Credentials> {
  const { ir, previous, ca, eyaml, ports, rotate, diagnostics } = input;
  const hieraCache = new Map<string, Record<string, unknown> | undefined>();
  const previousHiera = async (file: string, key: string): Promise<string | undefined> => {
    if (!hieraCache.has(file)) {
      const text = await previous?.readFile(file);
      hieraCache.set(file, text === undefined ? undefined : (parse(text, { version: "1.1" }) as Record<string, unknown>));
    }
    const value = hieraCache.get(file)?.[key];
    return typeof value === "string" && ENCRYPTED_VALUE.test(value) ? value : undefined;
  };

  const state = await readSecretsState(previous, diagnostics);
  if (eyaml && state?.eyamlFingerprint && state.eyamlFingerprint !== eyaml.fingerprint) {
    diagnostics.error(Code.EyamlKeyChanged, { file: `${previous!.label}${SECRETS_STATE_PATH}`, line: 1, col: 1 }, "the site's eyaml public key changed since the previous render: its secrets are encrypted for the old key", "re-encrypt the previous secrets for the new key (eyaml recrypt) before compiling, or restore the old key; oci never regenerates every password silently");
  }

  const catalog = secretCatalog(ir);
  const known = new Set(catalog.map((s) => s.name));
  const byName = new Map(catalog.map((s) => [s.name, s]));
  for (const name of rotate) {
    const spec = byName.get(name);
    if (!spec) {
      const near = closestNames(name, [...known], Math.max(3, Math.floor(name.length / 3)), 3);
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
  const location = new Map((state?.secrets ?? []).map((s) => [s.name, s]));
  for (const spec of catalog) {
    const where = location.get(spec.name);
    const old = rotate.has(spec.name) || !where ? undefined : await previousHiera(where.file, where.key);
    if (old) secrets.push({ ...spec, encrypted: old });
    else if (eyaml) {
      secrets.push({ ...spec, encrypted: eyaml.encrypt(generateSecret(spec.kind, ports)) });
      createdSecrets.push(spec.name);
    } else pendingSecrets.push(spec.name);
  }

  const certificates: CertificateIR[] = [];
  const pendingCertificates: PendingCertificate[] = [];
  const previousIntermediate = await previous?.readFile("pki/intermediate.pem");
  const issuerPem = ca?.intermediatePem ?? previousIntermediate;
  for (const request of certificateRequests(ir)) {
    const [file, key] = certificateKeyLocation(request);
    const oldChain = await previous?.readFile(`pki/certs/${request.name}.pem`);
    // Only a previous certificate makes its key worth reading (a hiera file read and parsed per node).
    const oldKey = oldChain ? await previousHiera(file, key) : undefined;
    const verdict = oldChain && oldKey && issuerPem
      ? judgePreviousCertificate(oldChain, request, issuerPem, ports.now(), ir.site.renewBeforeDays)
      : { reuse: false as const, reason: "new" };
    if (verdict.reuse) {
      certificates.push({ request, chainPem: oldChain!, encryptedKey: oldKey!, status: "reused" });
    } else if (!ca) {
      pendingCertificates.push({ request, reason: `${verdict.reason}; the provisioning host (with the keystore) issues it` });
    } else if (!eyaml) {
      pendingCertificates.push({ request, reason: `${verdict.reason}; the site has no eyaml public key to deliver its private key` });
    } else {
      const issued = await issueCertificate(ca, request, ir.site.validityDays, ports);
      certificates.push({ request, chainPem: issued.chainPem, encryptedKey: eyaml.encrypt(issued.keyPem), status: "issued" });
    }
  }
  const caPem = ca?.rootPem ?? (await previous?.readFile("pki/ca.pem"));
  return {
    secrets, createdSecrets, pendingSecrets, certificates, pendingCertificates,
    ...(caPem ? { caPem } : {}),
    ...(issuerPem ? { intermediatePem: issuerPem } : {}),
    ...(eyaml ? { eyamlFingerprint: eyaml.fingerprint } : {}),
  };
}

/** A node's key goes to its own hiera; a VIP certificate's to the cluster's, for every controller's HAProxy. */
export function certificateKeyLocation(request: CertificateRequest): [file: string, key: string] {
  return request.fqdn
    ? [`hiera/nodes/${request.fqdn}.yaml`, "oci::profile::tls::private_key"]
    : [`hiera/clusters/${request.cluster}.yaml`, "oci::profile::haproxy::public_private_key"];
}

async function readSecretsState(previous: PreviousFiles | undefined, diagnostics: DiagnosticBag): Promise<SecretsState | undefined> {
  const text = await previous?.readFile(SECRETS_STATE_PATH);
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as SecretsState;
    if (state.version === 1 && Array.isArray(state.secrets)) return state;
  } catch {
    // reported below
  }
  diagnostics.error(Code.BadPreviousState, { file: `${previous!.label}${SECRETS_STATE_PATH}`, line: 1, col: 1 }, "previous render's secrets state is damaged", "restore it from Git; without it every secret would be generated anew");
  return undefined;
}
