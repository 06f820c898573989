import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkClientMessage, checkServerMessage, encodeMessage, MessageReader, ProtocolError, type ServerMessage } from "../../../cli/plan/warm-plan-protocol.js";

describe("warm plan protocol", () => {
  const messages: ServerMessage[] = [
    { type: "stderr", text: "oci: plan: BASE compiled on the rendered state of oci/rendered\n" },
    { type: "progress", phase: "main: certificates", done: 3, total: 20 },
    { type: "stdout", text: "plan ✓ — ünïcode\nline two\n" },
    { type: "exit", code: 1 },
  ];

  it("reads back what it wrote, whatever the chunks it arrives in (a character split across two included)", () => {
    const bytes = Buffer.from(messages.map(encodeMessage).join(""), "utf8");
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const reader = new MessageReader(checkServerMessage);
      const read: ServerMessage[] = [];
      for (let at = 0; at < bytes.length; at += size) read.push(...reader.push(bytes.subarray(at, at + size)));
      assert.deepEqual(read, messages, `chunks of ${size}`);
    }
  });

  it("refuses lines that are not JSON, and messages of another shape", () => {
    assert.throws(() => new MessageReader(checkServerMessage).push(Buffer.from("hello\n")), ProtocolError);
    for (const bad of [{ type: "exit", code: 1.5 }, { type: "stdout" }, { type: "shell", text: "rm" }, [], null]) {
      assert.throws(() => checkServerMessage(bad), ProtocolError, JSON.stringify(bad));
    }
    const request = { repo: "/r", base: "main", head: "HEAD", format: "text", allFiles: false, cache: true };
    assert.deepEqual(checkClientMessage({ type: "plan", build: "b", idleMinutes: 30, request }).request, request);
    for (const bad of [{ ...request, format: "html" }, { ...request, repo: 1 }, { ...request, cache: "yes" }]) {
      assert.throws(() => checkClientMessage({ type: "plan", build: "b", idleMinutes: 30, request: bad }), ProtocolError, JSON.stringify(bad));
    }
  });
});
