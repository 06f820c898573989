import { createHash } from "node:crypto";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import type { OutputFile } from "../../compiler/index.js";
import { writeTreeObject, type TreeEntry } from "./git-objects.js";
import { writeLooseObject } from "./loose-object.js";

/** The id Git gives a blob: sha1 of `blob <size>\0<content>`. */
export function blobId(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

interface Folder {
  files: Map<string, string>;
  folders: Map<string, Folder>;
}

/**
 * Writes `files` as a tree and returns its id. Blobs the repository already holds under the same
 * id (`known`, e.g. the previous render's) are not written again, so an incremental render writes
 * only what changed.
 */
export async function writeFilesAsTree(repo: GitRepository, files: readonly OutputFile[], known: ReadonlySet<string>): Promise<string> {
  const root: Folder = { files: new Map(), folders: new Map() };
  for (const file of files) {
    const content = Buffer.from(file.content, "utf8");
    const id = blobId(content);
    const oid = known.has(id) ? id : writeLooseObject(repo.gitdir, "blob", content);
    const parts = file.path.split("/");
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (!next) folder.folders.set(part, (next = { files: new Map(), folders: new Map() }));
      folder = next;
    }
    folder.files.set(parts[parts.length - 1]!, oid);
  }
  return writeFolder(repo, root);
}

async function writeFolder(repo: GitRepository, folder: Folder): Promise<string> {
  const entries: TreeEntry[] = [];
  for (const [name, oid] of folder.files) entries.push({ name, oid, kind: "blob" });
  for (const [name, sub] of folder.folders) entries.push({ name, oid: await writeFolder(repo, sub), kind: "tree" });
  return writeTreeObject(repo.gitdir, entries);
}
