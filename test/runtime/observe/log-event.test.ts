import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { levelOf, logEvent, setLogFormat, setLogSink, textLine } from "../../../runtime/observe/metrics.js";

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

  it("in text: time, level, event, then key=value, quoted where a value has a space, a quote or =, lists and objects as JSON", () => {
    assert.equal(textLine("2026-12-01T02:38:21.117Z", "info", "report.status", { serial: "SN1", status: "installing", step: "bmc", detail: "BMC set to 10.20.0.8/24 (was \"none\")", failed: ["File[/x]"], n: 3, missing: undefined }),
      '2026-12-01T02:38:21.117Z INFO  report.status serial=SN1 status=installing step=bmc detail="BMC set to 10.20.0.8/24 (was \\"none\\")" failed="[\\"File[/x]\\"]" n=3');
    assert.equal(textLine("t", "error", "e", { empty: "", eq: "a=b" }), 't ERROR e empty="" eq="a=b"');
    const from = lines.length;
    setLogFormat("text");
    try {
      logEvent("commit.refused", { commit: "abc" });
    } finally {
      setLogFormat("json");
    }
    assert.match(lines[from]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN  commit\.refused commit=abc\n$/);
  });
});
