import type { GitRepository } from "../../compiler/load/git-repository.js";
import { blobId } from "../../compiler/load/site-file-cache.js";
import { rememberTree } from "../../compiler/load/git-tree.js";
import type { OutputFile } from "../../compiler/index.js";
import { writeTreeObject, type TreeEntry } from "./git-objects.js";
import { writeLooseObject } from "./loose-object.js";

interface Folder {
  readonly path: string;
  readonly files: Map<string, string>;
  readonly folders: Map<string, Folder>;
}

/** The tree a writer is building on: the previous render's. */
export interface BaseTree {
  readonly treeId: string;
  /** Whether it holds a blob: a blob the repository already holds is not written again. */
  readonly hasBlob: (id: string) => boolean;
}

/** What one folder of a written tree holds, by its path ("" for the root, "a/b/" below). */
interface WrittenFolder {
  readonly entries: readonly TreeEntry[];
  readonly oid: string;
}

/**
 * What the last tree written in this process was made of (each file's content and blob id, each
 * folder's entries and tree id), for the next write on top of it: a file whose content is the same
 * at the same path is not hashed again, a folder whose entries are the same is not written again.
 * Used only when the next tree is built on that very tree, whose objects its commit keeps.
 */
export class TreeWriteCache {
  last?: { readonly gitdir: string; readonly treeId: string; readonly files: ReadonlyMap<string, { content: string; oid: string }>; readonly folders: ReadonlyMap<string, WrittenFolder> };
}

/**
 * Writes `files` as a tree and returns its id. Blobs the base tree already holds are not written
 * again, so an incremental render writes only what changed.
 */
export async function writeFilesAsTree(repo: GitRepository, files: readonly OutputFile[], base?: BaseTree, cache?: TreeWriteCache): Promise<string> {
  const last = cache?.last && base && cache.last.gitdir === repo.gitdir && cache.last.treeId === base.treeId ? cache.last : undefined;
  // Taken out while this write runs: a write that fails half way leaves no cache, rather than a wrong one.
  if (cache) cache.last = undefined;
  // Many changed files (a first render, a new base): the base's blobs are looked up rather than each touched on disk.
  const blob = (file: OutputFile) => {
    const content = Buffer.from(file.content, "utf8");
    const id = blobId(content);
    return base?.hasBlob(id) ? id : writeLooseObject(repo.gitdir, "blob", content);
  };
  // A few: each is hashed once, and an object already present is only touched (writeLooseObject).
  const fewBlob = (file: OutputFile) => writeLooseObject(repo.gitdir, "blob", Buffer.from(file.content, "utf8"));
  const written = (last && writeOnSamePaths(repo, files, last, fewBlob)) ?? writeAll(repo, files, last, blob);
  if (cache) cache.last = { gitdir: repo.gitdir, ...written };
  return written.treeId;
}

interface Written {
  readonly treeId: string;
  readonly files: Map<string, { content: string; oid: string }>;
  readonly folders: Map<string, WrittenFolder>;
}

/**
 * The common case of the daemon: the same paths as the last tree, a few of them changed. Only the
 * changed files are hashed and only the folders along their paths are written again; every other
 * folder keeps its entries. Undefined when a path was added or removed (then everything is laid out).
 */
function writeOnSamePaths(repo: GitRepository, files: readonly OutputFile[], last: NonNullable<TreeWriteCache["last"]>, blob: (file: OutputFile) => string): Written | undefined {
  if (files.length !== last.files.size) return undefined;
  const changed: OutputFile[] = [];
  for (const file of files) {
    const before = last.files.get(file.path);
    if (!before) return undefined;
    if (before.content !== file.content) changed.push(file);
  }
  // The last write's maps are taken over: the cache no longer holds them.
  const writtenFiles = last.files as Map<string, { content: string; oid: string }>;
  const folders = last.folders as Map<string, WrittenFolder>;
  // Per folder, the new ids of its changed entries (files and sub-folders) by name.
  const dirty = new Map<string, Map<string, string>>();
  const mark = (folder: string, name: string, oid: string) => {
    let names = dirty.get(folder);
    if (!names) dirty.set(folder, (names = new Map()));
    names.set(name, oid);
  };
  for (const file of changed) {
    const oid = blob(file);
    writtenFiles.set(file.path, { content: file.content, oid });
    const cut = file.path.lastIndexOf("/");
    mark(file.path.slice(0, cut + 1), file.path.slice(cut + 1), oid);
    // Every folder above it is written again too (its sub-folder's id is marked in it below).
    for (let at = file.path.indexOf("/"); at !== -1 && at < cut; at = file.path.indexOf("/", at + 1)) if (!dirty.has(file.path.slice(0, at + 1))) dirty.set(file.path.slice(0, at + 1), new Map());
    if (!dirty.has("")) dirty.set("", new Map());
  }
  // Deepest folders first, each one's new id marked in its parent.
  const depth = (path: string) => path.split("/").length;
  for (const path of [...dirty.keys()].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1))) {
    const previous = folders.get(path)!;
    const names = dirty.get(path)!;
    const entries = previous.entries.map((e) => (names.has(e.name) ? { ...e, oid: names.get(e.name)! } : e));
    const oid = sameEntries(previous.entries, entries) ? previous.oid : writeTreeObject(repo.gitdir, entries);
    if (oid !== previous.oid) rememberTree(oid, listing(entries));
    folders.set(path, { entries, oid });
    if (path !== "") {
      const cut = path.lastIndexOf("/", path.length - 2);
      mark(path.slice(0, cut + 1), path.slice(cut + 1, -1), oid);
    }
  }
  return { treeId: folders.get("")!.oid, files: writtenFiles, folders };
}

/** Lays out every file in folders and writes each folder whose entries differ from the last write's. */
function writeAll(repo: GitRepository, files: readonly OutputFile[], last: TreeWriteCache["last"], blob: (file: OutputFile) => string): Written {
  const written = new Map<string, { content: string; oid: string }>();
  const root: Folder = { path: "", files: new Map(), folders: new Map() };
  for (const file of files) {
    const before = last?.files.get(file.path);
    const oid = before && before.content === file.content ? before.oid : blob(file);
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
  const folders = new Map<string, WrittenFolder>();
  const treeId = writeFolder(repo, root, last?.folders, folders);
  return { treeId, files: written, folders };
}

function writeFolder(repo: GitRepository, folder: Folder, before: ReadonlyMap<string, WrittenFolder> | undefined, written: Map<string, WrittenFolder>): string {
  const entries: TreeEntry[] = [];
  for (const [name, oid] of folder.files) entries.push({ name, oid, kind: "blob" });
  for (const [name, sub] of folder.folders) entries.push({ name, oid: writeFolder(repo, sub, before, written), kind: "tree" });
  const previous = before?.get(folder.path);
  const oid = previous && sameEntries(previous.entries, entries) ? previous.oid : writeTreeObject(repo.gitdir, entries);
  if (oid !== previous?.oid) rememberTree(oid, listing(entries));
  written.set(folder.path, { entries, oid });
  return oid;
}

function listing(entries: readonly TreeEntry[]) {
  return entries.map((e) => ({ mode: e.kind === "tree" ? "040000" : "100644", path: e.name, oid: e.oid, type: e.kind }));
}

function sameEntries(a: readonly TreeEntry[], b: readonly TreeEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.oid !== b[i]!.oid || a[i]!.kind !== b[i]!.kind) return false;
  return true;
}
