import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { DigestMemo, renderManifest } from "../../../../compiler/emit/manifest/render-manifest.js";
import { jsonText, sortFiles, type OutputFile } from "../../../../compiler/emit/output-file.js";
import { seededRandom } from "../../../helpers/seeded-random.js";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
/** What the manifest is by definition: jsonText of every file's digest. */
const expected = (files: readonly OutputFile[]) => jsonText({ format: 1, files: Object.fromEntries(files.map((f) => [f.path, sha256(f.content)])) });

describe("manifest.json", () => {
  it("is jsonText of the digests, with and without the memo, over a sequence of renders", () => {
    const random = seededRandom(7);
    // Paths JSON must escape, paths in code-unit order that locale order would not keep, and array-index names.
    const names = ["a.yaml", "B.yaml", "hiera/nodes/x.yaml", 'quote"d', "back\\slash", "tab\there", "é.yaml", "z/Ω", "0", "17", "017", "dir/3"];
    const memo = new DigestMemo();
    for (let step = 0; step < 200; step++) {
      const files = sortFiles(names.filter(() => random(3) > 0).map((path) => ({ path, content: `v${random(4)}\n` })));
      if (random(4) === 0) files.splice(0, files.length, ...files.filter((f) => !/^[0-9]+$/.test(f.path)));
      assert.equal(renderManifest(files, memo).content, expected(files), `step ${step} with the memo`);
      assert.equal(renderManifest(files).content, expected(files), `step ${step} without`);
    }
    assert.equal(renderManifest([]).content, expected([]));
  });
});
