import git from "isomorphic-git";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import { writeTreeObject, type TreeEntry } from "./git-objects.js";

/**
 * A new tree: `tree` with each `path → blob id` of `changes` set, every other entry kept as is.
 * Only the folders on the changed paths are rewritten.
 */
export async function editTree(repo: GitRepository, tree: string | undefined, changes: ReadonlyMap<string, string>): Promise<string> {
  const entries = new Map<string, TreeEntry>();
  if (tree) {
    for (const e of (await git.readTree({ ...repo, oid: tree })).tree) {
      if (e.type === "commit") throw new Error(`submodule ${e.path} in the source tree is not supported`);
      entries.set(e.path, { name: e.path, oid: e.oid, kind: e.type });
    }
  }
  const byFolder = new Map<string, Map<string, string>>();
  for (const [path, oid] of changes) {
    const slash = path.indexOf("/");
    if (slash < 0) {
      entries.set(path, { name: path, oid, kind: "blob" });
      continue;
    }
    const folder = path.slice(0, slash);
    const inner = byFolder.get(folder) ?? new Map<string, string>();
    inner.set(path.slice(slash + 1), oid);
    byFolder.set(folder, inner);
  }
  for (const [folder, inner] of byFolder) {
    const existing = entries.get(folder);
    if (existing && existing.kind !== "tree") throw new Error(`${folder} is a file in the tree, not a folder`);
    entries.set(folder, { name: folder, oid: await editTree(repo, existing?.oid, inner), kind: "tree" });
  }
  return writeTreeObject(repo.gitdir, [...entries.values()]);
}
