import { createTwoFilesPatch } from "diff";
import type { OutputFile } from "../emit/output-file.js";

export interface FileDiff {
  readonly path: string;
  readonly status: "added" | "removed" | "changed";
  /** Unified diff (git-apply compatible); undefined when the diff gave up (too large or too different). */
  readonly patch?: string;
  /** The file holds encrypted values: the diff shows where they changed, never what they are. */
  readonly redacted: boolean;
}

const ENCRYPTED = /ENC\[PKCS7,[^\]]*\]/g;
const HAS_ENCRYPTED = /ENC\[PKCS7,/;

/** Changed files between two renders, each with a unified diff. Encrypted values are shown only as changed or not. */
export function diffFiles(before: readonly OutputFile[], after: readonly OutputFile[]): FileDiff[] {
  const old = new Map(before.map((f) => [f.path, f.content]));
  const now = new Map(after.map((f) => [f.path, f.content]));
  const out: FileDiff[] = [];
  for (const path of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const [a, b] = [old.get(path), now.get(path)];
    if (a === b) continue;
    const status = a === undefined ? "added" : b === undefined ? "removed" : "changed";
    const redacted = HAS_ENCRYPTED.test(a ?? "") || HAS_ENCRYPTED.test(b ?? "");
    // Equal ciphertexts stay equal after redaction; different ones differ through their digest only.
    const shown = (text: string | undefined) => (text ?? "").replace(ENCRYPTED, (value) => `ENC[redacted ${shortDigest(value)}]`);
    // The diff package's timeout makes it give up (undefined) instead of spending seconds on unrelated texts.
    const patch = createTwoFilesPatch(a === undefined ? "/dev/null" : `a/${path}`, b === undefined ? "/dev/null" : `b/${path}`, shown(a), shown(b), undefined, undefined, { context: 3, timeout: 2000 });
    out.push({ path, status, redacted, ...(patch === undefined ? {} : { patch: stripHeader(patch) }) });
  }
  return out;
}

// createTwoFilesPatch starts with an "Index:"-style separator line; git diffs start at "---".
function stripHeader(patch: string): string {
  return patch.slice(patch.indexOf("---"));
}

function shortDigest(value: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
