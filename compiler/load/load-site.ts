import { LineCounter, parseDocument } from "yaml";
import { FILE_CONCURRENCY, mapWithLimit } from "../async/map-with-limit.js";
import { Code } from "../diagnostics/codes.js";
import { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { isYamlFile, LAYOUT_HELP, placeOf, type FilePlace } from "./site-layout.js";
import type { SiteTree } from "./site-tree.js";
import { SourceFile } from "./source-file.js";

/** A YAML file that parsed, at a place the site format knows. */
export interface LoadedFile {
  readonly source: SourceFile;
  readonly place: FilePlace;
}

export interface LoadResult {
  readonly files: LoadedFile[];
  /** Every path of the tree, as listed once for this load. */
  readonly paths: readonly string[];
  readonly diagnostics: DiagnosticBag;
}

/** Reads and parses every site file. Load only parses: it judges YAML syntax, never content. */
export async function loadSite(tree: SiteTree, diagnostics = new DiagnosticBag()): Promise<LoadResult> {
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
  const texts = await mapWithLimit(paths, FILE_CONCURRENCY, (path) =>
    tree.readFile(path).then(
      (text) => ({ path, text }),
      (error: unknown) => ({ path, error }),
    ),
  );
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
    const source = parseSourceFile(path, entry.text, diagnostics);
    if (source) files.push({ source, place });
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
  return document.errors.length === 0 ? new SourceFile(path, document, lines) : undefined;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
