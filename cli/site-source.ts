import { DirectoryTree } from "../compiler/load/directory-tree.js";
import { openRepository, resolveRevision, type GitRepository } from "../compiler/load/git-repository.js";
import { GitTree } from "../compiler/load/git-tree.js";
import type { SiteTree } from "../compiler/load/site-tree.js";

export interface SiteSourceOptions {
  rev?: string;
  repo?: string;
}

export type SiteSource =
  | { readonly kind: "directory"; readonly tree: SiteTree }
  | { readonly kind: "git"; readonly tree: GitTree; readonly repo: GitRepository; readonly commit: string };

/** The site to read: a directory, or with --rev a commit of the repository (--repo, default the current directory). */
export async function openSiteSource(siteDir: string | undefined, options: SiteSourceOptions): Promise<SiteSource> {
  if (options.rev === undefined && options.repo === undefined) return { kind: "directory", tree: new DirectoryTree(siteDir ?? ".") };
  const repo = openRepository(options.repo ?? siteDir ?? ".");
  const commit = await resolveRevision(repo, options.rev ?? "HEAD");
  return { kind: "git", tree: await GitTree.open(repo, commit), repo, commit };
}
