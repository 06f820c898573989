import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseRange } from "../../../runtime/http/byte-range.js";
import { startHttpServer } from "../../../runtime/http/http-server.js";
import { Metrics } from "../../../runtime/observe/metrics.js";
import { loadReleaseDirectory } from "../../../runtime/release/release.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { sampleSite } from "../../helpers/paths.js";
import { tempDir } from "../../helpers/temp-dirs.js";

describe("HTTP server (in-process, 127.0.0.1)", () => {
  let base: string;
  let close: () => Promise<void>;
  const discoveries: Record<string, unknown>[] = [];
  const metrics = new Metrics();

  before(async () => {
    const release = await loadReleaseDirectory((await compileToDirectory(sampleSite)).out);
    const live = await tempDir("oci-live-");
    await writeFile(join(live, "vmlinuz"), Buffer.alloc(1000, 7));
    const server = await startHttpServer({
      port: 0, listen: "127.0.0.1", release: () => release, liveDir: live, metrics,
      onDiscovery: async (report) => (discoveries.push(report), "committed"), onStatus: async () => "recorded", health: () => ({ ok: true, detail: { release: release.id } }),
    });
    base = `http://127.0.0.1:${server.port}`;
    close = server.close;
  });
  after(async () => close());

  it("serves boot.ipxe, a machine's script for any MAC notation, and discovery for unknown MACs", async () => {
    assert.match(await (await fetch(`${base}/boot.ipxe`)).text(), /^chain --autofree http:\/\/192\.168\.100\.2\/ipxe\//m);
    assert.match(await (await fetch(`${base}/ipxe/52:54:00:00:00:04`)).text(), /oci\.hostname=cl1-compute-1/);
    assert.match(await (await fetch(`${base}/ipxe/52-54-00-00-00-04?serial=CZ300004`)).text(), /oci\.hostname=cl1-compute-1/);
    assert.match(await (await fetch(`${base}/ipxe/02-00-00-00-00-01`)).text(), /oci\.mode=discovery/);
  });

  it("live files: HEAD, ranges, 416 and no escape", async () => {
    const head = await fetch(`${base}/live/vmlinuz`, { method: "HEAD" });
    assert.equal(head.headers.get("content-length"), "1000");
    assert.equal(head.headers.get("accept-ranges"), "bytes");
    const part = await fetch(`${base}/live/vmlinuz`, { headers: { range: "bytes=-10" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 990-999/1000");
    assert.equal((await part.arrayBuffer()).byteLength, 10);
    assert.equal((await fetch(`${base}/live/vmlinuz`, { headers: { range: "bytes=5000-" } })).status, 416);
    assert.equal((await fetch(`${base}/live/..%2f..%2fetc%2fpasswd`)).status, 403);
    assert.equal((await fetch(`${base}/live/%E0%A4%A`)).status, 400);
  });

  it("discovery reports: 200 once stored when they match the schema, 400 with reasons otherwise, 413 when too large", async () => {
    const good = { serial: "SN42", nics: [{ name: "eno1", mac: "52:54:00:00:42:01" }], ramMiB: 4096 };
    const ok = await fetch(`${base}/api/v1/discovery`, { method: "POST", body: JSON.stringify(good) });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { accepted: "SN42", outcome: "committed" });
    assert.equal(discoveries.at(-1)!["serial"], "SN42");
    const bad = await fetch(`${base}/api/v1/discovery`, { method: "POST", body: JSON.stringify({ serial: "SN 42", nics: "none" }) });
    assert.equal(bad.status, 400);
    const reasons = (await bad.json()) as { details: string[] };
    assert.ok(reasons.details.some((d) => d.startsWith("/serial")) && reasons.details.some((d) => d.startsWith("/nics")), reasons.details.join("; "));
    assert.equal((await fetch(`${base}/api/v1/discovery`, { method: "POST", body: "{not json" })).status, 400);
    assert.equal((await fetch(`${base}/api/v1/discovery`, { method: "POST", body: JSON.stringify({ ...good, kind: "Machine" }) })).status, 400);
    assert.equal((await fetch(`${base}/api/v1/discovery`, { method: "POST", body: "x".repeat(300_000) })).status, 413);
    assert.equal((await fetch(`${base}/api/v1/discovery`)).status, 405);
    const status = await fetch(`${base}/api/v1/status`, { method: "POST", body: JSON.stringify({ serial: "SN42", status: "installing", step: "debootstrap" }) });
    assert.equal(status.status, 200);
    assert.equal((await fetch(`${base}/api/v1/status`, { method: "POST", body: JSON.stringify({ serial: "SN42", status: "done" }) })).status, 400);
  });

  it("healthz, metrics in Prometheus text, 404 for the rest with bounded labels", async () => {
    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok", release: (await (await fetch(`${base}/healthz`)).json() as { release: string }).release });
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${base}/scan-${i}`)).status, 404);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /^# TYPE oci_http_requests_total counter$/m);
    assert.match(text, /^oci_reports_accepted_total\{kind="discovery"\} 1$/m);
    assert.match(text, /^oci_http_requests_total\{method="GET",route="other"\} 5$/m);
    assert.doesNotMatch(text, /scan-/);
  });
});

describe("byte ranges (RFC 9110 §14)", () => {
  const cases: [string | undefined, number, ReturnType<typeof parseRange>][] = [
    [undefined, 100, undefined], ["bytes=0-9", 100, [0, 9]], ["bytes=90-", 100, [90, 99]], ["bytes=-10", 100, [90, 99]],
    ["bytes=50-500", 100, [50, 99]], ["bytes=100-", 100, "unsatisfiable"], ["bytes=-0", 100, "unsatisfiable"], ["bytes=5-2", 100, "unsatisfiable"],
    ["bytes=0-1,5-6", 100, undefined], ["items=0-1", 100, undefined],
  ];
  for (const [header, size, expected] of cases) it(`${header} of ${size}`, () => assert.deepEqual(parseRange(header, size), expected));
});
