import git from "isomorphic-git";
import type { GitRepository } from "./git-repository.js";
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
    const { blob } = await git.readBlob({ ...this.repo, oid });
    return Buffer.from(blob).toString("utf8");
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
    const { tree } = await git.readTree({ ...this.repo, oid: treeOid });
    for (const entry of tree) {
      if (entry.path.startsWith(".") || entry.path === "node_modules") continue;
      const path = prefix === "" ? entry.path : `${prefix}/${entry.path}`;
      if (entry.type === "tree") await this.#walk(entry.oid, path);
      else if (entry.type === "blob" && REGULAR_FILE.test(entry.mode)) this.#blobs.set(path, entry.oid);
      else this.#unfollowed.push({ path, kind: entry.mode === "120000" ? "symbolic link" : entry.type === "commit" ? "submodule" : "special file" });
    }
  }
}
