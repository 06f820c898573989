import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openRepository } from "../../../compiler/load/git-repository.js";
import { GitTree } from "../../../compiler/load/git-tree.js";
import { writeCommitObject } from "../../../runtime/git/git-objects.js";
import { TreeWriteCache, writeFilesAsTree } from "../../../runtime/git/write-tree.js";
import { gitCli } from "../../helpers/git-repo.js";
import { tempDir } from "../../helpers/temp-dirs.js";

async function bareRepo(): Promise<string> {
  const gitdir = join(await tempDir("oci-write-tree-"), "repo.git");
  await gitCli(await tempDir("oci-write-tree-cwd-"), "init", "-q", "--bare", "-b", "main", gitdir);
  return gitdir;
}

const render = (n: number, change: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ path: `nodes/${String(i).padStart(3, "0")}.yaml`, content: change(i) }));

describe("writing a render as a Git tree", () => {
  it("on top of the tree it wrote last, gives the tree a clean write gives, over a sequence of changes", async () => {
    const gitdir = await bareRepo();
    const repo = openRepository(gitdir);
    const cache = new TreeWriteCache();
    let base: { treeId: string; hasBlob: (id: string) => boolean } | undefined;
    const steps = [
      [...render(50, (i) => `n: ${i}\n`), { path: "common.yaml", content: "a: 1\n" }],
      [...render(50, (i) => `n: ${i === 7 ? "changed" : i}\n`), { path: "common.yaml", content: "a: 1\n" }],
      [...render(49, (i) => `n: ${i}\n`), { path: "common.yaml", content: "a: 2\n" }, { path: "extra/new.txt", content: "new\n" }],
      [...render(49, (i) => `n: ${i}\n`), { path: "common.yaml", content: "a: 2\n" }, { path: "extra/new.txt", content: "new\n" }],
      // The same paths, files changed in two folders at two depths: only their folders are written again.
      [...render(49, (i) => `n: ${i === 48 ? "last" : i}\n`), { path: "common.yaml", content: "a: 2\n" }, { path: "extra/new.txt", content: "newer\n" }],
      [...render(49, (i) => `n: ${i === 48 ? "last" : i}\n`), { path: "common.yaml", content: "a: 2\n" }, { path: "extra/new.txt", content: "new\n" }],
      [{ path: "common.yaml", content: "" }],
    ];
    for (const [step, files] of steps.entries()) {
      const incremental = await writeFilesAsTree(repo, files, base, cache);
      const clean = await writeFilesAsTree(repo, files, undefined);
      assert.equal(incremental, clean, `step ${step}`);
      // What git reads back is what was written.
      const listed = (await gitCli(gitdir, "ls-tree", "-r", "--name-only", incremental)).trim().split("\n");
      assert.deepEqual(listed, files.map((f) => f.path).sort(), `step ${step}`);
      assert.equal(await gitCli(gitdir, "cat-file", "blob", `${incremental}:${files[0]!.path}`), files[0]!.content);
      const read = new Map((await treeEntries(repo, incremental)));
      assert.equal(read.size, files.length, `step ${step}: GitTree reads every file (from its remembered trees)`);
      base = { treeId: incremental, hasBlob: (id) => new Set(read.values()).has(id) };
    }
  });

  it("does not take the cache for a tree it did not write last (another writer's tip)", async () => {
    const gitdir = await bareRepo();
    const repo = openRepository(gitdir);
    const cache = new TreeWriteCache();
    const mine = await writeFilesAsTree(repo, [{ path: "a", content: "1\n" }], undefined, cache);
    const theirs = await writeFilesAsTree(repo, [{ path: "a", content: "2\n" }], undefined);
    // My tree never landed and git gc pruned its blob: nothing on their branch holds "1\n".
    const blob = (await gitCli(gitdir, "rev-parse", `${mine}:a`)).trim();
    await rm(join(gitdir, "objects", blob.slice(0, 2), blob.slice(2)));
    // Built on their tree, the file goes back to "1\n": written again, not assumed present from the cache's tree.
    const next = await writeFilesAsTree(repo, [{ path: "a", content: "1\n" }, { path: "b", content: "3\n" }], { treeId: theirs, hasBlob: () => false }, cache);
    assert.equal(await gitCli(gitdir, "cat-file", "blob", `${next}:a`), "1\n");
    assert.notEqual(next, mine);
    assert.equal(cache.last?.treeId, next);
  });
});

async function treeEntries(repo: ReturnType<typeof openRepository>, treeId: string): Promise<[string, string][]> {
  // A GitTree opens a commit; a tree alone is read through a throwaway commit.
  const who = { name: "t", email: "t@example.org", timestamp: 1_700_000_000, timezoneOffset: 0 };
  const commit = writeCommitObject(repo.gitdir, { tree: treeId, parents: [], author: who, committer: who, message: "t\n" });
  return [...(await GitTree.open(repo, commit)).blobIds()];
}
