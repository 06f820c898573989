import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openRepository } from "../../../compiler/load/git-repository.js";
import { PackedObjects } from "../../../compiler/load/packed-object.js";
import { DamagedObjectError, readBlob } from "../../../compiler/load/read-blob.js";
import { gitCli } from "../../helpers/git-repo.js";
import { tempDir } from "../../helpers/temp-dirs.js";

/** The bytes `git cat-file blob` gives: the reference for every read. */
const catFile = (repo: string, oid: string) => execFileSync("git", ["cat-file", "blob", oid], { cwd: repo });

async function repoWithFiles(): Promise<{ dir: string; blobs: Map<string, string> }> {
  const dir = await tempDir("oci-read-blob-");
  await gitCli(dir, "init", "-q", "-b", "main");
  const contents = ["", "a\n", "é ✓ ünïcode\n", "x".repeat(300_000), Buffer.from([0, 1, 2, 255, 0]).toString("latin1")];
  for (const [i, content] of contents.entries()) await writeFile(join(dir, `f${i}`), content, "latin1");
  await gitCli(dir, "add", "-A");
  await gitCli(dir, "commit", "-q", "-m", "files");
  const blobs = new Map<string, string>();
  for (const line of (await gitCli(dir, "ls-tree", "HEAD")).trim().split("\n")) {
    const [, oid, path] = /^\d+ blob ([0-9a-f]{40})\t(.+)$/.exec(line)!;
    blobs.set(path!, oid!);
  }
  return { dir, blobs };
}

describe("reading a blob", () => {
  it("gives git's bytes, loose and, after git gc, packed", async () => {
    const { dir, blobs } = await repoWithFiles();
    assert.equal(blobs.size, 5);
    for (const packed of [false, true]) {
      if (packed) await gitCli(dir, "gc", "-q", "--prune=now");
      const looseCount = Number(/count: (\d+)/.exec(await gitCli(dir, "count-objects", "-v"))![1]);
      assert.equal(looseCount === 0, packed, "the objects are where this case needs them");
      const repo = openRepository(dir);
      for (const [path, oid] of blobs) assert.deepEqual(await readBlob(repo, oid), catFile(dir, oid), `${path}, ${packed ? "packed" : "loose"}`);
    }
  });

  it("reads packs of deltas itself, on offsets and on named bases, as git reads them", async () => {
    const dir = await tempDir("oci-read-pack-");
    await gitCli(dir, "init", "-q", "-b", "main");
    // Similar files over several commits: git stores most of them as deltas, in chains.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 40; i++) {
        const lines = Array.from({ length: 60 }, (_, l) => `key${l}: value ${l} of machine ${i}${l === round * 7 ? ` changed in round ${round}` : ""}`);
        await writeFile(join(dir, `m${i}.yaml`), `${lines.join("\n")}\n`);
      }
      await gitCli(dir, "add", "-A");
      await gitCli(dir, "commit", "-q", "-m", `round ${round}`);
    }
    const blobs = (await gitCli(dir, "rev-list", "--objects", "--all")).trim().split("\n").map((l) => l.split(" ")[0]!)
      .filter((oid) => execFileSync("git", ["cat-file", "-t", oid], { cwd: dir, encoding: "utf8" }).trim() === "blob");
    assert.ok(blobs.length >= 150, `${blobs.length} blobs`);
    for (const [form, repack] of [["offset deltas", ["repack", "-adf", "--depth=50", "--window=50"]], ["named bases", ["-c", "repack.useDeltaBaseOffset=false", "repack", "-adf", "--depth=50", "--window=50"]]] as const) {
      await gitCli(dir, ...repack);
      await gitCli(dir, "prune-packed");
      const idx = (await readdir(join(dir, ".git/objects/pack"))).filter((n) => n.endsWith(".idx"));
      assert.equal(idx.length, 1);
      const verify = await gitCli(dir, "verify-pack", "-v", join(dir, ".git/objects/pack", idx[0]!));
      const chained = verify.split("\n").filter((l) => /^[0-9a-f]{40} blob +\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(l)).length;
      assert.ok(chained > 50, `${form}: ${chained} blobs stored as deltas`);
      const reader = new PackedObjects(join(dir, ".git"));
      for (const oid of blobs) {
        const read = reader.read(oid);
        assert.equal(read?.type, "blob", `${form}: ${oid} read by our reader`);
        assert.deepEqual(read!.content, catFile(dir, oid), `${form}: ${oid}`);
      }
      const repo = openRepository(dir);
      for (const oid of blobs.slice(0, 20)) assert.deepEqual(await readBlob(repo, oid), catFile(dir, oid), `${form}: readBlob ${oid}`);
    }
  });

  it("refuses a loose object that is damaged or is not a blob", async () => {
    const { dir, blobs } = await repoWithFiles();
    const repo = openRepository(dir);
    const [first, second] = [blobs.get("f1")!, blobs.get("f2")!];
    // Another object's file under this id: it inflates, but does not hash to the id.
    const at = (oid: string) => join(dir, ".git/objects", oid.slice(0, 2), oid.slice(2));
    await chmod(at(first), 0o644);
    await writeFile(at(first), await readFile(at(second)));
    await assert.rejects(readBlob(repo, first), (error) => error instanceof DamagedObjectError && /does not hash to its id/.test(error.message));
    await writeFile(at(first), Buffer.from("not zlib"));
    await assert.rejects(readBlob(repo, first), (error) => error instanceof DamagedObjectError && error.oid === first);
    const tree = (await gitCli(dir, "rev-parse", "HEAD^{tree}")).trim();
    await assert.rejects(readBlob(repo, tree), /it is a tree, not a blob/);
  });
});
