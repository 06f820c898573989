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

/**
 * Changed files between two renders (each sorted by path, as a compile gives them), each with a
 * unified diff made when it is first read: a text plan leaves the derived files' diffs unread, and
 * the manifest's (60,000 lines at 10,000 machines) took about 200 ms. Encrypted values are shown only as
 * changed or not.
 */
export function diffFiles(before: readonly OutputFile[], after: readonly OutputFile[]): FileDiff[] {
  const out: FileDiff[] = [];
  let [i, j] = [0, 0];
  while (i < before.length || j < after.length) {
    const [a, b] = [before[i], after[j]];
    if (a && b && a.path === b.path) {
      i++;
      j++;
      if (a.content !== b.content) out.push(fileDiff(a.path, a.content, b.content));
    } else if (a && (!b || a.path < b.path)) {
      i++;
      out.push(fileDiff(a.path, a.content, undefined));
    } else {
      j++;
      out.push(fileDiff(b!.path, undefined, b!.content));
    }
  }
  return out;
}

function fileDiff(path: string, a: string | undefined, b: string | undefined): FileDiff {
  const status = a === undefined ? "added" : b === undefined ? "removed" : "changed";
  const redacted = HAS_ENCRYPTED.test(a ?? "") || HAS_ENCRYPTED.test(b ?? "");
  const diff = { path, status, redacted } as FileDiff;
  let patch: { readonly text: string | undefined } | undefined;
  Object.defineProperty(diff, "patch", {
    enumerable: true,
    get: () => (patch ??= { text: unifiedDiff(path, a, b) }).text,
  });
  return diff;
}

function unifiedDiff(path: string, a: string | undefined, b: string | undefined): string | undefined {
  // Equal ciphertexts stay equal after redaction; different ones differ through their digest only.
  const shown = (text: string | undefined) => (text ?? "").replace(ENCRYPTED, (value) => `ENC[redacted ${shortDigest(value)}]`);
  // The diff package's timeout makes it give up (undefined) instead of spending seconds on unrelated texts.
  const patch = createTwoFilesPatch(a === undefined ? "/dev/null" : `a/${path}`, b === undefined ? "/dev/null" : `b/${path}`, shown(a), shown(b), undefined, undefined, { context: 3, timeout: 2000 });
  return patch === undefined ? undefined : stripHeader(patch);
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
