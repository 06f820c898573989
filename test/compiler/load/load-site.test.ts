import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DiagnosticBag } from "../../../compiler/diagnostics/diagnostic.js";
import { loadSite, parseSourceFile } from "../../../compiler/load/load-site.js";
import { placeOf } from "../../../compiler/load/site-layout.js";
import { MemoryTree } from "../../../compiler/load/site-tree.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { mkdir, rename, symlink, writeFile } from "node:fs/promises";
import { compile } from "../../../compiler/index.js";
import { openRepository } from "../../../compiler/load/git-repository.js";
import { GitTree } from "../../../compiler/load/git-tree.js";
import { gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { join } from "node:path";
import { sampleSite } from "../../helpers/paths.js";
import { copySite, tempDir } from "../../helpers/temp-dirs.js";

describe("site layout", () => {
  it("maps each place to its kind", () => {
    assert.equal(placeOf("site.yaml")?.kind, "Site");
    assert.equal(placeOf("networks/pxe.yaml")?.kind, "Network");
    assert.deepEqual(placeOf("clusters/c1/cluster.yaml"), { kind: "Cluster", cluster: "c1", stem: "c1" });
    assert.deepEqual(placeOf("clusters/c1/machines/a.yml"), { kind: "Machine", cluster: "c1", stem: "a" });
    assert.equal(placeOf("hardware-profiles/x.yaml")?.kind, "HardwareProfile");
    assert.equal(placeOf("inventory/discovered/SN1.yaml")?.kind, "DiscoveredHardware");
    assert.equal(placeOf("clusters/c1/extra/a.yaml"), undefined);
    assert.equal(placeOf("networks/sub/a.yaml"), undefined);
  });
});

describe("loader", () => {
  it("keeps positions: a value deep in the file maps to its line and column", () => {
    const diagnostics = new DiagnosticBag();
    const source = parseSourceFile("m.yaml", "a: 1\nlist:\n  - x: 1\n    ip: 10.0.0.1\n", diagnostics)!;
    assert.deepEqual(source.valueAt(["list", 0, "ip"]), { file: "m.yaml", line: 4, col: 9 });
    assert.deepEqual(source.keyAt(["list", 0], "ip"), { file: "m.yaml", line: 4, col: 5 });
    assert.deepEqual(source.valueAt(["list", 3, "nope"]), { file: "m.yaml", line: 3, col: 3 }, "falls back to the nearest ancestor: the list");
  });

  it("warns about YAML outside the layout, skips hidden folders and non-YAML files", async () => {
    const tree = new MemoryTree([
      ["site.yaml", "apiVersion: oci/v1\n"],
      ["notes/todo.yaml", "a: 1\n"],
      [".github/workflows/ci.yml", "on: push\n"],
      ["README.md", "# hi\n"],
    ]);
    const { files, diagnostics } = await loadSite(tree);
    assert.deepEqual(files.map((f) => f.source.path), ["site.yaml"]);
    const codes = diagnostics.sorted().map((d) => `${d.file} ${d.code}`);
    assert.deepEqual(codes, ["notes/todo.yaml OCI1008"]);
  });

  it("does not follow symbolic links out of a site directory, and skips hidden entries", async () => {
    const site = await copySite(sampleSite);
    const outside = await tempDir();
    await writeFile(join(outside, "evil.yaml"), "apiVersion: oci/v1\nkind: Network\n");
    await symlink(join(outside, "evil.yaml"), join(site, "networks/evil.yaml"));
    await symlink(outside, join(site, "networks/linked-dir"));
    await mkdir(join(site, ".github"));
    await writeFile(join(site, ".github/ci.yaml"), "on: push\n");
    const files = await new DirectoryTree(site).listFiles();
    assert.ok(files.includes("site.yaml") && files.includes("networks/pxe.yaml"));
    assert.ok(!files.some((f) => f.includes("evil") || f.includes("linked-dir") || f.startsWith(".github")), files.join(" "));
  });

  it("a symbolic link where a site file belongs is an error (OCI1017), not a machine silently dropped: from a directory and from a commit", async () => {
    const site = await copySite(sampleSite);
    const machines = join(site, "clusters/cl1/machines");
    await rename(join(machines, "cl1-compute-2.yaml"), join(site, "compute-2.txt"));
    await symlink("../../../compute-2.txt", join(machines, "cl1-compute-2.yaml"));
    await symlink("elsewhere", join(site, "README.yaml.link"));
    const fromDirectory = await compile({ tree: new DirectoryTree(site) });
    const expected = ["clusters/cl1/machines/cl1-compute-2.yaml:1:1 OCI1017"];
    const found = (d: { file: string; line: number; col: number; code: string }[]) => d.filter((x) => x.code === "OCI1017").map((x) => `${x.file}:${x.line}:${x.col} ${x.code}`);
    assert.deepEqual(found(fromDirectory.diagnostics), expected);
    assert.equal(fromDirectory.files, undefined, "nothing rendered");

    const repo = await repoFromSite(site);
    assert.match(await gitCli(repo, "ls-tree", "HEAD", "clusters/cl1/machines/cl1-compute-2.yaml"), /^120000 /, "git holds the link as a link");
    const fromCommit = await compile({ tree: await GitTree.open(openRepository(repo), (await gitCli(repo, "rev-parse", "HEAD")).trim()) });
    assert.deepEqual(found(fromCommit.diagnostics), expected);
  });
});
