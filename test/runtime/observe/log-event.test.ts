import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { levelOf, logEvent, setLogSink } from "../../../runtime/observe/metrics.js";

describe("log lines", () => {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  after(() => setLogSink((line) => process.stdout.write(line)));

  it("carry a level: errors for *error events, warnings for what needs a look, info for the rest; a caller may raise it", () => {
    assert.deepEqual(["dhcp.socket_error", "commit.refused", "boot.answer"].map(levelOf), ["error", "warn", "info"]);
    logEvent("report.status", { serial: "SN1", status: "install-failed" }, "error");
    logEvent("boot.answer", { fqdn: "a" });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(parsed.map((p) => [p["level"], p["event"]]), [["error", "report.status"], ["info", "boot.answer"]]);
    assert.deepEqual(Object.keys(parsed[0]!).slice(0, 3), ["time", "level", "event"]);
  });
});
