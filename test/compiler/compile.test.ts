import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { compile } from "../../compiler/index.js";
import { yamlText } from "../../compiler/emit/output-file.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { sampleSite } from "../helpers/paths.js";

describe("compile of sample-site", () => {
  it("is clean: no errors, no warnings", async () => {
    const result = await compile({ tree: new DirectoryTree(sampleSite) });
    assert.deepEqual(result.diagnostics, []);
    assert.ok(result.files && result.files.length > 0);
  });

  it("is deterministic: recompiling on its own previous render gives the same bytes", async () => {
    const a = await compile({ tree: new DirectoryTree(sampleSite) });
    const files = new Map(a.files!.map((f) => [f.path, f.content]));
    const b = await compile({ tree: new DirectoryTree(sampleSite), previous: { label: "a/", readFile: async (p) => files.get(p) } });
    assert.deepEqual(b.files, a.files);
    assert.deepEqual(b.credentials!.createdSecrets, [], "every secret re-used");
  });

  it("hashes every other file in manifest.json", async () => {
    const { files } = await compile({ tree: new DirectoryTree(sampleSite) });
    const manifest = JSON.parse(files!.find((f) => f.path === "manifest.json")!.content) as { files: Record<string, string> };
    const others = files!.filter((f) => f.path !== "manifest.json");
    assert.deepEqual(Object.keys(manifest.files), others.map((f) => f.path));
    for (const file of others) assert.equal(manifest.files[file.path], createHash("sha256").update(file.content).digest("hex"));
  });

  it("emits hiera and ENC for every machine, with the topology OCI would choose", async () => {
    const { ir, files } = await compile({ tree: new DirectoryTree(sampleSite) });
    assert.equal(ir!.machines.length, 19);
    const paths = new Set(files!.map((f) => f.path));
    for (const m of ir!.machines) {
      assert.ok(paths.has(`hiera/nodes/${m.fqdn}.yaml`));
      assert.ok(paths.has(`enc/${m.fqdn}.yaml`));
    }
    const cluster = ir!.clusters[0]!;
    assert.deepEqual(cluster.backends, { cinder: "ceph", glance: "ceph", nova: "ceph" });
    assert.deepEqual(cluster.waves.map((w) => w.name), ["cephmon", "cephosd", "controller", "other"]);
    assert.deepEqual(cluster.topology.cephMons, ["cl1-cephmon-1", "cl1-cephmon-2", "cl1-cephmon-3"]);
    assert.equal(ir!.machines.find((m) => m.hostname === "cl1-compute-2")!.compute!.storage, "local");
    const enc = parse(files!.find((f) => f.path === "enc/cl1-controller-1.cl1.example.com.yaml")!.content) as { classes: string[]; environment: string };
    assert.deepEqual(enc.classes, ["oci::role::controller"]);
    assert.equal(enc.environment, "production");
  });

  it("writes no timestamps or absolute paths into the render", async () => {
    const { files } = await compile({ tree: new DirectoryTree(sampleSite) });
    for (const file of files!) {
      assert.doesNotMatch(file.content, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, file.path);
      assert.ok(!file.content.includes(sampleSite), file.path);
      assert.ok(file.content.endsWith("\n") && !file.content.includes("\r"), file.path);
    }
  });
});

describe("YAML for Puppet (Psych reads YAML 1.1)", () => {
  it("quotes strings that YAML 1.1 would read as booleans, numbers or dates", () => {
    const value = { a: "no", b: "on", c: "2026-11-24", d: "12:34:56", e: "0x1f", f: "1_000" };
    const text = yamlText(value);
    assert.deepEqual(parse(text, { version: "1.1" }), value);
  });
});
