import { createHash } from "node:crypto";
import { jsonText, type OutputFile } from "../output-file.js";

export const MANIFEST_PATH = "manifest.json";

/** manifest.json: the sha256 of every other file of the render, so a reader can check a render is whole. */
export function renderManifest(files: readonly OutputFile[]): OutputFile {
  const hashes: Record<string, string> = {};
  for (const file of files) hashes[file.path] = createHash("sha256").update(file.content, "utf8").digest("hex");
  return { path: MANIFEST_PATH, content: jsonText({ format: 1, files: hashes }) };
}
