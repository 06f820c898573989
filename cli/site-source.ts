import { stat } from "node:fs/promises";
import { DirectoryTree } from "../compiler/load/directory-tree.js";
import { openRepository, resolveRevision, type GitRepository } from "../compiler/load/git-repository.js";
import { GitTree } from "../compiler/load/git-tree.js";
import type { SiteTree } from "../compiler/load/site-tree.js";

/** The site directory given does not exist or is not a directory: a wrong argument (exit 2). */
export class SiteDirectoryError extends Error {
  readonly code = "OCI2102";
  constructor(readonly dir: string, detail: string) {
    super(`site directory ${dir} ${detail}: give the directory that holds site.yaml (or --rev with --repo for a commit)`);
    this.name = "SiteDirectoryError";
  }
}

export interface SiteSourceOptions {
  rev?: string;
  repo?: string;
}

export type SiteSource =
  | { readonly kind: "directory"; readonly tree: SiteTree }
  | { readonly kind: "git"; readonly tree: GitTree; readonly repo: GitRepository; readonly commit: string };

/** The site to read: a directory, or with --rev a commit of the repository (--repo, default the current directory). */
export async function openSiteSource(siteDir: string | undefined, options: SiteSourceOptions): Promise<SiteSource> {
  if (options.rev === undefined && options.repo === undefined) {
    const dir = siteDir ?? ".";
    const kind = await stat(dir).then((s) => (s.isDirectory() ? "directory" : "file"), () => "missing");
    if (kind !== "directory") throw new SiteDirectoryError(dir, kind === "missing" ? "does not exist" : "is not a directory");
    return { kind: "directory", tree: new DirectoryTree(dir) };
  }
  const repo = openRepository(options.repo ?? siteDir ?? ".");
  const commit = await resolveRevision(repo, options.rev ?? "HEAD");
  return { kind: "git", tree: await GitTree.open(repo, commit), repo, commit };
}
