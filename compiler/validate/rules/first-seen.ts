import type { SourcePosition } from "../../diagnostics/diagnostic.js";

/** Where something was written, found only when a diagnostic needs it (a lookup in the YAML tree costs; 10,000 machines have 40,000 claims). */
export type Place = () => SourcePosition;

/** Remembers where a value was first seen, to report later uses as duplicates of it. */
export class FirstSeen<T> {
  readonly #seen = new Map<string, { place: Place; owner: T }>();

  /** Returns the earlier sighting when `key` was already claimed; otherwise claims it. */
  claim(key: string, place: Place, owner: T): { at: SourcePosition; owner: T } | undefined {
    const earlier = this.#seen.get(key);
    if (earlier) return { at: earlier.place(), owner: earlier.owner };
    this.#seen.set(key, { place, owner });
    return undefined;
  }
}

export function where(at: SourcePosition): string {
  return `${at.file}:${at.line}:${at.col}`;
}
