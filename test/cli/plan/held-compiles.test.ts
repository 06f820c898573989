import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CompileResult, PreviousRender } from "../../../compiler/index.js";
import type { Diagnostic } from "../../../compiler/diagnostics/diagnostic.js";
import { HeldCompiles } from "../../../cli/plan/held-compiles.js";

/** A previous render of these files; `now` says whether it answers at once (an in-memory render) or by promise (a commit). */
const renderOf = (files: Record<string, string>, label = "oci/rendered@1234567:", now = false): PreviousRender => {
  const read = (path: string) => files[path];
  return { label, readFile: async (path) => read(path), ...(now ? { readFileNow: read } : {}) };
};

describe("HeldCompiles", () => {
  let clock = 1_000;
  let compiles = 0;
  /** A compile that reads `paths` of its previous render, and whose credentials hold until `sameUntil`. */
  const compiler = (paths: string[], sameUntil?: number, diagnostics: Diagnostic[] = []) => async (previous: PreviousRender | undefined): Promise<CompileResult> => {
    compiles++;
    for (const path of paths) await previous?.readFile(path);
    if (previous?.readFileNow) previous.readFileNow("now.txt");
    return { diagnostics, ...(sameUntil === undefined ? {} : { credentials: { sameUntil } as CompileResult["credentials"] }) };
  };

  it("gives a compile again for the same tree and the same content at every path it read, and only then", async () => {
    const held = new HeldCompiles(() => clock);
    compiles = 0;
    const make = compiler(["state/ipam.json", "hiera/nodes/a.yaml", "gone.txt"]);
    const first = await held.compile("t1", renderOf({ "state/ipam.json": "1", "hiera/nodes/a.yaml": "a", "other.txt": "x" }), make);
    assert.equal(await held.compile("t1", renderOf({ "state/ipam.json": "1", "hiera/nodes/a.yaml": "a", "other.txt": "changed, never read" }, "another label:"), make), first,
      "a file it did not read may differ, and so may the label when no diagnostic names it");
    assert.equal(compiles, 1);
    await held.compile("t1", renderOf({ "state/ipam.json": "2", "hiera/nodes/a.yaml": "a" }), make);
    assert.equal(compiles, 2, "a file it read differs");
    await held.compile("t1", renderOf({ "state/ipam.json": "2", "hiera/nodes/a.yaml": "a", "gone.txt": "now here" }), make);
    assert.equal(compiles, 3, "a file it found absent is there");
    await held.compile("t2", renderOf({ "state/ipam.json": "2", "hiera/nodes/a.yaml": "a", "gone.txt": "now here" }), make);
    assert.equal(compiles, 4, "another tree");
    await held.compile("t2", undefined, make);
    assert.equal(compiles, 5, "no previous render");
    await held.compile("t2", undefined, make);
    assert.equal(compiles, 5, "none again");
  });

  it("takes a hiera file as the same when its encrypted values are, whatever else differs in it", async () => {
    const held = new HeldCompiles(() => clock);
    compiles = 0;
    const make = compiler(["hiera/nodes/a.yaml"]);
    await held.compile("t", renderOf({ "hiera/nodes/a.yaml": 'oci::node::serial: "1"\nsecret: "ENC[PKCS7,AAAA]"\n' }), make);
    await held.compile("t", renderOf({ "hiera/nodes/a.yaml": '# another render\noci::node::serial: "2"\nsecret: "ENC[PKCS7,AAAA]"\n' }), make);
    assert.equal(compiles, 1);
    await held.compile("t", renderOf({ "hiera/nodes/a.yaml": 'oci::node::serial: "2"\nsecret: "ENC[PKCS7,BBBB]"\n' }), make);
    assert.equal(compiles, 2, "another encrypted value");
  });

  it("records what is read at once as well as by promise", async () => {
    const held = new HeldCompiles(() => clock);
    compiles = 0;
    const make = compiler([]);
    await held.compile("t", renderOf({ "now.txt": "1" }, "BASE render:", true), make);
    await held.compile("t", renderOf({ "now.txt": "1" }, "BASE render:", true), make);
    assert.equal(compiles, 1);
    await held.compile("t", renderOf({ "now.txt": "2" }, "BASE render:", true), make);
    assert.equal(compiles, 2);
  });

  it("holds a result until its credentials' sameUntil, and under another label only when no diagnostic names the previous render", async () => {
    const held = new HeldCompiles(() => clock);
    compiles = 0;
    clock = 1_000;
    const timed = compiler(["a"], 5_000);
    await held.compile("t", renderOf({ a: "1" }), timed);
    clock = 5_000;
    await held.compile("t", renderOf({ a: "1" }), timed);
    assert.equal(compiles, 1, "up to sameUntil itself");
    clock = 5_001;
    await held.compile("t", renderOf({ a: "1" }), timed);
    assert.equal(compiles, 2, "just after it");
    const damaged = compiler(["a"], undefined, [{ file: "oci/rendered@1234567:state/ipam.json", line: 1, col: 1, severity: "error", code: "OCI1013", message: "damaged" }]);
    await held.compile("u", renderOf({ a: "1" }), damaged);
    await held.compile("u", renderOf({ a: "1" }), damaged);
    assert.equal(compiles, 3);
    await held.compile("u", renderOf({ a: "1" }, "origin/oci/rendered@1234567:"), damaged);
    assert.equal(compiles, 4, "its diagnostic names the previous render by its label");
  });

  it("holds the last two: BASE and HEAD of the last plan", async () => {
    const held = new HeldCompiles(() => 0);
    compiles = 0;
    const make = compiler([]);
    // Three plans: the same one twice, then one with a new HEAD.
    for (const tree of ["base", "head", "base", "head", "base", "head2"]) await held.compile(tree, undefined, make);
    assert.equal(compiles, 3, "base, head, then head2");
    await held.compile("base", undefined, make);
    assert.equal(compiles, 3, "base is still held");
    await held.compile("head", undefined, make);
    assert.equal(compiles, 4, "head was dropped for head2");
  });
});
