import git from "isomorphic-git";
import { parse } from "yaml";
import { compile, type CompileResult, type PreviousRender } from "../../compiler/index.js";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import type { CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import { compareAndSwapRef, readRef, RefLockedError, RefMovedError, removeStaleLock, STALE_LOCK_MS } from "../git/compare-and-swap-ref.js";
import { writeCommitObject } from "../git/git-objects.js";
import { writeFilesAsTree } from "../git/write-tree.js";

export const DEFAULT_RENDERED_BRANCH = "oci/rendered";
export const SOURCE_TRAILER = "Source-Commit";

export class ConcurrentUpdateError extends Error {
  readonly code = "OCI3103";
  constructor(readonly ref: string, attempts: number) {
    super(`${ref} kept moving under concurrent writers; gave up after ${attempts} attempts (no commit was lost; run again)`);
    this.name = "ConcurrentUpdateError";
  }
}

/** A rendered commit's tree, read as the previous render of the next compile. */
export function previousRenderFrom(tree: GitTree, label: string): PreviousRender {
  const paths = new Set(tree.blobIds().keys());
  return { label, readFile: async (path) => (paths.has(path) ? tree.readFile(path) : undefined) };
}

/** The rendered branch a site asks for in site.yaml (`git.renderedBranch`), read before the full compile. */
export async function renderedBranchOf(tree: GitTree): Promise<string> {
  const files = await tree.listFiles();
  const name = files.includes("site.yaml") ? "site.yaml" : files.includes("site.yml") ? "site.yml" : undefined;
  if (!name) return DEFAULT_RENDERED_BRANCH;
  try {
    const site = parse(await tree.readFile(name)) as { git?: { renderedBranch?: unknown } } | null;
    const branch = site?.git?.renderedBranch;
    return typeof branch === "string" && /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(branch) && !branch.includes("..") ? branch : DEFAULT_RENDERED_BRANCH;
  } catch {
    return DEFAULT_RENDERED_BRANCH; // the compile reports the syntax error
  }
}

export type CommitRenderResult =
  | { readonly status: "invalid"; readonly compile: CompileResult }
  | { readonly status: "unchanged" | "committed"; readonly compile: CompileResult; readonly commit: string; readonly branch: string; readonly parent?: string };

/**
 * Compiles `source` and records the render as a commit on the rendered branch: its tree is the
 * render, its parent the previous rendered commit, its message names the source with a
 * `Source-Commit:` trailer. The previous render (IPAM state …) is the branch tip. No commit when
 * the render equals the tip's tree. The ref moves by compare-and-swap; when another writer moved
 * it first, the compile is redone on the new tip, so no commit is lost and history stays linear.
 */
export async function commitRender(
  repo: GitRepository,
  source: string,
  options: {
    maxAttempts?: number; ca?: CertificateAuthority; rotate?: readonly string[];
    /** The daemon, sole oci writer on its host, takes a lock unchanged for STALE_LOCK_MS for a dead writer's; a one-shot command never does. */
    removeStaleLocks?: boolean;
  } = {},
): Promise<CommitRenderResult> {
  const tree = await GitTree.open(repo, source);
  const branch = await renderedBranchOf(tree);
  const ref = `refs/heads/${branch}`;
  const { commit: sourceCommit } = await git.readCommit({ ...repo, oid: source });
  const maxAttempts = options.maxAttempts ?? 20;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const tip = await readRef(repo.gitdir, ref);
    const rendered = tip ? await GitTree.open(repo, tip) : undefined;
    const previous = rendered ? previousRenderFrom(rendered, `${branch}@${tip!.slice(0, 7)}:`) : undefined;
    const result = await compile({ tree, ...(previous ? { previous } : {}), ...(options.ca ? { ca: options.ca } : {}), rotate: options.rotate ?? [] });
    if (!result.files) return { status: "invalid", compile: result };

    const treeOid = await writeFilesAsTree(repo, result.files, new Set(rendered?.blobIds().values() ?? []));
    if (rendered && treeOid === rendered.treeId) return { status: "unchanged", compile: result, commit: tip!, branch };

    // The rendered commit takes the source commit's time: the same source and parent give the same commit id.
    const when = { timestamp: sourceCommit.committer.timestamp, timezoneOffset: sourceCommit.committer.timezoneOffset };
    const identity = { name: "oci", email: "oci@localhost", ...when };
    const subject = sourceCommit.message.split("\n")[0]!.slice(0, 72);
    const commit = writeCommitObject(repo.gitdir, {
      message: `Render ${source.slice(0, 12)}: ${subject}\n\n${SOURCE_TRAILER}: ${source}\n`,
      tree: treeOid,
      parents: tip ? [tip] : [],
      author: identity,
      committer: identity,
    });
    try {
      await compareAndSwapRef(repo.gitdir, ref, tip, commit);
      return { status: "committed", compile: result, commit, branch, ...(tip ? { parent: tip } : {}) };
    } catch (error) {
      if (!(error instanceof RefMovedError || error instanceof RefLockedError)) throw error;
      if (error instanceof RefLockedError && options.removeStaleLocks) await removeStaleLock(repo.gitdir, ref, STALE_LOCK_MS);
      // Another writer won this round: back off a little, with jitter, and redo on its tip.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
  throw new ConcurrentUpdateError(ref, maxAttempts);
}
