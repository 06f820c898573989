import { cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runTool } from "./run-tool.js";
import { tempDir } from "./temp-dirs.js";

// gc.auto=0: a detached auto-gc could still write into .git while the test removes it.
const IDENTITY = ["-c", "user.name=oci test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", "-c", "gc.auto=0"];

/** Runs the real git CLI in `repo`; fails the test with git's output when git fails. */
export async function gitCli(repo: string, ...args: string[]): Promise<string> {
  const result = await runTool("git", [...IDENTITY, ...args], { cwd: repo });
  if (result.code !== 0) throw new Error(`git ${args.join(" ")} failed (${result.code}):\n${result.output}`);
  return result.output;
}

/** A repository made by the git CLI whose first commit on `main` is a copy of `site`. */
export async function repoFromSite(site: string): Promise<string> {
  const repo = await tempDir("oci-repo-");
  await cp(site, repo, { recursive: true });
  await gitCli(repo, "init", "-q", "-b", "main");
  await gitCli(repo, "add", "-A");
  await gitCli(repo, "commit", "-q", "-m", "Initial site");
  return repo;
}

/** Commits every change of the work tree; returns the new commit id. */
export async function commitAll(repo: string, message: string): Promise<string> {
  await gitCli(repo, "add", "-A");
  await gitCli(repo, "commit", "-q", "-m", message);
  return (await gitCli(repo, "rev-parse", "HEAD")).trim();
}

/**
 * The daemon's usual setup: a bare repository (what `oci serve --repo` follows) and an operator's
 * clone holding a copy of `site`, its first commit pushed. `prepare` may change the copy first.
 */
export async function bareRepoWithClone(site: string, prepare: (clone: string) => Promise<void> = async () => undefined): Promise<{ bare: string; clone: string }> {
  const bare = join(await tempDir("oci-bare-"), "site.git");
  await gitCli(dirname(bare), "init", "-q", "--bare", "-b", "main", bare);
  // A local push runs receive-pack without the pusher's `-c` settings, so the bare repository's own
  // config must turn auto-gc off.
  await gitCli(bare, "config", "gc.auto", "0");
  const clone = await tempDir("oci-clone-");
  await cp(site, clone, { recursive: true });
  await prepare(clone);
  await gitCli(clone, "init", "-q", "-b", "main");
  await gitCli(clone, "add", "-A");
  await gitCli(clone, "commit", "-q", "-m", "Initial site");
  await gitCli(clone, "remote", "add", "origin", bare);
  await gitCli(clone, "push", "-q", "origin", "main");
  return { bare, clone };
}
