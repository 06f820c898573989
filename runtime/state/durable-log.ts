import { mkdirSync, readFileSync } from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * A snapshot plus an append-only journal of the records after it. `append` resolves only once its
 * records are fsynced, and appends that arrive while a sync runs share the next one (group commit),
 * so a burst of reports costs a few fsyncs, not one each. A line cut short by a crash is ignored on
 * replay: it was never acknowledged.
 */
export class DurableLog<Snapshot, Entry> {
  #handle: FileHandle | undefined;
  #pending: { line: string; done: () => void; fail: (error: Error) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #sinceSnapshot = 0;
  /** fsyncs of the journal so far: what group commit saves. */
  syncs = 0;

  private constructor(
    private readonly base: string,
    private state: Snapshot,
    private readonly apply: (state: Snapshot, entry: Entry) => Snapshot,
    private readonly compactEvery: number,
  ) {}

  /** Reads `<base>.snapshot.json`, then replays `<base>.journal` over it; the daemon, the only writer, opens it this way. */
  static async open<S, E>(base: string, empty: S, apply: (state: S, entry: E) => S, compactEvery = 5_000): Promise<DurableLog<S, E>> {
    mkdirSync(dirname(base), { recursive: true });
    const log = new DurableLog<S, E>(base, DurableLog.read(base, empty, apply), apply, compactEvery);
    // Fold what was replayed into a fresh snapshot: also drops a torn last line for good.
    await log.#compact();
    return log;
  }

  /** The current state without writing anything: for readers beside the daemon (`oci enc`, `oci status`). */
  static read<S, E>(base: string, empty: S, apply: (state: S, entry: E) => S): S {
    const snapshot = readIfPresent(`${base}.snapshot.json`);
    let state = snapshot === undefined ? empty : (JSON.parse(snapshot) as S);
    for (const line of (readIfPresent(`${base}.journal`) ?? "").split("\n")) {
      if (!line) continue;
      let entry: E;
      try {
        entry = JSON.parse(line) as E;
      } catch {
        continue; // the torn tail of a crash
      }
      state = apply(state, entry);
    }
    return state;
  }

  get current(): Snapshot {
    return this.state;
  }

  /** Applies the entry in memory now; resolves when it is on disk. */
  append(entry: Entry): Promise<void> {
    this.state = this.apply(this.state, entry);
    return new Promise((done, fail) => {
      this.#pending.push({ line: `${JSON.stringify(entry)}\n`, done, fail });
      void this.#flush();
    });
  }

  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#pending.length === 0) return Promise.resolve();
    this.#flushing = (async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0);
        try {
          this.#handle ??= await open(`${this.base}.journal`, "a");
          await this.#handle.write(batch.map((b) => b.line).join(""));
          await this.#handle.sync();
          this.syncs++;
          this.#sinceSnapshot += batch.length;
          if (this.#sinceSnapshot >= this.compactEvery) await this.#compact();
          for (const b of batch) b.done();
        } catch (error) {
          for (const b of batch) b.fail(error as Error);
        }
      }
      // Cleared in the same tick the loop saw an empty queue: an append after this starts a new flush.
      this.#flushing = undefined;
    })();
    return this.#flushing;
  }

  /**
   * Snapshot first (temporary file, fsync, rename), journal emptied after: a crash between the two
   * replays entries the snapshot already holds, so `apply` must be idempotent (set, not add).
   */
  async #compact(): Promise<void> {
    const temporary = `${this.base}.snapshot.json.tmp`;
    const file = await open(temporary, "w");
    await file.write(JSON.stringify(this.state));
    await file.sync();
    await file.close();
    await rename(temporary, `${this.base}.snapshot.json`);
    await this.#handle?.close();
    this.#handle = await open(`${this.base}.journal`, "w");
    await this.#handle.sync();
    this.#sinceSnapshot = 0;
  }
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
