import git from "isomorphic-git";
import * as fs from "node:fs";
import { DirectoryTree } from "../compiler/load/directory-tree.js";
import { openRepository, resolveRevision, type GitRepository } from "../compiler/load/git-repository.js";
import { GitTree } from "../compiler/load/git-tree.js";
import { OverlayTree } from "../compiler/load/overlay-tree.js";
import type { SiteTree } from "../compiler/load/site-tree.js";
import { DEFAULT_INVENTORY_BRANCH, DISCOVERED_FOLDER } from "../runtime/inventory/inventory-committer.js";
import { hostBranchTip } from "./branch-tip.js";

/**
 * The site work tree with the discovered machines the provisioning host committed laid over it:
 * `inventory/discovered/` of `inventory` (a revision), else of the inventory branch this clone
 * has (oci/inventory, else origin/oci/inventory). Discoveries live on a branch of their own, so a
 * work tree holds them only when copied by hand; a file there wins. `from` names what was read.
 */
export async function siteWithInventory(siteDir: string, inventory?: string): Promise<{ tree: SiteTree; from?: string }> {
  const base = new DirectoryTree(siteDir);
  let repo: GitRepository;
  try {
    repo = openRepository(await git.findRoot({ fs, filepath: siteDir }));
  } catch {
    // Not in a repository (or in a linked work tree, whose .git is a file): the work tree's own files only.
    if (inventory) throw new Error(`--inventory ${inventory}: ${siteDir} is not in a Git repository oci can read`);
    return { tree: base };
  }
  const tip = inventory ? { ref: inventory, commit: await resolveRevision(repo, inventory) } : await hostBranchTip(repo, DEFAULT_INVENTORY_BRANCH);
  if (!tip) return { tree: base };
  const discovered = await GitTree.open(repo, tip.commit);
  const extra = new Map<string, string>();
  for (const path of await discovered.listFiles()) {
    if (path.startsWith(`${DISCOVERED_FOLDER}/`)) extra.set(path, await discovered.readFile(path));
  }
  return { tree: new OverlayTree(base, extra), from: `${tip.ref} (${tip.commit.slice(0, 12)})` };
}
