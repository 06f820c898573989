import type { SiteModel } from "./validate/site-model.js";
import { renderStatusPage } from "./emit/serve/render-status-page.js";
import { renderSetupOrder } from "./emit/setup/render-setup-order.js";
import { Code } from "./diagnostics/codes.js";
import { DiagnosticBag, type Diagnostic } from "./diagnostics/diagnostic.js";
import { renderDhcpdConf } from "./emit/dhcp/render-dhcpd-conf.js";
import { renderDnsmasqConf } from "./emit/dhcp/render-dnsmasq-conf.js";
import { renderKeaDhcp4 } from "./emit/dhcp/render-kea-dhcp4.js";
import { renderReservations } from "./emit/dhcp/render-reservations.js";
import { renderEnc } from "./emit/enc/render-enc.js";
import { renderHiera } from "./emit/hiera/render-hiera.js";
import { renderManifest } from "./emit/manifest/render-manifest.js";
import { sortFiles, type OutputFile } from "./emit/output-file.js";
import { renderGrub } from "./emit/pxe/render-grub.js";
import { renderIpxe } from "./emit/pxe/render-ipxe.js";
import { renderPki } from "./emit/pki/render-pki.js";
import { renderSecretsState } from "./emit/state/render-secrets-state.js";
import type { CertificateAuthority } from "./pki/certificate-authority.js";
import { systemPorts, type CompilePorts } from "./ports.js";
import { materializeCredentials, type Credentials, type ProgressSink } from "./secrets/credentials.js";
import { EyamlEncryptor } from "./secrets/eyaml.js";
import type { SiteIndex } from "./validate/site-index.js";
import { renderPxelinux } from "./emit/pxe/render-pxelinux.js";
import { IPAM_STATE_PATH, renderIpamState } from "./emit/state/render-ipam-state.js";
import { loadSite } from "./load/load-site.js";
import type { CompileCache, EmitMemo } from "./compile-cache.js";
import { deepFreeze } from "./load/site-file-cache.js";
import type { SiteTree } from "./load/site-tree.js";
import { parseIpamState } from "./resolve/ipam.js";
import { resolveSite } from "./resolve/resolve-site.js";
import type { IpamState, SiteIR } from "./resolve/site-ir.js";
import { validateSite } from "./validate/validate-site.js";

export type { Diagnostic } from "./diagnostics/diagnostic.js";
export type { OutputFile } from "./emit/output-file.js";
export type { SiteTree } from "./load/site-tree.js";
export { CompileCache } from "./compile-cache.js";
export type { SiteIR } from "./resolve/site-ir.js";
export type { ProgressSink } from "./secrets/credentials.js";

/** What a compile may read of the render it replaces: its state files. */
export interface PreviousRender {
  /** Contents of a file of the previous render, or undefined when it has none. */
  readFile(path: string): Promise<string | undefined>;
  /** How to name the previous render in a diagnostic, e.g. `render/` or `oci/rendered@1a2b3c4`. */
  readonly label: string;
  /** readFile's answer at once, when every file is in memory (10,000 machines' keys are read without 30,000 awaits). */
  readonly readFileNow?: (path: string) => string | undefined;
}

export interface CompileInput {
  readonly tree: SiteTree;
  readonly previous?: PreviousRender;
  /** The keystore's intermediate CA; without it certificates to issue are listed as pending. */
  readonly ca?: CertificateAuthority;
  readonly ports?: CompilePorts;
  /** Secrets to generate anew (`oci secrets rotate`). */
  readonly rotate?: readonly string[];
  readonly progress?: ProgressSink;
  /** Results of earlier compiles (the daemon's, or the other revision of a plan): same output, less work. */
  readonly cache?: CompileCache;
}

export interface CompileResult {
  /** Sorted: by file, line, column. */
  readonly diagnostics: Diagnostic[];
  /** The render, sorted by path, manifest included; undefined when any error was found. */
  readonly files?: OutputFile[];
  readonly ir?: SiteIR;
  readonly credentials?: Credentials;
}

/** Validates a site only: load, schema, semantic rules. */
export async function validate(tree: SiteTree): Promise<Diagnostic[]> {
  return (await validateWithModel(tree)).diagnostics;
}

/** Validates a site and gives its schema-valid documents too (oci validate's profile matches, oci assign). */
export async function validateWithModel(tree: SiteTree): Promise<{ diagnostics: Diagnostic[]; model: SiteModel }> {
  const { files, diagnostics } = await loadSite(tree);
  const index = validateSite(files, diagnostics);
  return { diagnostics: diagnostics.sorted(), model: index.model };
}

/** Site tree in, render out: load → validate → resolve → emit. Pure but for reading the two trees. */
export async function compile(input: CompileInput): Promise<CompileResult> {
  const { files: loaded, paths, diagnostics } = await loadSite(input.tree, undefined, input.cache?.files);
  const index = validateSite(loaded, diagnostics);
  const previousIpam = await readPreviousIpam(input.previous, diagnostics, input.cache);
  if (diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };
  const eyaml = await readEyamlKey(input.tree, paths, index, diagnostics);
  const ir = resolveSite(index, previousIpam, diagnostics, input.cache?.resolved);
  if (!ir || diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };
  const credentials = await materializeCredentials({
    ir, ...(input.previous ? { previous: input.previous } : {}), ...(input.ca ? { ca: input.ca } : {}), ...(eyaml ? { eyaml } : {}),
    ports: input.ports ?? systemPorts, rotate: new Set(input.rotate ?? []), diagnostics, ...(input.progress ? { progress: input.progress } : {}),
    ...(input.cache ? { memo: input.cache.credentials } : {}),
    siteFile: async (path) => (paths.includes(path) ? input.tree.readFile(path) : undefined),
  });
  if (diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };
  const files = emitRender(ir, credentials, input.cache?.emitted);
  // The next compile's previous IPAM state is most often this one: kept with its text, it is not parsed again, and its allocations stay the same objects.
  const ipamText = files.find((f) => f.path === IPAM_STATE_PATH)?.content;
  if (input.cache && ipamText !== undefined) input.cache.previousIpam = { text: ipamText, state: ir.ipam };
  input.cache?.credentials.rememberRender(files, credentials);
  return { diagnostics: diagnostics.sorted(), files, ir, credentials };
}

/** Every emitter's files, sorted, with the manifest that hashes them. */
export function emitRender(ir: SiteIR, credentials: Credentials, memo?: EmitMemo): OutputFile[] {
  const files = sortFiles([
    ...renderHiera(ir, credentials, memo?.hiera), ...renderEnc(ir, memo?.enc), ...renderIpamState(ir, memo?.ipamLines), ...renderSecretsState(credentials), ...renderPki(credentials),
    ...renderDhcpdConf(ir), ...renderKeaDhcp4(ir), ...renderDnsmasqConf(ir), ...renderReservations(ir, memo?.reservations),
    ...renderIpxe(ir, memo?.ipxe), ...renderPxelinux(ir, memo?.pxelinux), ...renderGrub(ir, memo?.grub), ...renderSetupOrder(ir, memo?.setupOrder), ...renderStatusPage(ir),
  ]);
  return sortFiles([...files, renderManifest(files, memo?.digests)]);
}

/** The site's eyaml public key (a certificate in the site repository), when site.yaml names one. */
async function readEyamlKey(tree: SiteTree, paths: readonly string[], index: SiteIndex, diagnostics: DiagnosticBag): Promise<EyamlEncryptor | undefined> {
  const site = index.model.site;
  const path = site?.doc.secrets?.eyamlPublicKey;
  if (!site || path === undefined) return undefined;
  const at = site.source.valueAt(["secrets", "eyamlPublicKey"]);
  const text = paths.includes(path) ? await tree.readFile(path) : undefined;
  if (text === undefined) {
    diagnostics.error(Code.EyamlKeyMissing, at, `the eyaml public key ${path} is not in the site`, "commit the public key (public_key.pkcs7.pem from `eyaml createkeys`) at that path; its private key stays with puppetserver");
    return undefined;
  }
  try {
    return new EyamlEncryptor(text);
  } catch (error) {
    diagnostics.error(Code.EyamlKeyMissing, at, (error as Error).message, "it must be the PEM certificate `eyaml createkeys` writes as public_key.pkcs7.pem");
    return undefined;
  }
}

async function readPreviousIpam(previous: PreviousRender | undefined, diagnostics: DiagnosticBag, cache?: CompileCache): Promise<IpamState | undefined> {
  const text = await previous?.readFile(IPAM_STATE_PATH);
  if (text === undefined) return undefined;
  // The daemon's previous render is the one it just made: the same text (often the same string), parsed once.
  const state = cache?.previousIpam?.text === text ? cache.previousIpam.state : parseIpamState(text);
  if (cache && !("problem" in state) && state !== cache.previousIpam?.state) cache.previousIpam = { text, state: deepFreeze(state) };
  if ("problem" in state) {
    diagnostics.error(Code.BadPreviousState, { file: `${previous!.label}${IPAM_STATE_PATH}`, line: 1, col: 1 }, `previous render's IPAM state is damaged: ${state.problem}`, "restore it from Git; deleting it would renumber every `auto` address");
    return undefined;
  }
  return state;
}
