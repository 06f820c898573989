import git from "isomorphic-git";
import type { GitRepository } from "../../compiler/load/git-repository.js";

/** The trailer of a rendered commit that starts a new history, or accepts a rewound branch. */
export const HISTORY_TRAILER = "History";

/**
 * Where oci keeps the last rendered commit it wrote or accepted, beside the branch: deleting or
 * rewinding the branch (`git push origin :oci/rendered`) leaves it, so the next compile knows.
 */
export function historyRef(branch: string): string {
  return `refs/oci/rendered-tip/${branch}`;
}

export type HistoryProblem =
  /** The branch is gone, though a render of this site was made before. */
  | { readonly problem: "missing"; readonly known: string }
  /** The branch tip does not descend from the last known render: rewound, or replaced. */
  | { readonly problem: "rewound"; readonly known: string; readonly tip: string }
  /** The branch tip is no render a trusted key signed (a hand edit, say): nothing is built on it. */
  | { readonly problem: "untrusted"; readonly known?: string; readonly tip: string; readonly reason: string };

/**
 * Whether the rendered branch continues what is known of it. A new history from nothing, or a
 * branch that went back, would generate every secret anew or serve an old release: both are
 * refused until an operator says so (oci compile --commit --bootstrap-history / --accept-rewind).
 */
export async function historyProblem(repo: GitRepository, tip: string | undefined, known: string | undefined): Promise<HistoryProblem | undefined> {
  if (!known) return undefined;
  if (!tip) return { problem: "missing", known };
  if (tip === known || (await descends(repo, tip, known))) return undefined;
  return { problem: "rewound", known, tip };
}

/** True when `commit` has `ancestor` in its history (false when an object is missing: nothing to prove it). */
export async function descends(repo: GitRepository, commit: string, ancestor: string): Promise<boolean> {
  return git.isDescendent({ ...repo, oid: commit, ancestor, depth: -1 }).catch(() => false);
}

/** What an operator runs to go on, for a refusal's message. */
export function historyAdvice(branch: string, problem: HistoryProblem): string {
  if (problem.problem === "untrusted") {
    return `the rendered branch ${branch} is at ${problem.tip}, which is not applied and not built on: ${problem.reason}. Put the last good render back${problem.known ? ` (git push -f <repo> ${problem.known}:refs/heads/${branch})` : ""}, or accept the branch as it is with oci compile --commit --accept-rewind`;
  }
  return problem.problem === "missing"
    ? `the rendered branch ${branch} is gone, but ${problem.known} was rendered before: restore it (git push <repo> ${problem.known}:refs/heads/${branch}), or start a new history with oci compile --commit --bootstrap-history (every secret, certificate and token is generated anew)`
    : `the rendered branch ${branch} is at ${problem.tip}, which does not descend from ${problem.known} rendered before: put it back (git push -f <repo> ${problem.known}:refs/heads/${branch}), or accept it with oci compile --commit --accept-rewind`;
}
