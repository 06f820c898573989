import assert from "node:assert/strict";
import { mkdir, writeFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { commitAll, gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";
import { readTree, tempDir } from "../../helpers/temp-dirs.js";

describe("reading sites from Git commits", () => {
  it("validate and compile --rev read a repository made by the git CLI, without a checkout", async () => {
    const repo = await repoFromSite(sampleSite);
    const first = (await gitCli(repo, "rev-parse", "HEAD")).trim();
    await writeFile(join(repo, "clusters/cl1/machines/cl1-compute-2.yaml"), "kind: Machine\n");
    await commitAll(repo, "Break a machine");
    await gitCli(repo, "tag", "-a", "-m", "good", "v1", first);

    const broken = await runOci(["validate", "--rev", "HEAD", "--repo", repo, "--json"]);
    assert.equal(broken.code, 1);
    assert.ok((JSON.parse(broken.stdout) as { file: string }[]).every((d) => d.file === "clusters/cl1/machines/cl1-compute-2.yaml"));
    for (const rev of ["HEAD~1", "main^", first, first.slice(0, 8), "v1"]) {
      const ok = await runOci(["validate", "--rev", rev, "--repo", repo]);
      assert.equal(ok.code, 0, `${rev}: ${ok.stderr}`);
    }
    const unknown = await runOci(["validate", "--rev", "no-such-branch", "--repo", repo]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown revision "no-such-branch"/);

    const out = join(await tempDir(), "render");
    assert.equal((await runOci(["compile", "--rev", "HEAD~1", "--repo", repo, "--out", out])).code, 0);
    const fromDir = join(await tempDir(), "render");
    assert.equal((await runOci(["compile", sampleSite, "--out", fromDir, "--previous", out])).code, 0);
    assert.deepEqual(await readTree(out), await readTree(fromDir), "a commit and a directory of the same site render the same");
  });
});

describe("the rendered branch", () => {
  it("holds one commit per render, with the Source-Commit trailer, that git fsck --strict accepts", async () => {
    const repo = await repoFromSite(sampleSite);
    const source = (await gitCli(repo, "rev-parse", "HEAD")).trim();
    const first = await runOci(["compile", "--commit", "--repo", repo]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /committed [0-9a-f]{40} on oci\/rendered/);
    const again = await runOci(["compile", "--commit", "--repo", repo, "--rev", source]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /render unchanged/);

    await gitCli(repo, "fsck", "--strict", "--no-dangling");
    assert.equal((await gitCli(repo, "rev-list", "--count", "oci/rendered")).trim(), "1", "the same source twice makes one commit");
    assert.equal((await gitCli(repo, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)", "oci/rendered")).trim(), source);

    const out = join(await tempDir(), "render");
    await runOci(["compile", sampleSite, "--out", out]);
    const expected = await readTree(out);
    const listed = (await gitCli(repo, "ls-tree", "-r", "--name-only", "oci/rendered")).trim().split("\n");
    assert.deepEqual(listed, [...expected.keys()]);
    assert.equal(await gitCli(repo, "show", "oci/rendered:dhcp/dhcpd.conf"), expected.get("dhcp/dhcpd.conf"));
  });

  it("git diff between two rendered commits shows exactly the files oci plan says changed", async () => {
    const repo = await repoFromSite(sampleSite);
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    await gitCli(repo, "checkout", "-q", "-b", "add-compute");
    await addComputeToSample(repo);
    await commitAll(repo, "Add cl1-compute-3");
    const plan = await runOci(["plan", "main", "HEAD", "--repo", repo, "--format", "json"]);
    assert.equal(plan.code, 0, plan.stderr);
    const planned = (JSON.parse(plan.stdout) as { files: { path: string }[] }).files.map((f) => f.path);

    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    const parents = (await gitCli(repo, "rev-list", "--parents", "oci/rendered")).trim().split("\n").map((l) => l.split(" ").length);
    assert.deepEqual(parents, [2, 1], "linear: the second render's parent is the first");
    const changed = (await gitCli(repo, "diff", "--name-only", "oci/rendered~1", "oci/rendered")).trim().split("\n");
    assert.deepEqual(changed, planned);
    await gitCli(repo, "fsck", "--strict", "--no-dangling");
  });

  it("two concurrent compile --commit processes both land, in a linear history, nothing lost", async () => {
    const repo = await repoFromSite(sampleSite);
    const sources = [(await gitCli(repo, "rev-parse", "HEAD")).trim()];
    for (const [host, mac] of [["cl1-compute-3", "91"], ["cl1-compute-4", "92"]] as const) {
      await addComputeToSample(repo, host, mac);
      sources.push(await commitAll(repo, `Add ${host}`));
    }
    await runOci(["compile", "--commit", "--repo", repo, "--rev", sources[0]!]);
    const results = await Promise.all([sources[1]!, sources[2]!].map((rev) => runOci(["compile", "--commit", "--repo", repo, "--rev", rev])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);

    const log = (await gitCli(repo, "log", "--format=%P|%(trailers:key=Source-Commit,valueonly,separator=)", "oci/rendered")).trim().split("\n");
    assert.equal(log.length, 3, "three renders: the base and one per concurrent process");
    assert.ok(log.every((line) => line.split("|")[0]!.split(" ").filter(Boolean).length <= 1), "no merge: linear");
    assert.deepEqual(new Set(log.map((l) => l.split("|")[1]!.trim())), new Set(sources));
    await gitCli(repo, "fsck", "--strict", "--no-dangling");
  });

  it("respects git's ref lock: a held lock makes compile --commit fail loudly and leaves the branch alone", async () => {
    const repo = await repoFromSite(sampleSite);
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    const tip = (await gitCli(repo, "rev-parse", "oci/rendered")).trim();
    await addComputeToSample(repo);
    await commitAll(repo, "Add cl1-compute-3");
    await mkdir(join(repo, ".git/refs/heads/oci"), { recursive: true });
    await writeFile(join(repo, ".git/refs/heads/oci/rendered.lock"), "held by another writer\n");
    const result = await runOci(["compile", "--commit", "--repo", repo]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /OCI3103/);
    assert.equal((await readFile(join(repo, ".git/refs/heads/oci/rendered"), "utf8")).trim(), tip);
  });

  it("an invalid source commit is not rendered", async () => {
    const repo = await repoFromSite(sampleSite);
    await writeFile(join(repo, "networks/pxe.yaml"), "kind: Network\n");
    await commitAll(repo, "Break the pxe network");
    const result = await runOci(["compile", "--commit", "--repo", repo]);
    assert.equal(result.code, 1);
    assert.equal((await gitCli(repo, "branch", "--list", "oci/rendered")).trim(), "");
  });
});
