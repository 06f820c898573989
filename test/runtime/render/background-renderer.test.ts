// The daemon's compiles run on a worker thread (background-renderer.ts). What it commits must be
// what an in-process render commits, with the keys that crossed the thread, and what it hands back
// must be the commit's files, byte for byte.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openRepository } from "../../../compiler/load/git-repository.js";
import { compareAndSwapRef } from "../../../runtime/git/compare-and-swap-ref.js";
import { writeCommitObject, writeTreeObject } from "../../../runtime/git/git-objects.js";
import { writeLooseObject } from "../../../runtime/git/loose-object.js";
import { BackgroundRenderer } from "../../../runtime/render/background-renderer.js";
import { renderStatementOf } from "../../../runtime/render/render-branch.js";
import { RenderSigner, RenderVerifier } from "../../../runtime/render/render-signature.js";
import { commitAll, gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { sampleSite } from "../../helpers/paths.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";

const renderers: BackgroundRenderer[] = [];
after(async () => {
  for (const renderer of renderers) await renderer.close();
});

/** Every file of a commit's tree, as the git CLI reads it. */
async function treeOf(repo: string, commit: string): Promise<Map<string, Buffer>> {
  const paths = (await gitCli(repo, "ls-tree", "-r", "--name-only", commit)).trim().split("\n");
  const files = new Map<string, Buffer>();
  for (const path of paths) files.set(path, Buffer.from(await gitCli(repo, "show", `${commit}:${path}`), "utf8"));
  return files;
}

describe("the background renderer", () => {
  it("commits signed renders on its thread, one after another on its caches, and hands back each commit's files", async () => {
    const repo = await repoFromSite(sampleSite);
    const { ca } = await freshKeystore();
    const signer = new RenderSigner(generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    const renderer = new BackgroundRenderer(openRepository(repo));
    renderers.push(renderer);
    const phases = new Set<string>();

    const first = await renderer.commitRender((await gitCli(repo, "rev-parse", "HEAD")).trim(), { ca, signer, progress: (phase) => phases.add(phase) });
    assert.equal(first.status, "committed");
    await addComputeToSample(repo);
    const second = await renderer.commitRender(await commitAll(repo, "Add cl1-compute-3"), { ca, signer, verifier: new RenderVerifier([signer.publicKey]) });
    assert.equal(second.status, "committed");
    if (first.status !== "committed" || second.status !== "committed") return;

    assert.equal(second.parent, first.commit, "the second render builds on the first");
    await gitCli(repo, "fsck", "--strict", "--no-dangling");
    for (const outcome of [first, second]) {
      assert.deepEqual(outcome.files, await treeOf(repo, outcome.commit), "the files handed back are the commit's");
      const read = await renderStatementOf(openRepository(repo), outcome.commit);
      assert.equal(new RenderVerifier([signer.publicKey]).problem(read!.message, read!.statement), undefined, "signed with the key that crossed the thread");
    }
    assert.ok([...second.files!.keys()].some((p) => p.includes("cl1-compute-3")), "the change is in the render");
    assert.ok(phases.size > 0, "the worker's progress reached this thread");
    // What stays the same between the renders stays byte for byte (secrets, certificates, IPAM).
    assert.ok(first.files!.get("hiera/common.yaml")!.equals(second.files!.get("hiera/common.yaml")!));

    // The second render came over as what changed since the first; a third removes files: the
    // render built from the one before and the changes is still the commit's, file for file.
    await rm(join(repo, "clusters/cl1/machines/cl1-compute-3.yaml"));
    const third = await renderer.commitRender(await commitAll(repo, "Remove cl1-compute-3"), { ca, signer });
    assert.equal(third.status, "committed");
    if (third.status !== "committed") return;
    assert.deepEqual(third.files, await treeOf(repo, third.commit));
    assert.ok(![...third.files!.keys()].some((p) => p.includes("cl1-compute-3")), "its files are gone");
    assert.ok([...second.files!.keys()].some((p) => p.includes("cl1-compute-3")), "the render before keeps its files: the third is a new map");
  });

  it("reports an invalid site's diagnostics and commits nothing", async () => {
    const repo = await repoFromSite(sampleSite);
    const path = join(repo, "clusters/cl1/machines/cl1-compute-2.yaml");
    await writeFile(path, (await readFile(path, "utf8")).replace("role: compute", "role: computer"));
    const renderer = new BackgroundRenderer(openRepository(repo));
    renderers.push(renderer);
    const outcome = await renderer.commitRender(await commitAll(repo, "Break a role"));
    assert.equal(outcome.status, "invalid");
    if (outcome.status !== "invalid") return;
    assert.ok(outcome.diagnostics.some((d) => d.file === "clusters/cl1/machines/cl1-compute-2.yaml" && d.severity === "error"));
    assert.equal((await gitCli(repo, "branch", "--list", "oci/rendered")).trim(), "");
  });

  it("reads a rendered commit's files for the daemon, and refuses one whose file does not match the manifest", async () => {
    const repo = await repoFromSite(sampleSite);
    const renderer = new BackgroundRenderer(openRepository(repo));
    renderers.push(renderer);
    const outcome = await renderer.commitRender((await gitCli(repo, "rev-parse", "HEAD")).trim());
    assert.equal(outcome.status, "committed");
    if (outcome.status !== "committed") return;
    assert.deepEqual(await renderer.releaseFiles(outcome.commit, "r"), await treeOf(repo, outcome.commit));

    // A hand-made commit whose dhcpd.conf was edited after the render.
    const gitdir = join(repo, ".git");
    const files = await treeOf(repo, outcome.commit);
    files.set("dhcp/dhcpd.conf", Buffer.concat([files.get("dhcp/dhcpd.conf")!, Buffer.from("# edited by hand\n")]));
    const tree = writeTree(gitdir, files);
    const who = { name: "someone", email: "someone@example.org", timestamp: 1_800_000_000, timezoneOffset: 0 };
    const edited = writeCommitObject(gitdir, { tree, parents: [outcome.commit], author: who, committer: who, message: "Edit\n" });
    await compareAndSwapRef(gitdir, "refs/heads/edited", undefined, edited);
    await assert.rejects(renderer.releaseFiles(edited, "edited"), /dhcp\/dhcpd\.conf does not match its hash/);
  });
});

function writeTree(gitdir: string, files: ReadonlyMap<string, Buffer>): string {
  const folders = new Map<string, Map<string, Buffer>>();
  const root: { name: string; oid: string; kind: "blob" | "tree" }[] = [];
  for (const [path, content] of files) {
    const slash = path.indexOf("/");
    if (slash < 0) root.push({ name: path, oid: writeLooseObject(gitdir, "blob", content), kind: "blob" });
    else {
      const folder = folders.get(path.slice(0, slash)) ?? folders.set(path.slice(0, slash), new Map()).get(path.slice(0, slash))!;
      folder.set(path.slice(slash + 1), content);
    }
  }
  for (const [name, inner] of folders) root.push({ name, oid: writeTree(gitdir, inner), kind: "tree" });
  return writeTreeObject(gitdir, root);
}
