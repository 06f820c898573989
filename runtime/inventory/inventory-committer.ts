import git from "isomorphic-git";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import { yamlText } from "../../compiler/emit/output-file.js";
import { defuseStrings } from "../../compiler/validate/unsafe-text.js";
import { compareAndSwapRef, readRef, RefLockedError, RefMovedError, removeStaleLock, STALE_LOCK_MS } from "../git/compare-and-swap-ref.js";
import { editTree } from "../git/edit-tree.js";
import { writeCommitObject } from "../git/git-objects.js";
import { writeLooseObject } from "../git/loose-object.js";
import { blobId } from "../../compiler/load/site-file-cache.js";
import { ConcurrentUpdateError } from "../render/render-branch.js";

export const DISCOVERED_FOLDER = "inventory/discovered";
/** Where discoveries are committed: a branch of their own, never the branch people push to. */
export const DEFAULT_INVENTORY_BRANCH = "oci/inventory";

export type InventoryOutcome = "committed" | "unchanged";

interface Waiting {
  readonly text: string;
  readonly settle: { resolve: (outcome: InventoryOutcome) => void; reject: (error: Error) => void }[];
}

/** The file a discovery report becomes: fixed key order, so the same report gives the same bytes. */
export function discoveredHardwareText(report: Record<string, unknown>): string {
  const { apiVersion: _a, kind: _k, serial, ...rest } = report;
  const ordered: Record<string, unknown> = { apiVersion: "oci/v1", kind: "DiscoveredHardware", serial };
  for (const key of Object.keys(rest).sort()) ordered[key] = defuseStrings(rest[key]);
  return yamlText(ordered);
}

/**
 * Commits discovery reports as `inventory/discovered/<serial>.yaml` on the inventory branch (a
 * history of its own, made by the first report, holding nothing else): discoveries never race the
 * people pushing the site, and a forge's source branch stays theirs. Reports
 * that arrive while a commit is being made wait and go into the next one together; each caller is
 * answered once its report is in a commit the branch points at (or was already there unchanged).
 * The ref moves by compare-and-swap, so people pushing to the branch meanwhile lose nothing: on a
 * race the edit is redone on their tip. Only `inventory/` is ever touched.
 */
export class InventoryCommitter {
  readonly #pending = new Map<string, Waiting>();
  #running: Promise<void> | undefined;

  constructor(
    private readonly repo: GitRepository,
    private readonly branch: string,
    private readonly now: () => number = Date.now,
    private readonly maxAttempts = 50,
  ) {}

  submit(report: Record<string, unknown>): Promise<InventoryOutcome> {
    const serial = String(report.serial);
    const text = discoveredHardwareText(report);
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(serial);
      // A newer report of the same machine replaces the older one not yet committed; both callers learn the outcome.
      this.#pending.set(serial, { text, settle: [...(waiting?.settle ?? []), { resolve, reject }] });
      this.#running ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = new Map(this.#pending);
      this.#pending.clear();
      try {
        const outcome = await this.#commit(batch);
        for (const [serial, waiting] of batch) for (const s of waiting.settle) s.resolve(outcome.get(serial)!);
      } catch (error) {
        for (const waiting of batch.values()) for (const s of waiting.settle) s.reject(error as Error);
      }
    }
    this.#running = undefined;
  }

  async #commit(batch: ReadonlyMap<string, Waiting>): Promise<Map<string, InventoryOutcome>> {
    const ref = `refs/heads/${this.branch}`;
    const blobs = new Map<string, { path: string; oid: string; content: Buffer }>();
    for (const [serial, { text }] of batch) {
      const content = Buffer.from(text, "utf8");
      blobs.set(serial, { path: `${DISCOVERED_FOLDER}/${serial}.yaml`, oid: blobId(content), content });
    }
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const tip = await readRef(this.repo.gitdir, ref);
      // The first discovery starts the branch from an empty tree.
      const base = tip ? (await git.readCommit({ ...this.repo, oid: tip })).commit.tree : writeLooseObject(this.repo.gitdir, "tree", Buffer.alloc(0));
      const outcome = new Map<string, InventoryOutcome>();
      const changes = new Map<string, string>();
      for (const [serial, blob] of blobs) {
        const present = tip ? await blobAt(this.repo, tip, blob.path) : undefined;
        if (present === blob.oid) outcome.set(serial, "unchanged");
        else {
          writeLooseObject(this.repo.gitdir, "blob", blob.content);
          changes.set(blob.path, blob.oid);
          outcome.set(serial, "committed");
        }
      }
      if (changes.size === 0) return outcome;
      const tree = await editTree(this.repo, base, changes);
      const serials = [...outcome].filter(([, o]) => o === "committed").map(([s]) => s).sort();
      const identity = { name: "oci serve", email: "oci@localhost", timestamp: Math.floor(this.now() / 1000), timezoneOffset: 0 };
      const subject = serials.length === 1 ? `Inventory: discovered ${serials[0]}` : `Inventory: discovered ${serials.length} machines`;
      const commit = writeCommitObject(this.repo.gitdir, {
        tree, parents: tip ? [tip] : [], author: identity, committer: identity,
        message: `${subject}\n\n${serials.map((s) => `- ${s}`).join("\n")}\n`,
      });
      try {
        await compareAndSwapRef(this.repo.gitdir, ref, tip, commit);
        return outcome;
      } catch (error) {
        if (!(error instanceof RefMovedError || error instanceof RefLockedError)) throw error;
        if (error instanceof RefLockedError) await removeStaleLock(this.repo.gitdir, ref, STALE_LOCK_MS);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(attempt, 10)));
      }
    }
    throw new ConcurrentUpdateError(ref, this.maxAttempts);
  }
}

async function blobAt(repo: GitRepository, commit: string, path: string): Promise<string | undefined> {
  try {
    const { oid } = await git.readBlob({ ...repo, oid: commit, filepath: path });
    return oid;
  } catch {
    return undefined;
  }
}
