/**
 * A single `Range: bytes=` request (RFC 9110 §14.1.2) against a file of `size` bytes: the inclusive
 * [start, end], undefined to send the whole file (no header, or one we do not honour, such as
 * several ranges), or "unsatisfiable" (416).
 */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined | "unsatisfiable" {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) return "unsatisfiable";
  return [start, end];
}
