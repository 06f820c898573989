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
import { renderPxelinux } from "./emit/pxe/render-pxelinux.js";
import { IPAM_STATE_PATH, renderIpamState } from "./emit/state/render-ipam-state.js";
import { loadSite } from "./load/load-site.js";
import type { SiteTree } from "./load/site-tree.js";
import { parseIpamState } from "./resolve/ipam.js";
import { resolveSite } from "./resolve/resolve-site.js";
import type { IpamState, SiteIR } from "./resolve/site-ir.js";
import { validateSite } from "./validate/validate-site.js";

export type { Diagnostic } from "./diagnostics/diagnostic.js";
export type { OutputFile } from "./emit/output-file.js";
export type { SiteTree } from "./load/site-tree.js";
export type { SiteIR } from "./resolve/site-ir.js";

/** What a compile may read of the render it replaces: its state files. */
export interface PreviousRender {
  /** Contents of a file of the previous render, or undefined when it has none. */
  readFile(path: string): Promise<string | undefined>;
  /** How to name the previous render in a diagnostic, e.g. `render/` or `oci/rendered@1a2b3c4`. */
  readonly label: string;
}

export interface CompileInput {
  readonly tree: SiteTree;
  readonly previous?: PreviousRender;
}

export interface CompileResult {
  /** Sorted: by file, line, column. */
  readonly diagnostics: Diagnostic[];
  /** The render, sorted by path, manifest included; undefined when any error was found. */
  readonly files?: OutputFile[];
  readonly ir?: SiteIR;
}

/** Validates a site only: load, schema, semantic rules. */
export async function validate(tree: SiteTree): Promise<Diagnostic[]> {
  const { files, diagnostics } = await loadSite(tree);
  validateSite(files, diagnostics);
  return diagnostics.sorted();
}

/** Site tree in, render out: load → validate → resolve → emit. Pure but for reading the two trees. */
export async function compile(input: CompileInput): Promise<CompileResult> {
  const { files: loaded, diagnostics } = await loadSite(input.tree);
  const index = validateSite(loaded, diagnostics);
  const previousIpam = await readPreviousIpam(input.previous, diagnostics);
  if (diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };
  const ir = resolveSite(index, previousIpam, diagnostics);
  if (!ir || diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };
  return { diagnostics: diagnostics.sorted(), files: emitRender(ir), ir };
}

/** Every emitter's files, sorted, with the manifest that hashes them. */
export function emitRender(ir: SiteIR): OutputFile[] {
  const files = sortFiles([
    ...renderHiera(ir), ...renderEnc(ir), ...renderIpamState(ir),
    ...renderDhcpdConf(ir), ...renderKeaDhcp4(ir), ...renderDnsmasqConf(ir), ...renderReservations(ir),
    ...renderIpxe(ir), ...renderPxelinux(ir), ...renderGrub(ir),
  ]);
  return sortFiles([...files, renderManifest(files)]);
}

async function readPreviousIpam(previous: PreviousRender | undefined, diagnostics: DiagnosticBag): Promise<IpamState | undefined> {
  const text = await previous?.readFile(IPAM_STATE_PATH);
  if (text === undefined) return undefined;
  const state = parseIpamState(text);
  if ("problem" in state) {
    diagnostics.error(Code.BadPreviousState, { file: `${previous!.label}${IPAM_STATE_PATH}`, line: 1, col: 1 }, `previous render's IPAM state is damaged: ${state.problem}`, "restore it from Git; deleting it would renumber every `auto` address");
    return undefined;
  }
  return state;
}
