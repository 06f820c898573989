import { createHash } from "node:crypto";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import { rememberTree } from "../../compiler/load/git-tree.js";
import type { OutputFile } from "../../compiler/index.js";
import { writeTreeObject, type TreeEntry } from "./git-objects.js";
import { writeLooseObject } from "./loose-object.js";

/** The id Git gives a blob: sha1 of `blob <size>\0<content>`. */
export function blobId(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

interface Folder {
  readonly path: string;
  readonly files: Map<string, string>;
  readonly folders: Map<string, Folder>;
}

/** The tree a writer is building on: the previous render's. */
export interface BaseTree {
  readonly treeId: string;
  /** Its blobs' ids: a blob the repository already holds is not written again. */
  readonly blobIds: ReadonlySet<string>;
}

/**
 * What the last tree written in this process was made of (each file's content and blob id, each
 * folder's entries and tree id), for the next write on top of it: a file whose content is the same
 * at the same path is not hashed again, a folder whose entries are the same is not written again.
 * Used only when the next tree is built on that very tree, whose objects its commit keeps.
 */
export class TreeWriteCache {
  last?: { readonly gitdir: string; readonly treeId: string; readonly files: ReadonlyMap<string, { content: string; oid: string }>; readonly folders: ReadonlyMap<string, { entries: readonly TreeEntry[]; oid: string }> };
}

/**
 * Writes `files` as a tree and returns its id. Blobs the base tree already holds are not written
 * again, so an incremental render writes only what changed.
 */
export async function writeFilesAsTree(repo: GitRepository, files: readonly OutputFile[], base?: BaseTree, cache?: TreeWriteCache): Promise<string> {
  const last = cache?.last && base && cache.last.gitdir === repo.gitdir && cache.last.treeId === base.treeId ? cache.last : undefined;
  const known = base?.blobIds ?? new Set<string>();
  const written = new Map<string, { content: string; oid: string }>();
  const root: Folder = { path: "", files: new Map(), folders: new Map() };
  for (const file of files) {
    const before = last?.files.get(file.path);
    let oid: string;
    if (before && before.content === file.content) oid = before.oid;
    else {
      const content = Buffer.from(file.content, "utf8");
      const id = blobId(content);
      oid = known.has(id) ? id : writeLooseObject(repo.gitdir, "blob", content);
    }
    written.set(file.path, { content: file.content, oid });
    const parts = file.path.split("/");
    let folder = root;
    for (let i = 0; i < parts.length - 1; i++) {
      let next = folder.folders.get(parts[i]!);
      if (!next) folder.folders.set(parts[i]!, (next = { path: `${folder.path}${parts[i]}/`, files: new Map(), folders: new Map() }));
      folder = next;
    }
    folder.files.set(parts[parts.length - 1]!, oid);
  }
  const folders = new Map<string, { entries: readonly TreeEntry[]; oid: string }>();
  const treeId = writeFolder(repo, root, last?.folders, folders);
  if (cache) cache.last = { gitdir: repo.gitdir, treeId, files: written, folders };
  return treeId;
}

function writeFolder(repo: GitRepository, folder: Folder, before: ReadonlyMap<string, { entries: readonly TreeEntry[]; oid: string }> | undefined, written: Map<string, { entries: readonly TreeEntry[]; oid: string }>): string {
  const entries: TreeEntry[] = [];
  for (const [name, oid] of folder.files) entries.push({ name, oid, kind: "blob" });
  for (const [name, sub] of folder.folders) entries.push({ name, oid: writeFolder(repo, sub, before, written), kind: "tree" });
  const previous = before?.get(folder.path);
  const oid = previous && sameEntries(previous.entries, entries) ? previous.oid : writeTreeObject(repo.gitdir, entries);
  if (oid !== previous?.oid) rememberTree(oid, entries.map((e) => ({ mode: e.kind === "tree" ? "040000" : "100644", path: e.name, oid: e.oid, type: e.kind })));
  written.set(folder.path, { entries, oid });
  return oid;
}

function sameEntries(a: readonly TreeEntry[], b: readonly TreeEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.oid !== b[i]!.oid || a[i]!.kind !== b[i]!.kind) return false;
  return true;
}
