import { createHash } from "node:crypto";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "./source-file.js";

/** What one file's own checks found: its parse, then its schema check. Both depend on its path and bytes only. */
export interface FileVerdict {
  /** The parsed file, when it parsed. */
  readonly source?: SourceFile;
  readonly parseDiagnostics: readonly Diagnostic[];
  /** Filled by validation, the first time the file is schema-checked. */
  schema?: SchemaVerdict;
}

export interface SchemaVerdict {
  /** The plain value when it conforms: deep-frozen, shared by every compile that reads these bytes. */
  readonly value: unknown;
  readonly diagnostics: readonly Diagnostic[];
  /** A value the schema rejected, with the paths it rejected (a machine's identity is still read from it). */
  readonly rejected?: { readonly value: unknown; readonly badPaths: readonly string[] };
}

/**
 * Per-file results kept between compiles, keyed by path and content (Git's blob id of the bytes):
 * a file whose bytes did not change is neither read again, nor parsed, nor schema-checked. Every
 * check across files (references, IPAM, emit) still runs on the whole site: only what a file
 * decides alone is kept. Entries no compile used in the last two are dropped, so it holds about two
 * sites' worth. One cache serves one process (the daemon's apply loop, `oci plan`'s two revisions).
 */
export class SiteFileCache {
  readonly #entries = new Map<string, { verdict: FileVerdict; used: number }>();
  #generation = 0;
  #hits = 0;
  #misses = 0;

  /**
   * Marks the start of a compile: entries it uses are kept for the next. The files kept forget their
   * parsed documents (positions are found again from their text, for a diagnostic): at 10,000
   * machines the documents held about 75 MB, the texts about 7.
   */
  beginCompile(): void {
    this.#generation++;
    for (const [key, entry] of this.#entries) {
      if (entry.used < this.#generation - 2) this.#entries.delete(key);
      else entry.verdict.source?.forget();
    }
  }

  get(path: string, contentId: string): FileVerdict | undefined {
    const entry = this.#entries.get(`${path}\0${contentId}`);
    if (!entry) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    entry.used = this.#generation;
    return entry.verdict;
  }

  set(path: string, contentId: string, verdict: FileVerdict): void {
    this.#entries.set(`${path}\0${contentId}`, { verdict, used: this.#generation });
  }

  get stats(): { entries: number; hits: number; misses: number } {
    return { entries: this.#entries.size, hits: this.#hits, misses: this.#misses };
  }
}

/** Git's blob id of bytes (SHA-1 of `blob <length>\0<bytes>`): the id a Git tree already gives its files. */
export function blobId(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Git's blob id of a text, as UTF-8. */
export function blobIdOf(text: string): string {
  return blobId(Buffer.from(text, "utf8"));
}

/** Freezes a plain value and everything in it: a shared value that something tries to change throws instead. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
