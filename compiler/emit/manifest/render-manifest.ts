import { createHash } from "node:crypto";
import { jsonText, type OutputFile } from "../output-file.js";

export const MANIFEST_PATH = "manifest.json";

interface ManifestEntry {
  readonly content: string;
  readonly digest: string;
  /** Its line in manifest.json. */
  readonly line: string;
}

/**
 * The entries of the last manifest made with it, in path order: a file whose content is the same at
 * the same path is not hashed again. Both lists are sorted, so they are walked side by side (a map
 * of 60,000 paths rebuilt per compile cost more than the walk).
 */
export class DigestMemo {
  #paths: readonly string[] = [];
  #entries: readonly ManifestEntry[] = [];

  /** The entries of `files`, sorted by path. */
  entries(files: readonly OutputFile[]): ManifestEntry[] {
    const [paths, entries] = [this.#paths, this.#entries];
    const next: ManifestEntry[] = new Array(files.length);
    let j = 0;
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      while (j < paths.length && paths[j]! < file.path) j++;
      const before = j < paths.length && paths[j] === file.path ? entries[j]! : undefined;
      next[i] = before && before.content === file.content ? before : manifestEntry(file);
    }
    this.#paths = files.map((f) => f.path);
    this.#entries = next;
    return next;
  }
}

/**
 * manifest.json: the sha256 of every other file of the render, so a reader can check a render is
 * whole. `files` are sorted by path: the text is jsonText's, written line by line (at 10,000
 * machines it lists 60,000 files, and each compile changes a few of its lines).
 */
export function renderManifest(files: readonly OutputFile[], memo?: DigestMemo): OutputFile {
  // jsonText puts array-index keys ("7") first, whatever their order: a render has none but for a test's.
  if (files.some((f) => isArrayIndex(f.path))) {
    return { path: MANIFEST_PATH, content: jsonText({ format: 1, files: Object.fromEntries(files.map((f) => [f.path, sha256(f.content)])) }) };
  }
  const lines = (memo ? memo.entries(files) : files.map(manifestEntry)).map((e) => e.line);
  return { path: MANIFEST_PATH, content: `{\n  "files": ${lines.length === 0 ? "{}" : `{\n${lines.join(",\n")}\n  }`},\n  "format": 1\n}\n` };
}

function manifestEntry(file: OutputFile): ManifestEntry {
  const digest = sha256(file.content);
  return { content: file.content, digest, line: `    ${JSON.stringify(file.path)}: "${digest}"` };
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(key);
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
