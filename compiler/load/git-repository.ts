import * as fs from "node:fs";
import git, { type PromiseFsClient } from "isomorphic-git";
import { gitDirOf, RevisionNotFoundError } from "./git-dir.js";

export { RevisionNotFoundError } from "./git-dir.js";

/** A local repository, worktree or bare, as isomorphic-git addresses it; `cache` shares parsed packfiles across calls. */
export interface GitRepository {
  readonly fs: PromiseFsClient;
  readonly gitdir: string;
  readonly cache: object;
}

/**
 * node:fs as isomorphic-git takes it. isomorphic-git wraps the fs it is given anew on every call,
 * and tells a promise fs by calling its readFile() with no argument, twice: node:fs rejects that
 * with an error whose stack it captures. Reading a 10,000-machine plan's 30,000 blobs spent 3.1 s
 * of its 47 s there. Here readFile() with no argument is an empty promise, and the rest is node:fs.
 */
export const gitFs: PromiseFsClient = {
  promises: {
    ...fs.promises,
    readFile: ((...args: unknown[]) => (args.length === 0 ? Promise.resolve(undefined) : (fs.promises.readFile as (...a: unknown[]) => Promise<unknown>)(...args))) as PromiseFsClient["promises"]["readFile"],
  } as PromiseFsClient["promises"],
};

/** The repository at a Git directory (not a work tree: see openRepository). */
export function repositoryAt(gitdir: string): GitRepository {
  return { fs: gitFs, gitdir, cache: {} };
}

/** `dir/.git` for a work tree, `dir` itself for a bare repository. */
export function openRepository(dir: string): GitRepository {
  return repositoryAt(gitDirOf(dir));
}

/**
 * A commit id from what users type: a full or abbreviated SHA, a branch, tag or remote-tracking
 * ref (`main`, `origin/main`, `refs/heads/x`), `HEAD`, each optionally followed by `~N` and `^`.
 */
export async function resolveRevision(repo: GitRepository, revision: string): Promise<string> {
  const match = /^(.+?)((?:~\d*|\^1?)*)$/.exec(revision);
  if (!match) throw new RevisionNotFoundError(revision, "cannot parse it");
  let oid = await resolveBase(repo, match[1]!, revision);
  for (const step of match[2]!.match(/~\d*|\^1?/g) ?? []) {
    const count = step.startsWith("~") ? Number(step.slice(1) || "1") : 1;
    for (let i = 0; i < count; i++) {
      const { commit } = await git.readCommit({ ...repo, oid });
      const parent = commit.parent[0];
      if (!parent) throw new RevisionNotFoundError(revision, `${oid.slice(0, 7)} has no parent`);
      oid = parent;
    }
  }
  return oid;
}

async function resolveBase(repo: GitRepository, base: string, revision: string): Promise<string> {
  let oid: string | undefined;
  try {
    oid = await git.resolveRef({ ...repo, ref: base });
  } catch {
    if (/^[0-9a-f]{4,40}$/i.test(base)) {
      oid = await git.expandOid({ ...repo, oid: base.toLowerCase() }).catch(() => undefined);
    }
  }
  if (!oid) throw new RevisionNotFoundError(revision, "no such branch, tag or commit");
  // Annotated tags point at a tag object: peel to the commit.
  const { type, object } = await git.readObject({ ...repo, oid });
  if (type === "tag") return (object as { object: string }).object;
  if (type !== "commit") throw new RevisionNotFoundError(revision, `${oid.slice(0, 7)} is a ${type}, not a commit`);
  return oid;
}
