import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { materializeCase } from "../helpers/bad-site-case.js";
import { freshKeystore } from "../helpers/keystore.js";
import { sampleSite } from "../helpers/paths.js";
import { runOci } from "../helpers/run-cli.js";
import { copySite, readTree, tempDir } from "../helpers/temp-dirs.js";

describe("oci compile / validate (CLI contract)", () => {
  it("compiling sample-site twice into the same directory gives an identical tree", async () => {
    const out = join(await tempDir(), "A");
    const a = await runOci(["compile", sampleSite, "--out", out]);
    assert.equal(a.code, 0, a.stderr);
    const first = await readTree(out);
    const b = await runOci(["compile", sampleSite, "--out", out]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(await readTree(out), first);
    const fresh = join(await tempDir(), "B");
    await runOci(["compile", sampleSite, "--out", fresh]);
    const secrets = [...(await readTree(fresh))].filter(([path, text]) => text !== first.get(path)).map(([path]) => path);
    assert.ok(secrets.length > 0 && secrets.every((p) => p.startsWith("hiera/") || p === "manifest.json"), "only a fresh render (no previous) generates new secrets");
  });

  it("tells how far a long compile is on stderr (here every step, OCI_PROGRESS_EVERY_MS=0); --json says nothing but the diagnostics", async () => {
    const { dir } = await freshKeystore();
    const env = { ...process.env, OCI_PROGRESS_EVERY_MS: "0" };
    const result = await runOci(["compile", sampleSite, "--out", join(await tempDir(), "render"), "--keystore", dir], { env });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split("\n").filter((l) => /^oci: (secrets|certificates) /.test(l));
    assert.match(lines[0]!, /^oci: secrets 0\/\d+ \(0%\)$/);
    assert.ok(lines.includes("oci: certificates 20/20 (100%)"), lines.slice(-3).join("\n"));
    const json = await runOci(["compile", sampleSite, "--out", join(await tempDir(), "render"), "--keystore", dir, "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.doesNotMatch(json.stderr, /oci: (secrets|certificates) /);
  });

  it("replaces a previous render whole and keeps its allocations", async () => {
    const site = await copySite(sampleSite);
    const out = join(await tempDir(), "render");
    assert.equal((await runOci(["compile", site, "--out", out])).code, 0);
    const first = await readTree(out);
    await writeFile(join(site, "clusters/cl1/machines/cl1-compute-0.yaml"), (await readFile(join(site, "clusters/cl1/machines/cl1-compute-2.yaml"), "utf8"))
      .replace("hostname: cl1-compute-2", "hostname: cl1-compute-0").replace("CZ300005", "CZ3000AA").replaceAll("52:54:00:00:00:05", "52:54:00:00:0a:05"));
    const second = await runOci(["compile", site, "--out", out]);
    assert.equal(second.code, 0, second.stderr);
    const after = await readTree(out);
    assert.ok(after.has("hiera/nodes/cl1-compute-0.cl1.example.com.yaml"));
    assert.equal(after.get("hiera/nodes/cl1-compute-2.cl1.example.com.yaml"), first.get("hiera/nodes/cl1-compute-2.cl1.example.com.yaml"), "the neighbour's data did not move");
    const siblings = await readdir(join(out, ".."));
    assert.deepEqual(siblings, ["render"], "no staging or retired directory is left behind");
  });

  it("refuses to replace a directory that is not a render, and leaves it untouched", async () => {
    const out = await tempDir();
    await writeFile(join(out, "precious.txt"), "keep me");
    const result = await runOci(["compile", sampleSite, "--out", out]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /not an oci render/);
    assert.equal(await readFile(join(out, "precious.txt"), "utf8"), "keep me");
  });

  it("exit 1 with GCC-style diagnostics and a summary on stderr for an invalid site; nothing written", async () => {
    const site = await materializeCase("many-errors-at-once");
    const out = join(await tempDir(), "render");
    const result = await runOci(["compile", site, "--out", out]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^clusters\/c1\/machines\/c1-cmp-1\.yaml:4:7: error OCI1104: /m);
    assert.match(result.stderr, /^networks\/management\.yaml:6:10: error OCI1304: /m);
    assert.match(result.stderr, /^oci: 3 errors, 0 warnings$/m);
    await assert.rejects(readdir(out));
  });

  it("validate: exit 0 on a valid site, 1 with --json diagnostics on stdout for an invalid one", async () => {
    const ok = await runOci(["validate", sampleSite]);
    assert.equal(ok.code, 0, ok.stderr);
    const site = await materializeCase("duplicate-mac");
    const bad = await runOci(["validate", site, "--json"]);
    assert.equal(bad.code, 1);
    const diagnostics = JSON.parse(bad.stdout) as { code: string; file: string; hint?: string }[];
    assert.deepEqual(diagnostics.map((d) => d.code), ["OCI1203"]);
    assert.ok(diagnostics[0]!.hint);
  });

  it("exit 2 on usage errors, 0 on --help for every command", async () => {
    assert.equal((await runOci(["compile", sampleSite])).code, 2, "--out is required");
    assert.equal((await runOci(["frobnicate"])).code, 2);
    assert.equal((await runOci(["compile", "--no-such-flag"])).code, 2);
    for (const command of [[], ["validate"], ["compile"]]) {
      const help = await runOci([...command, "--help"]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Usage: oci/);
    }
  });

  it("a site directory that does not exist, or is a file: exit 2 and a sentence that says what to give, not a raw ENOENT", async () => {
    for (const [dir, says] of [["/nonexistent/site", "does not exist"], [`${sampleSite}/site.yaml`, "is not a directory"]] as const) {
      const result = await runOci(["validate", dir]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`^oci: error OCI2102: site directory \\S+ ${says}: give the directory that holds site\\.yaml`));
      assert.doesNotMatch(result.stderr, /ENOENT|ENOTDIR/);
    }
  });

  it("an empty directory is a valid --out target", async () => {
    const out = join(await tempDir(), "empty");
    await mkdir(out);
    const result = await runOci(["compile", sampleSite, "--out", out]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await readTree(out)).has("manifest.json"));
  });
});
