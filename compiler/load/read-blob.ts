import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import git from "isomorphic-git";
import type { GitRepository } from "./git-repository.js";

export class DamagedObjectError extends Error {
  readonly code = "OCI2103";
  constructor(readonly oid: string, detail: string) {
    super(`Git object ${oid} is damaged: ${detail} (run git fsck in the repository)`);
    this.name = "DamagedObjectError";
  }
}

/**
 * A blob's bytes. A loose object is read here, inflated by node's zlib and its id checked;
 * isomorphic-git inflates in JavaScript (pako), which made a 10,000-machine render's reads cost
 * several times more. Packed objects are left to isomorphic-git.
 */
export async function readBlob(repo: GitRepository, oid: string): Promise<Buffer> {
  let deflated: Buffer;
  try {
    deflated = await readFile(join(repo.gitdir, "objects", oid.slice(0, 2), oid.slice(2)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const { blob } = await git.readBlob({ ...repo, oid });
    return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  }
  return looseBlob(oid, deflated);
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
