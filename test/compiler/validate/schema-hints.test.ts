import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { MemoryTree } from "../../../compiler/load/site-tree.js";
import { branchNameProblem } from "../../../compiler/validate/ref-name.js";
import { sampleSite } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";

const MACHINE = "clusters/cl1/machines/cl1-compute-1.yaml";

/** sample-site with one file edited, compiled in memory. */
async function compileEdited(path: string, edit: (text: string) => string) {
  const tree = new DirectoryTree(sampleSite);
  const files = new Map<string, string>();
  for (const p of await tree.listFiles()) files.set(p, await tree.readFile(p));
  const text = edit(files.get(path)!);
  assert.notEqual(text, files.get(path), "the edit applies");
  files.set(path, text);
  return compile({ tree: new MemoryTree(files) });
}

/** The diagnostics of the edited file. */
async function compileWith(path: string, edit: (text: string) => string) {
  return (await compileEdited(path, edit)).diagnostics.filter((d) => d.file === path);
}

describe("schema diagnostics: hints that bind what the operator meant, limits that say the limit", () => {
  for (const [written, parsedAs] of [["00123456", "123456"], ["12E45", "1.2e+46"], ["0x1F", "31"]] as const) {
    it(`an unquoted serial ${written} (YAML reads ${parsedAs}): the hint quotes the text as written`, async () => {
      const [d] = await compileWith(MACHINE, (t) => t.replace(/^serial: .*$/m, `serial: ${written}`));
      assert.equal(d?.code, "OCI1102");
      assert.equal(d?.hint, `quote the value as written: "${written}"`);
    });
  }

  it("a value over a length limit: the hint states the limit", async () => {
    const [d] = await compileWith("clusters/cl1/cluster.yaml", (t) => t.replace(/^(\s+- id: 1\n\s+)name: .*$/m, `$1name: ${"x".repeat(65)}`));
    assert.equal(d?.code, "OCI1104", JSON.stringify(d));
    assert.match(d?.hint ?? "", /Limit: at most 64 characters\.$/);
  });

  it("a number over its maximum: the hint states the maximum", async () => {
    const [d] = await compileWith("clusters/cl1/cluster.yaml", (t) => t.replace(/^(\s+)partPower: \d+$/m, "$1partPower: 23"));
    assert.equal(d?.code, "OCI1104", JSON.stringify(d));
    assert.match(d?.hint ?? "", /Limit: at most 22\.$/);
  });
});

describe("branch names: what git check-ref-format --branch refuses, the compile refuses", () => {
  for (const name of ["a..b", "a//b", "oci/", "oci/rendered.", "oci/.hidden", "oci/x.lock", "HEAD", "oci/rendered", "release-1.2/rendered"]) {
    it(name, async () => {
      const git = await runTool("git", ["check-ref-format", "--branch", name]);
      assert.equal(branchNameProblem(name) === undefined, git.code === 0, `${name}: ours ${branchNameProblem(name)}, git exit ${git.code}`);
    });
  }
});

describe("one mistake, one diagnostic", () => {
  it("a schema error in a controller's file does not also claim the cluster is short of controllers", async () => {
    const path = "clusters/cl1/machines/cl1-controller-3.yaml";
    const { diagnostics } = await compileEdited(path, (t) => t.replace("role: controller", "role: controler"));
    assert.deepEqual(diagnostics.map((d) => `${d.file} ${d.code}`), [`${path} OCI1104`]);
  });
});

describe("unknown keys", () => {
  it("a YAML merge key gets a hint about merge keys, not \"did you mean ip\"", async () => {
    const [d] = await compileWith(MACHINE, (t) => t.replace("  - network: pxe\n", "  - network: pxe\n    <<: { mtu: 9000 }\n"));
    assert.equal(d?.code, "OCI1101", JSON.stringify(d));
    assert.match(d?.hint ?? "", /^YAML merge keys \(<<\) are not read in site files/);
  });

  it("a typo still gets its suggestion", async () => {
    const d = (await compileWith(MACHINE, (t) => t.replace("hostname:", "hostnmae:"))).find((x) => x.code === "OCI1101");
    assert.equal(d?.hint, 'did you mean "hostname"?');
  });
});

describe("the VIP where OCI puts it", () => {
  it("on the public network the controllers share: compiles, and hiera names that network", async () => {
    const result = await compileEdited("clusters/cl1/cluster.yaml", (t) => t.replace("  network: management", "  network: public"));
    assert.deepEqual(result.diagnostics, []);
    const hiera = result.files!.find((f) => f.path === "hiera/clusters/cl1.yaml")!.content;
    assert.match(hiera, /^oci::cluster::vip_network: public$/m);
    const vip = /^oci::cluster::vip: "?([\d.]+)"?$/m.exec(hiera)?.[1];
    assert.match(vip ?? "", /^198\.51\.100\./, "allocated on the public network");
  });
});
