import git from "isomorphic-git";
import type { GitRepository } from "./git-repository.js";
import { readBlob } from "./read-blob.js";
import type { SiteTree, UnfollowedEntry } from "./site-tree.js";

const REGULAR_FILE = /^100(644|755)$/;

/**
 * A site read straight from a commit's tree: no work tree, no checkout. Symbolic links and
 * submodules are left out, as DirectoryTree leaves them out, so both read the same site.
 */
export class GitTree implements SiteTree {
  readonly #blobs = new Map<string, string>();
  readonly #unfollowed: UnfollowedEntry[] = [];

  private constructor(readonly repo: GitRepository, readonly commit: string, readonly treeId: string) {}

  static async open(repo: GitRepository, commit: string): Promise<GitTree> {
    const { commit: object } = await git.readCommit({ ...repo, oid: commit });
    const tree = new GitTree(repo, commit, object.tree);
    await tree.#walk(object.tree, "");
    return tree;
  }

  async listFiles(): Promise<string[]> {
    return [...this.#blobs.keys()].sort();
  }

  async readFile(path: string): Promise<string> {
    const oid = this.#blobs.get(path);
    if (!oid) throw new Error(`no file ${path} in commit ${this.commit}`);
    return (await readBlob(this.repo, oid)).toString("utf8");
  }

  contentId(path: string): string | undefined {
    return this.#blobs.get(path);
  }

  async listUnfollowed(): Promise<UnfollowedEntry[]> {
    return [...this.#unfollowed].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** Blob ids by path: lets a writer skip blobs the repository already has. */
  blobIds(): ReadonlyMap<string, string> {
    return this.#blobs;
  }

  async #walk(treeOid: string, prefix: string): Promise<void> {
    for (const entry of await readTreeEntries(this.repo, treeOid)) {
      if (entry.path.startsWith(".") || entry.path === "node_modules") continue;
      const path = prefix === "" ? entry.path : `${prefix}/${entry.path}`;
      if (entry.type === "tree") await this.#walk(entry.oid, path);
      else if (entry.type === "blob" && REGULAR_FILE.test(entry.mode)) this.#blobs.set(path, entry.oid);
      else this.#unfollowed.push({ path, kind: entry.mode === "120000" ? "symbolic link" : entry.type === "commit" ? "submodule" : "special file" });
    }
  }
}

/** One entry of a Git tree object, as isomorphic-git's readTree gives it. */
export interface GitTreeEntry {
  readonly mode: string;
  readonly path: string;
  readonly oid: string;
  readonly type: string;
}

// Tree objects never change under their id, so their parsed entries are kept for the process:
// the daemon reads each commit's tree, and most of its subtrees are the previous commit's (a
// 10,000-machine render has five folders of 10,000 entries each). Bounded by entries held.
const TREE_CACHE_ENTRIES = 400_000;
const trees = new Map<string, readonly GitTreeEntry[]>();
let treeEntriesHeld = 0;

async function readTreeEntries(repo: GitRepository, oid: string): Promise<readonly GitTreeEntry[]> {
  const held = trees.get(oid);
  if (held) {
    trees.delete(oid);
    trees.set(oid, held); // most recently used last: evicted last
    return held;
  }
  const { tree } = await git.readTree({ ...repo, oid });
  rememberTree(oid, tree);
  return tree;
}

/** Records a tree's entries under its id: for a writer that has just written the tree (a later read is then free). */
export function rememberTree(oid: string, entries: readonly GitTreeEntry[]): void {
  if (trees.has(oid) || entries.length > TREE_CACHE_ENTRIES) return;
  trees.set(oid, Object.freeze([...entries]));
  treeEntriesHeld += entries.length;
  for (const [old, held] of trees) {
    if (treeEntriesHeld <= TREE_CACHE_ENTRIES) break;
    trees.delete(old);
    treeEntriesHeld -= held.length;
  }
}
