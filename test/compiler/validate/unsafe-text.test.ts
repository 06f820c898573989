import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPair, isScalar, LineCounter, parseDocument, visit, type Scalar } from "yaml";
import { compile } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { MemoryTree } from "../../../compiler/load/site-tree.js";
import { defuseStrings } from "../../../compiler/validate/unsafe-text.js";
import { sampleSite } from "../../helpers/paths.js";

const INTERPOLATIONS = ["%{facts.hostname}", "%{lookup('oci::profile::keystone::admin_password')}", "%{alias('oci::cluster::vip')}", "%{literal('%')}{x}"];
// NUL, ESC, RIGHT-TO-LEFT OVERRIDE, LEFT-TO-RIGHT ISOLATE: as YAML double-quoted escapes.
const CONTROLS = ["a\\0b", "a\\eb", "a\\u202Eb", "a\\u2066b"];

interface Spot { readonly line: number; readonly col: number }

/** The file with every scalar (keys and values) but the header's replaced by a payload; where each one is. */
function poison(text: string, payloads: readonly string[]): { text: string; spots: Spot[] } {
  const document = parseDocument(text);
  const ranges: [number, number][] = [];
  visit(document, {
    Pair(_key, pair) {
      if (isPair(pair) && isScalar(pair.key) && (pair.key.value === "apiVersion" || pair.key.value === "kind")) return visit.SKIP;
      return undefined;
    },
    Scalar(_key, node: Scalar) {
      if (node.range) ranges.push([node.range[0], node.range[1]]);
    },
  });
  ranges.sort((a, b) => b[0] - a[0]);
  let out = text;
  ranges.forEach(([start, end], index) => {
    // Numbered, so that keys of one mapping stay distinct (a duplicate key is another error).
    out = `${out.slice(0, start)}"${payloads[index % payloads.length]!.replace(/"/g, '\\"')}${index}"${out.slice(end)}`;
  });
  const lines = new LineCounter();
  const reparsed = parseDocument(out, { lineCounter: lines });
  const spots: Spot[] = [];
  visit(reparsed, {
    Pair(_key, pair) {
      if (isPair(pair) && isScalar(pair.key) && (pair.key.value === "apiVersion" || pair.key.value === "kind")) return visit.SKIP;
      return undefined;
    },
    Scalar(_key, node: Scalar) {
      if (node.range) spots.push(lines.linePos(node.range[0]));
    },
  });
  return { text: out, spots };
}

async function siteFiles(): Promise<Map<string, string>> {
  const tree = new DirectoryTree(sampleSite);
  const files = new Map<string, string>();
  for (const path of await tree.listFiles()) files.set(path, await tree.readFile(path));
  return files;
}

describe("values hiera would interpolate and control characters are refused in every field, keys included", () => {
  for (const [name, payloads, code] of [["hiera interpolation", INTERPOLATIONS, "OCI1105"], ["control characters", CONTROLS, "OCI1106"]] as const) {
    it(`${name}: every scalar of every YAML file of sample-site gives ${code} at its own line:col, all in one compile`, async () => {
      const files = await siteFiles();
      let checked = 0;
      for (const path of [...files.keys()].filter((p) => p.endsWith(".yaml"))) {
        const { text, spots } = poison(files.get(path)!, payloads);
        const result = await compile({ tree: new MemoryTree([...files, [path, text]]) });
        assert.equal(result.files, undefined, `${path}: nothing rendered`);
        const found = new Set(result.diagnostics.filter((d) => d.code === code && d.file === path).map((d) => `${d.line}:${d.col}`));
        const missed = spots.filter((s) => !found.has(`${s.line}:${s.col}`));
        assert.deepEqual(missed, [], `${path}: every poisoned scalar reported`);
        checked += spots.length;
      }
      assert.ok(checked > 200, `${checked} scalars`);
    });
  }

  it("the render of a clean site holds no interpolation token in any hiera data file", async () => {
    const result = await compile({ tree: new DirectoryTree(sampleSite) });
    const tokens = result.files!.filter((f) => f.path.startsWith("hiera/") && f.content.includes("%{")).map((f) => f.path);
    assert.deepEqual(tokens, []);
  });

  it("reported hardware text is kept, defused: control characters replaced, %{ broken", () => {
    assert.deepEqual(defuseStrings({ vendor: "ACME\u202E\u0000", "%{k}": ["%{lookup('x')}", 3] }), { vendor: "ACME\uFFFD\uFFFD", "% {k}": ["% {lookup('x')}", 3] });
  });
});
