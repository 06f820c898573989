import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { yamlText } from "../../../compiler/emit/yaml-text.js";
import { runTool } from "../../helpers/run-tool.js";

const roundTrips = (value: unknown) => {
  const text = yamlText(value);
  assert.deepEqual(parse(text, { version: "1.1" }), value, `YAML 1.1 reading of:\n${text}`);
  assert.deepEqual(parse(text, { version: "1.2" }), value, `YAML 1.2 reading of:\n${text}`);
};

describe("yamlText (YAML that Puppet's Psych reads back unchanged)", () => {
  it("quotes strings YAML 1.1 would read as booleans, null, numbers, dates or sexagesimals", () => {
    roundTrips({ a: "no", b: "On", c: "2026-11-24", d: "12:34:56", e: "0x1f", f: "1_000", g: "y", h: "~", i: "null", j: ".inf", k: "10.10.0.1", l: "" });
  });

  it("round-trips nested lists and maps, empty ones included", () => {
    roundTrips({ "oci::cluster::hosts": [{ hostname: "a", address: "10.0.0.1", disks: ["sdb"] }, { hostname: "b", tags: [], opts: {} }], n: 3, t: true, "key with space": [["x"], []] });
  });

  it("escapes control characters, quotes and unicode", () => {
    roundTrips({ s: 'a"b\\c\nd\te', u: "é€😀", k: "colon: space", h: "#comment", dash: "- item", star: "*alias", amp: "&anchor" });
  });

  it("survives 2,000 random strings", () => {
    const alphabet = "aZ09 :-#{}[],&*!|>'\"%@`~.\\\n\tyYnN+_/=<é";
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
      roundTrips({ [s || "k"]: s, list: [s] });
    }
  });

  it("libyaml and PyYAML read back every character, the ones YAML does not allow raw included (DEL, C1, NEL, U+2028, BOM)", async () => {
    const tricky = ["del\x7f", "c1\x80\x9b", "nel\x85x", "ls\u2028ps\u2029", "bom\ufeff", "nul\x00bell\x07", "tab\tnl\n", "plain"];
    const text = yamlText({ values: tricky, [`key\x7f`]: "k" });
    roundTrips({ values: tricky, [`key\x7f`]: "k" });
    // Debian's python3-yaml: the pure-Python loader and the libyaml one (CSafeLoader).
    const script = "import sys, json, yaml\ntext = sys.stdin.read()\nprint(json.dumps([yaml.load(text, Loader=yaml.SafeLoader), yaml.load(text, Loader=yaml.CSafeLoader)]))";
    const result = await runTool("/usr/bin/python3", ["-c", script], { input: text });
    assert.equal(result.code, 0, result.output);
    const [pure, libyaml] = JSON.parse(result.output) as unknown[];
    assert.deepEqual(pure, { values: tricky, [`key\x7f`]: "k" });
    assert.deepEqual(libyaml, { values: tricky, [`key\x7f`]: "k" });
  });

  it("sorts keys and writes the same bytes for the same data", () => {
    assert.equal(yamlText({ b: 1, a: [1, 2] }), "a:\n  - 1\n  - 2\nb: 1\n");
    assert.equal(yamlText({ b: 1, a: [1, 2] }), yamlText({ a: [1, 2], b: 1 }));
  });

  it("refuses values it cannot write faithfully", () => {
    assert.throws(() => yamlText({ f: 1.5 }), TypeError);
    assert.throws(() => yamlText({ f: () => 1 }), TypeError);
  });
});
