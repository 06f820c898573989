import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

export class RevisionNotFoundError extends Error {
  readonly code = "OCI2101";
  constructor(readonly revision: string, detail: string) {
    super(`unknown revision ${JSON.stringify(revision)}: ${detail}`);
    this.name = "RevisionNotFoundError";
  }
}

/**
 * The Git directory of a repository: `dir/.git` for a work tree, `dir` itself for a bare one. Apart
 * from git-repository.ts, which loads isomorphic-git: `oci plan --keep-warm` finds its warm process
 * without loading it.
 */
export function gitDirOf(dir: string): string {
  const dotGit = join(dir, ".git");
  const gitdir = existsSync(dotGit) && statSync(dotGit).isDirectory() ? dotGit : dir;
  if (!existsSync(join(gitdir, "HEAD"))) throw new RevisionNotFoundError("HEAD", `${dir} is not a Git repository`);
  return gitdir;
}
