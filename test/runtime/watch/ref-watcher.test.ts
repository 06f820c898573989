import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { watchRefs } from "../../../runtime/watch/ref-watcher.js";
import { gitCli } from "../../helpers/git-repo.js";
import { tempDir } from "../../helpers/temp-dirs.js";

/** A branch's commit as the daemon's listener would read it at that moment: its loose ref, else packed-refs. */
function refNow(gitdir: string, branch: string): string | undefined {
  try {
    return readFileSync(join(gitdir, "refs/heads", branch), "utf8").trim();
  } catch {
    const line = (() => {
      try {
        return readFileSync(join(gitdir, "packed-refs"), "utf8").split("\n").find((l) => l.endsWith(` refs/heads/${branch}`));
      } catch {
        return undefined;
      }
    })();
    return line?.split(" ")[0];
  }
}

/**
 * What the listener saw of two branches each time it was called. A change is seen when a call
 * came after it: the listener read the new commit. The timer is an hour: only events count.
 */
function recorder(gitdir: string): { onChange: () => void; sees: (branch: string, commit: string, what: string) => Promise<void> } {
  const seen = new Set<string>();
  let wake: (() => void) | undefined;
  return {
    onChange: () => {
      for (const branch of ["main", "oci/rendered"]) seen.add(`${branch} ${refNow(gitdir, branch)}`);
      wake?.();
    },
    sees: (branch, commit, what) =>
      new Promise<void>((resolve, reject) => {
        // Bounded: a missed event fails the test in 5 s rather than hanging it.
        const timeout = setTimeout(() => reject(new Error(`the listener never read ${branch} at ${commit} after ${what}`)), 5_000);
        wake = () => {
          if (!seen.has(`${branch} ${commit}`)) return;
          clearTimeout(timeout);
          resolve();
        };
        wake();
      }),
  };
}

describe("watching a repository's branches", () => {
  it("sees every commit, branches in folders, and branches after git pack-refs", async () => {
    const repo = await tempDir("oci-ref-watcher-");
    const gitdir = join(repo, ".git");
    await gitCli(repo, "init", "-q", "-b", "main");
    await gitCli(repo, "commit", "-q", "--allow-empty", "-m", "first");
    const { onChange, sees } = recorder(gitdir);
    const head = async () => (await gitCli(repo, "rev-parse", "HEAD")).trim();
    const watcher = watchRefs(gitdir, onChange, 3_600_000);
    try {
      // One ref update after another: none may fall between two watches.
      for (let i = 0; i < 50; i++) {
        await gitCli(repo, "commit", "-q", "--allow-empty", "-m", `commit ${i}`);
        await sees("main", await head(), `commit ${i}`);
      }
      await gitCli(repo, "branch", "oci/rendered", "HEAD~1");
      await sees("oci/rendered", (await gitCli(repo, "rev-parse", "HEAD~1")).trim(), "a new branch in a folder");
      await gitCli(repo, "update-ref", "refs/heads/oci/rendered", "HEAD~2");
      await sees("oci/rendered", (await gitCli(repo, "rev-parse", "HEAD~2")).trim(), "an update of that branch");
      // pack-refs removes the loose refs and their folder; both come back with the updates after it.
      await gitCli(repo, "pack-refs", "--all");
      assert.equal(refNow(gitdir, "main"), await head(), "main is in packed-refs now");
      await gitCli(repo, "commit", "-q", "--allow-empty", "-m", "after pack-refs");
      await sees("main", await head(), "a commit after pack-refs");
      await gitCli(repo, "update-ref", "refs/heads/oci/rendered", "HEAD");
      await sees("oci/rendered", await head(), "the folder's branch after pack-refs");
    } finally {
      await watcher.close();
    }
  });
});
