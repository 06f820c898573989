import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import git from "isomorphic-git";
import type { GitRepository } from "./git-repository.js";
import { PackedObjects } from "./packed-object.js";
import { blobId } from "./site-file-cache.js";

export class DamagedObjectError extends Error {
  readonly code = "OCI2103";
  constructor(readonly oid: string, detail: string) {
    super(`Git object ${oid} is damaged: ${detail} (run git fsck in the repository)`);
    this.name = "DamagedObjectError";
  }
}

// One pack reader per repository object (its indexes read once).
const packs = new WeakMap<GitRepository, PackedObjects>();

/**
 * A blob's bytes, read here with node's zlib and checked against its id: from a pack, or its loose
 * object. isomorphic-git inflates in JavaScript (pako) and loads whole packs, which made a
 * 10,000-machine render's reads cost several times more; it still reads what this reader leaves
 * (an index of version 1, a delta on a base in another pack).
 */
export async function readBlob(repo: GitRepository, oid: string): Promise<Buffer> {
  const packed = packs.get(repo) ?? packs.set(repo, new PackedObjects(repo.gitdir)).get(repo)!;
  const found = fromPack(packed, oid, false);
  if (found) return found;
  let deflated: Buffer | undefined;
  try {
    // Read at once: a loose object is a few KB, and an asynchronous read (open, stat, read, close, each
    // a trip through the thread pool) cost ten times more (2.2 s of a 10,000-machine plan's 30,000).
    // Compiles run off the serving thread (the daemon's render worker) or in a one-shot command.
    deflated = readFileSync(join(repo.gitdir, "objects", oid.slice(0, 2), oid.slice(2)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (deflated) return looseBlob(oid, deflated);
  // Packed since the packs were listed (a gc beside us), or in a form left to isomorphic-git.
  const repacked = fromPack(packed, oid, true);
  if (repacked) return repacked;
  const { blob } = await git.readBlob({ ...repo, oid });
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** The content of a loose object file that must hold blob `oid`. */
export function looseBlob(oid: string, deflated: Buffer): Buffer {
  let object: Buffer;
  try {
    object = inflateSync(deflated);
  } catch (error) {
    throw new DamagedObjectError(oid, (error as Error).message);
  }
  if (createHash("sha1").update(object).digest("hex") !== oid) throw new DamagedObjectError(oid, "its content does not hash to its id");
  const nul = object.indexOf(0);
  const header = object.subarray(0, nul === -1 ? 0 : nul).toString("latin1");
  const match = /^(blob|tree|commit|tag) (\d+)$/.exec(header);
  if (!match) throw new DamagedObjectError(oid, "no object header");
  if (match[1] !== "blob") throw new DamagedObjectError(oid, `it is a ${match[1]}, not a blob`);
  if (Number(match[2]) !== object.length - nul - 1) throw new DamagedObjectError(oid, "its size is not the one its header says");
  return object.subarray(nul + 1);
}

/**
 * Blob `oid` from a pack, when this reader reads it and it hashes to its id. Anything else (not
 * there, a damaged pack, a form this reader does not know) is undefined: isomorphic-git then reads
 * it, or reports what is wrong with it.
 */
function fromPack(packed: PackedObjects, oid: string, relist: boolean): Buffer | undefined {
  try {
    const found = packed.read(oid, relist);
    if (found?.type !== "blob") return undefined;
    return blobId(found.content) === oid ? found.content : undefined;
  } catch {
    return undefined;
  }
}
