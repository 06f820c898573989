import type { SourcePosition } from "../../diagnostics/diagnostic.js";

/** Remembers where a value was first seen, to report later uses as duplicates of it. */
export class FirstSeen<T> {
  readonly #seen = new Map<string, { at: SourcePosition; owner: T }>();

  /** Returns the earlier sighting when `key` was already claimed; otherwise claims it. */
  claim(key: string, at: SourcePosition, owner: T): { at: SourcePosition; owner: T } | undefined {
    const earlier = this.#seen.get(key);
    if (earlier) return earlier;
    this.#seen.set(key, { at, owner });
    return undefined;
  }
}

export function where(at: SourcePosition): string {
  return `${at.file}:${at.line}:${at.col}`;
}
