import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { packFiles, transferOf, unpackFiles } from "../../../runtime/render/packed-files.js";

describe("packed files", () => {
  it("give back every file, byte for byte, empty and multi-byte ones included, in order", () => {
    const files = [
      { path: "a/empty", content: "" },
      { path: "a/text.yaml", content: "key: värde ✓ 😀\n" },
      { path: "b/bytes", content: Buffer.from([0, 255, 10, 13]) },
      { path: "z", content: "x".repeat(70_000) },
    ];
    const packed = packFiles(files);
    assert.equal(packed.bytes.byteLength, files.reduce((n, f) => n + Buffer.byteLength(f.content), 0));
    const back = unpackFiles(packed);
    assert.deepEqual([...back.keys()], files.map((f) => f.path));
    for (const file of files) assert.ok(back.get(file.path)!.equals(Buffer.from(file.content)), file.path);
  });

  it("cross a thread in one transfer: what transferOf lists is moved, the sender's buffer detached, nothing copied", () => {
    const packed = packFiles([{ path: "f", content: "hello" }]);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packed, transferOf(packed));
    assert.equal(packed.bytes.byteLength, 0, "the sender no longer holds the bytes");
    port1.close();
    port2.close();
  });
});
