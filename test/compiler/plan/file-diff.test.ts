import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffFiles } from "../../../compiler/plan/file-diff.js";
import { seededRandom } from "../../helpers/seeded-random.js";

describe("diffFiles", () => {
  it("names every added, removed and changed file of two sorted renders, in path order, as a comparison by path does", () => {
    const random = seededRandom(11);
    const paths = Array.from({ length: 40 }, (_, i) => `${["dhcp", "hiera/nodes", "pxe/ipxe", "a", "z"][i % 5]}/${String.fromCharCode(97 + random(26))}${i}.txt`);
    for (let round = 0; round < 200; round++) {
      const render = () => paths.filter(() => random(3) > 0).map((path) => ({ path, content: `${path} ${random(2)}\n` })).sort((a, b) => (a.path < b.path ? -1 : 1));
      const [before, after] = [render(), render()];
      const old = new Map(before.map((f) => [f.path, f.content]));
      const now = new Map(after.map((f) => [f.path, f.content]));
      const expected = [...new Set([...old.keys(), ...now.keys()])].sort()
        .filter((p) => old.get(p) !== now.get(p))
        .map((p) => `${!old.has(p) ? "added" : !now.has(p) ? "removed" : "changed"} ${p}`);
      assert.deepEqual(diffFiles(before, after).map((d) => `${d.status} ${d.path}`), expected, `round ${round}`);
    }
  });

  it("gives a file's patch when it is read, and JSON holds it in its place", () => {
    const [diff] = diffFiles([{ path: "a", content: "1\n2\n" }], [{ path: "a", content: "1\n3\n" }]);
    assert.match(diff!.patch!, /^-2\n\+3$/m);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(diff)) as object), ["path", "status", "redacted", "patch"]);
  });
});
