import { createHash } from "node:crypto";
import { jsonText, type OutputFile } from "../output-file.js";

export const MANIFEST_PATH = "manifest.json";

interface ManifestEntry {
  readonly content: string;
  readonly digest: string;
  /** Its line in manifest.json. */
  readonly line: string;
}

/** The digests of the last manifest made with it, by path: a file whose content is the same is not hashed again. */
export class DigestMemo {
  #last = new Map<string, ManifestEntry>();

  entry(file: OutputFile, next: Map<string, ManifestEntry>): ManifestEntry {
    const before = this.#last.get(file.path);
    const entry = before && before.content === file.content ? before : manifestEntry(file);
    next.set(file.path, entry);
    return entry;
  }

  replace(next: Map<string, ManifestEntry>): void {
    this.#last = next;
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
  const next = new Map<string, ManifestEntry>();
  const lines = files.map((file) => (memo ? memo.entry(file, next) : manifestEntry(file)).line);
  memo?.replace(next);
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
