import { createHash } from "node:crypto";
import { jsonText, type OutputFile } from "../output-file.js";

export const MANIFEST_PATH = "manifest.json";

/** The digests of the last manifest made with it, by path: a file whose content is the same is not hashed again. */
export class DigestMemo {
  #last = new Map<string, { readonly content: string; readonly digest: string }>();

  digest(file: OutputFile, next: Map<string, { readonly content: string; readonly digest: string }>): string {
    const before = this.#last.get(file.path);
    const digest = before && before.content === file.content ? before.digest : sha256(file.content);
    next.set(file.path, { content: file.content, digest });
    return digest;
  }

  replace(next: Map<string, { readonly content: string; readonly digest: string }>): void {
    this.#last = next;
  }
}

/** manifest.json: the sha256 of every other file of the render, so a reader can check a render is whole. */
export function renderManifest(files: readonly OutputFile[], memo?: DigestMemo): OutputFile {
  const hashes: Record<string, string> = {};
  const next = new Map<string, { readonly content: string; readonly digest: string }>();
  for (const file of files) hashes[file.path] = memo ? memo.digest(file, next) : sha256(file.content);
  memo?.replace(next);
  return { path: MANIFEST_PATH, content: jsonText({ format: 1, files: hashes }) };
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
