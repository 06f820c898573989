import assert from "node:assert/strict";
import { stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compareAndSwapRef, readRef, RefLockedError, RefMovedError, removeStaleLock } from "../../../runtime/git/compare-and-swap-ref.js";
import { writeCommitObject, writeTreeObject } from "../../../runtime/git/git-objects.js";
import { writeLooseObject } from "../../../runtime/git/loose-object.js";
import { gitCli } from "../../helpers/git-repo.js";
import { tempDir } from "../../helpers/temp-dirs.js";

async function bareRepo(): Promise<string> {
  const gitdir = join(await tempDir("oci-objects-"), "repo.git");
  await gitCli(await tempDir("oci-objects-cwd-"), "init", "-q", "--bare", "-b", "main", gitdir);
  return gitdir;
}

const identity = { name: "oci", email: "oci@localhost", timestamp: 1_700_000_000, timezoneOffset: -60 };
const THREE_WEEKS_MS = 21 * 24 * 3600 * 1000;

function objectPath(gitdir: string, oid: string): string {
  return join(gitdir, "objects", oid.slice(0, 2), oid.slice(2));
}

async function age(path: string): Promise<void> {
  const old = new Date(Date.now() - THREE_WEEKS_MS);
  await utimes(path, old, old);
}

describe("git objects written without git", () => {
  it("blob, tree and commit are the objects git would write, and git fsck accepts them", async () => {
    const gitdir = await bareRepo();
    const blob = writeLooseObject(gitdir, "blob", Buffer.from("hello\n"));
    const file = join(await tempDir("oci-objects-file-"), "hello");
    await writeFile(file, "hello\n");
    assert.equal(blob, (await gitCli(gitdir, "hash-object", "--no-filters", file)).trim());
    const tree = writeTreeObject(gitdir, [{ name: "z.txt", oid: blob, kind: "blob" }, { name: "a", oid: writeTreeObject(gitdir, [{ name: "b", oid: blob, kind: "blob" }]), kind: "tree" }]);
    const commit = writeCommitObject(gitdir, { tree, parents: [], author: identity, committer: identity, message: "First\n" });
    await compareAndSwapRef(gitdir, "refs/heads/main", undefined, commit);
    assert.equal((await gitCli(gitdir, "rev-parse", "main^{tree}")).trim(), tree);
    assert.equal(await gitCli(gitdir, "show", "main:a/b"), "hello\n");
    assert.match(await gitCli(gitdir, "cat-file", "-p", commit), /^author oci <oci@localhost> 1700000000 \+0100$/m);
    assert.equal(await gitCli(gitdir, "fsck", "--strict", "--no-dangling"), "");
  });

  it("an object written again is freshened, so git gc's age-based prune keeps it until the ref points at it", async () => {
    const gitdir = await bareRepo();
    const kept = writeLooseObject(gitdir, "blob", Buffer.from("written again\n"));
    const left = writeLooseObject(gitdir, "blob", Buffer.from("not written again\n"));
    await age(objectPath(gitdir, kept));
    await age(objectPath(gitdir, left));
    assert.equal(writeLooseObject(gitdir, "blob", Buffer.from("written again\n")), kept);
    assert.ok(Date.now() - (await stat(objectPath(gitdir, kept))).mtimeMs < THREE_WEEKS_MS / 2);
    await gitCli(gitdir, "prune", "--expire=2.weeks.ago");
    await gitCli(gitdir, "cat-file", "-e", kept);
    await assert.rejects(gitCli(gitdir, "cat-file", "-e", left), /failed/, "the control, not written again, is pruned");
  });
});

describe("compare-and-swap of a ref", () => {
  async function repoWithCommits(): Promise<{ gitdir: string; first: string; second: string }> {
    const gitdir = await bareRepo();
    const tree = writeTreeObject(gitdir, []);
    const first = writeCommitObject(gitdir, { tree, parents: [], author: identity, committer: identity, message: "1\n" });
    const second = writeCommitObject(gitdir, { tree, parents: [first], author: identity, committer: identity, message: "2\n" });
    return { gitdir, first, second };
  }

  it("moves the ref only from the expected value, and git sees the move", async () => {
    const { gitdir, first, second } = await repoWithCommits();
    await compareAndSwapRef(gitdir, "refs/heads/main", undefined, first);
    await assert.rejects(compareAndSwapRef(gitdir, "refs/heads/main", undefined, second), RefMovedError);
    await compareAndSwapRef(gitdir, "refs/heads/main", first, second);
    assert.equal((await gitCli(gitdir, "rev-parse", "main")).trim(), second);
    await assert.rejects(compareAndSwapRef(gitdir, "refs/heads/main", first, first), RefMovedError);
  });

  it("reads a ref git packed, and a loose ref shadows its packed line", async () => {
    const { gitdir, first, second } = await repoWithCommits();
    await compareAndSwapRef(gitdir, "refs/heads/main", undefined, first);
    await gitCli(gitdir, "pack-refs", "--all");
    assert.equal(await readRef(gitdir, "refs/heads/main"), first);
    await compareAndSwapRef(gitdir, "refs/heads/main", first, second);
    assert.equal(await readRef(gitdir, "refs/heads/main"), second);
    assert.equal((await gitCli(gitdir, "rev-parse", "main")).trim(), second);
  });

  it("respects git's lock, and removes only a lock that stood still for the grace period", async () => {
    const { gitdir, first } = await repoWithCommits();
    const lock = join(gitdir, "refs/heads/main.lock");
    await writeFile(lock, "");
    await assert.rejects(compareAndSwapRef(gitdir, "refs/heads/main", undefined, first), RefLockedError);
    assert.equal(await removeStaleLock(gitdir, "refs/heads/main", 2_000), false, "a fresh lock is a live writer's");
    await age(lock);
    assert.equal(await removeStaleLock(gitdir, "refs/heads/main", 2_000), true);
    await compareAndSwapRef(gitdir, "refs/heads/main", undefined, first);
    assert.equal((await gitCli(gitdir, "rev-parse", "main")).trim(), first);
  });
});
