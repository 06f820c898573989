import git from "isomorphic-git";
import type { GitRepository } from "../compiler/load/git-repository.js";
import { readRef } from "../runtime/git/compare-and-swap-ref.js";

/**
 * A branch the provisioning host writes (the rendered branch, the inventory branch) as this clone
 * has it: the local branch, else a remote-tracking one, origin's first — a CI or operator's clone
 * often has only `origin/<branch>`. `ref` names what was read, for the user.
 */
export async function hostBranchTip(repo: GitRepository, branch: string): Promise<{ readonly ref: string; readonly commit: string } | undefined> {
  const remotes = (await git.listRemotes({ fs: repo.fs, gitdir: repo.gitdir })).map((r) => r.remote)
    .sort((a, b) => (a === "origin" ? -1 : b === "origin" ? 1 : a < b ? -1 : 1));
  for (const [ref, name] of [[`refs/heads/${branch}`, branch], ...remotes.map((r) => [`refs/remotes/${r}/${branch}`, `${r}/${branch}`])] as const) {
    const commit = await readRef(repo.gitdir, ref);
    if (commit) return { ref: name, commit };
  }
  return undefined;
}
