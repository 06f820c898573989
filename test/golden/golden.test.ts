import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { previousRenderDirectory } from "../../runtime/render/render-directory.js";
import { goldenDir, sampleSite } from "../helpers/paths.js";
import { readTree } from "../helpers/temp-dirs.js";

describe("golden render of sample-site (npm run golden:update rewrites it)", () => {
  it("matches test/golden/sample-site byte for byte", async () => {
    // The golden render is its own previous render: secrets are re-used, as on every recompile.
    const { files, diagnostics } = await compile({ tree: new DirectoryTree(sampleSite), previous: previousRenderDirectory(goldenDir) });
    assert.deepEqual(diagnostics, []);
    const golden = await readTree(goldenDir);
    assert.deepEqual([...golden.keys()], files!.map((f) => f.path), "same file list");
    for (const file of files!) assert.equal(file.content, golden.get(file.path), `${file.path} differs: run npm run golden:update and review the diff`);
  });
});
