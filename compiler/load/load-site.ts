import { LineCounter, parseDocument } from "yaml";
import { FILE_CONCURRENCY, mapWithLimit } from "../async/map-with-limit.js";
import { Code } from "../diagnostics/codes.js";
import { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { isYamlFile, LAYOUT_HELP, placeOf, type FilePlace } from "./site-layout.js";
import type { SiteTree } from "./site-tree.js";
import { blobIdOf, type FileVerdict, type SiteFileCache } from "./site-file-cache.js";
import { SourceFile } from "./source-file.js";

/** A YAML file that parsed, at a place the site format knows. */
export interface LoadedFile {
  readonly source: SourceFile;
  readonly place: FilePlace;
  /** Its cached verdict, when the load had a cache: validation keeps its schema verdict there. */
  readonly verdict?: FileVerdict;
}

export interface LoadResult {
  readonly files: LoadedFile[];
  /** Every path of the tree, as listed once for this load. */
  readonly paths: readonly string[];
  readonly diagnostics: DiagnosticBag;
}

/**
 * Reads and parses every site file. Load only parses: it judges YAML syntax, never content. With a
 * cache, a file whose path and bytes it has seen is not read or parsed again.
 */
export async function loadSite(tree: SiteTree, diagnostics = new DiagnosticBag(), cache?: SiteFileCache): Promise<LoadResult> {
  const allPaths = await tree.listFiles();
  const paths = allPaths.filter(isYamlFile);
  // A link is never followed (it could pull a file from outside the site); one where a site file
  // belongs is refused, not dropped, so the render never silently lacks a machine.
  for (const entry of await tree.listUnfollowed()) {
    if (!isYamlFile(entry.path) || placeOf(entry.path) === undefined) continue;
    diagnostics.error(Code.UnfollowedFile, { file: entry.path, line: 1, col: 1 }, `a ${entry.kind} where a site file belongs: oci reads regular files only`,
      "replace it with the file itself (links are not followed: they could reach outside the site)");
  }
  const files: LoadedFile[] = [];
  cache?.beginCompile();
  const texts = await mapWithLimit(paths, FILE_CONCURRENCY, async (path): Promise<{ path: string; text?: string; verdict?: FileVerdict; contentId?: string } | { path: string; error: unknown }> => {
    // A tree that knows its blob ids (a Git commit) is not read for a file the cache has.
    const known = tree.contentId?.(path);
    const cached = known === undefined ? undefined : cache?.get(path, known);
    if (cached) return { path, verdict: cached };
    return tree.readFile(path).then(
      (text) => ({ path, text, contentId: known }),
      (error: unknown) => ({ path, error }),
    );
  });
  for (const entry of texts) {
    const { path } = entry;
    if ("error" in entry) {
      diagnostics.error(Code.UnreadableFile, { file: path, line: 1, col: 1 }, `cannot read file: ${String(entry.error)}`);
      continue;
    }
    const place = placeOf(path);
    if (place === undefined) {
      diagnostics.warning(Code.FileIgnored, { file: path, line: 1, col: 1 }, "YAML file outside the site layout; it is ignored", `site files live in ${LAYOUT_HELP}`);
      continue;
    }
    if (!cache) {
      const source = parseSourceFile(path, entry.text!, diagnostics);
      if (source) files.push({ source, place });
      continue;
    }
    let verdict = entry.verdict;
    if (!verdict) {
      // A tree that gave the id was looked up already; another is looked up by the bytes it read.
      const contentId = entry.contentId ?? blobIdOf(entry.text!);
      verdict = entry.contentId === undefined ? cache.get(path, contentId) : undefined;
      if (!verdict) {
        const own = new DiagnosticBag();
        const source = parseSourceFile(path, entry.text!, own);
        verdict = { ...(source ? { source } : {}), parseDiagnostics: own.sorted() };
        cache.set(path, contentId, verdict);
      }
    }
    for (const d of verdict.parseDiagnostics) diagnostics.add(d);
    if (verdict.source) files.push({ source: verdict.source, place, verdict });
  }
  if (!paths.some((p) => p === "site.yaml" || p === "site.yml")) {
    diagnostics.error(Code.MissingSiteFile, { file: "site.yaml", line: 1, col: 1 }, "the site has no site.yaml", "create site.yaml with `kind: Site` at the root of the site repository");
  }
  return { files, paths: allPaths, diagnostics };
}

/** Parses one file; reports syntax errors, empty files and extra documents, and returns the file only when it is usable. */
export function parseSourceFile(path: string, text: string, diagnostics: DiagnosticBag): SourceFile | undefined {
  const lines = new LineCounter();
  // parseDocument, not parseAllDocuments: it is ~30 % faster and reports a second document as MULTIPLE_DOCS.
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.contents === null && document.errors.length === 0) {
    diagnostics.error(Code.EmptyFile, { file: path, line: 1, col: 1 }, "the file is empty", "write one object with `apiVersion: oci/v1` and `kind:`, or delete the file");
    return undefined;
  }
  for (const error of document.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    const at = { file: path, line, col };
    if (error.code === "DUPLICATE_KEY") {
      const key = (/^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0] ?? "").trim();
      diagnostics.error(Code.DuplicateKey, at, `duplicate key ${JSON.stringify(key)}`, "a key appears once per mapping; delete one of them");
    } else if (error.code === "MULTIPLE_DOCS") {
      diagnostics.error(Code.MultipleDocuments, at, "the file holds more than one YAML document; a site file holds exactly one", "split it into one file per object");
    } else {
      diagnostics.error(Code.YamlSyntax, at, firstLine(error.message));
    }
  }
  return document.errors.length === 0 ? new SourceFile(path, document, lines, text) : undefined;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
