import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { runOci } from "../helpers/run-cli.js";
import { sampleSite } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { copySite } from "../helpers/temp-dirs.js";

const git = async (dir: string, ...args: string[]) => {
  const result = await runTool("git", ["-C", dir, ...args]);
  assert.equal(result.code, 0, result.output);
  return result.output;
};

/** The sample site as an operator's clone: a Git work tree with one commit, by a named operator. */
async function siteRepository(): Promise<string> {
  const site = await copySite(sampleSite);
  await git(site, "init", "-q", "-b", "main");
  await git(site, "config", "user.name", "Ada Operator");
  await git(site, "config", "user.email", "ada@example.com");
  await git(site, "add", "-A");
  await git(site, "commit", "-q", "-m", "the site");
  return site;
}

describe("oci reinstall in the site work tree: the machine's installGeneration raised, for review", () => {
  it("raises it by one, keeping the file's comments, and with --commit commits that file alone, by the operator, saying what and why", async () => {
    const site = await siteRepository();
    const path = "clusters/cl1/machines/cl1-compute-1.yaml";
    const before = await readFile(join(site, path), "utf8");
    await runTool("sh", ["-c", `echo '# unrelated work in progress' >> ${join(site, "site.yaml")}`]);
    const result = await runOci(["reinstall", "cl1-compute-1.cl1.example.com", "--site", site, "--commit"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^clusters\/cl1\/machines\/cl1-compute-1\.yaml: installGeneration 1 → 2$/m);
    assert.match(result.stdout, /oci reinstall cl1-compute-1\.cl1\.example\.com --power-cycle/);
    const after = await readFile(join(site, path), "utf8");
    assert.equal((parse(after) as { installGeneration: number }).installGeneration, 2);
    // Only the generation changed: every other line (comments too) as the operator wrote it.
    assert.deepEqual(after.split("\n").filter((l) => !before.split("\n").includes(l)), ["installGeneration: 2"]);
    assert.equal(await git(site, "log", "-1", "--format=%an <%ae>%n%s"), "Ada Operator <ada@example.com>\nReinstall cl1-compute-1: installGeneration 1 → 2\n");
    assert.equal(await git(site, "show", "--name-only", "--format=", "HEAD"), `${path}\n`);
    // The operator's other change stays theirs, uncommitted.
    assert.equal(await git(site, "status", "--porcelain"), " M site.yaml\n");
    // The plan of that commit says what it does.
    const plan = await runOci(["plan", "HEAD~1", "HEAD", "--repo", site]);
    assert.match(plan.stdout + plan.stderr, /installGeneration 1 → 2: it is reinstalled \(its disk is wiped\) at its next PXE boot/);
    // Again: 3, without a commit this time.
    const again = await runOci(["reinstall", "cl1-compute-1", "--site", site]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /installGeneration 2 → 3/);
    assert.match(again.stdout, /review and commit it/);
  });

  it("refuses a machine the site does not have, and one oci does not install, naming the file and what to do", async () => {
    const site = await copySite(sampleSite);
    const unknown = await runOci(["reinstall", "cl1-compute-9", "--site", site]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /reinstall cl1-compute-9: no machine file of the site has hostname cl1-compute-9 \(machines: cl1-cephmon-1, /);
    const volume = await runOci(["reinstall", "cl1-volume-1", "--site", site]);
    assert.equal(volume.code, 2);
    assert.match(volume.stderr, /clusters\/cl1\/machines\/cl1-volume-1\.yaml has no `install: true`/);
    assert.equal(await readFile(join(site, "clusters/cl1/machines/cl1-volume-1.yaml"), "utf8"), await readFile(join(sampleSite, "clusters/cl1/machines/cl1-volume-1.yaml"), "utf8"));
  });
});
