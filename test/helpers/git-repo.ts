import { cp } from "node:fs/promises";
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
