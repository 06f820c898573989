import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fsyncDirectory, syncFilesystem } from "../fs/durable.js";

export class RefLockedError extends Error {
  readonly code = "OCI3101";
  constructor(readonly ref: string) {
    super(`${ref} is locked by another writer (${ref}.lock exists)`);
    this.name = "RefLockedError";
  }
}

export class RefMovedError extends Error {
  readonly code = "OCI3102";
  constructor(readonly ref: string, readonly expected: string | undefined, readonly actual: string | undefined) {
    super(`${ref} moved: expected ${expected ?? "no ref"}, found ${actual ?? "no ref"}`);
    this.name = "RefMovedError";
  }
}

/** The value of a ref: its loose file, else its line in packed-refs; undefined when it does not exist. */
export async function readRef(gitdir: string, ref: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(gitdir, ref), "utf8")).trim();
    if (/^[0-9a-f]{40}$/.test(text)) return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const packed = await readFile(join(gitdir, "packed-refs"), "utf8").catch(() => "");
  for (const line of packed.split("\n")) {
    const [oid, name] = line.split(" ");
    if (name === ref && oid && /^[0-9a-f]{40}$/.test(oid)) return oid;
  }
  return undefined;
}

/**
 * Moves `ref` from `expected` to `next` only if nobody moved it meanwhile, with git's own lock
 * protocol (create `<ref>.lock` exclusively, write, rename over the ref), so oci, the git CLI
 * and other oci processes exclude each other. isomorphic-git's writeRef writes in place, unlocked.
 * When it returns, the objects, the ref and the rename are on disk (durable, not only atomic).
 */
export async function compareAndSwapRef(gitdir: string, ref: string, expected: string | undefined, next: string): Promise<void> {
  const path = join(gitdir, ref);
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  // The objects the new value points at reach the disk before the ref does: a power loss never
  // leaves a ref to a commit whose objects were still in the page cache.
  await syncFilesystem(gitdir);
  let handle;
  try {
    handle = await open(lock, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new RefLockedError(ref);
    throw error;
  }
  try {
    const actual = await readRef(gitdir, ref);
    if (actual !== expected) throw new RefMovedError(ref, expected, actual);
    await handle.writeFile(`${next}\n`);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(lock, path);
    await fsyncDirectory(dirname(path));
  } catch (error) {
    await handle?.close();
    await unlink(lock).catch(() => undefined);
    throw error;
  }
}

/** How long a ref lock may stand still before it is taken for a dead writer's. */
export const STALE_LOCK_MS = 2_000;

/**
 * Removes `<ref>.lock` when it has not moved for `graceMs`: a writer killed between taking the lock
 * and renaming it (kill -9, power loss) leaves it behind, and git itself never removes it, so every
 * later update would fail. Git holds its ref locks for milliseconds; a lock older than the grace
 * period has no live owner. Returns true when a stale lock was removed.
 */
export async function removeStaleLock(gitdir: string, ref: string, graceMs: number, now: () => number = Date.now): Promise<boolean> {
  const lock = join(gitdir, `${ref}.lock`);
  const info = await stat(lock).catch(() => undefined);
  if (!info || now() - info.mtimeMs < graceMs) return false;
  await unlink(lock).catch(() => undefined);
  return true;
}
