import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm, truncate, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseRange } from "../../../runtime/http/byte-range.js";
import { startHttpServer } from "../../../runtime/http/http-server.js";
import { Metrics, setLogSink } from "../../../runtime/observe/metrics.js";
import { loadReleaseDirectory } from "../../../runtime/release/release.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { sampleSite } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

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
    const ok = await fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(good) });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { accepted: "SN42", outcome: "committed" });
    assert.equal(discoveries.at(-1)!["serial"], "SN42");
    const bad = await fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "SN 42", nics: "none" }) });
    assert.equal(bad.status, 400);
    const reasons = (await bad.json()) as { details: string[] };
    assert.ok(reasons.details.some((d) => d.startsWith("/serial")) && reasons.details.some((d) => d.startsWith("/nics")), reasons.details.join("; "));
    assert.equal((await fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" })).status, 400);
    assert.equal((await fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...good, kind: "Machine" }) })).status, 400);
    assert.equal((await fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(300_000) })).status, 413);
    assert.equal((await fetch(`${base}/api/v1/discovery`)).status, 405);
    const status = await fetch(`${base}/api/v1/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "SN42", status: "installing", step: "debootstrap" }) });
    assert.equal(status.status, 200);
    assert.equal((await fetch(`${base}/api/v1/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "SN42", status: "done" }) })).status, 400);
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

describe("HTTP limits and error paths: nothing a client or a file does ends the server", () => {
  let base: string;
  let port: number;
  let close: () => Promise<void>;
  let live: string;
  const metrics = new Metrics();
  const lines: Record<string, unknown>[] = [];
  // Larger than what loopback's socket buffers hold, so a transfer is still being sent when the test acts.
  const big = randomBytes(64 << 20);

  before(async () => {
    setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    const release = await loadReleaseDirectory((await compileToDirectory(sampleSite)).out);
    live = await tempDir("oci-live-");
    await writeFile(join(live, "filesystem.squashfs"), big);
    const server = await startHttpServer({
      port: 0, listen: "127.0.0.1", release: () => release, liveDir: live, metrics, maxConnections: 4, timeouts: { headers: 500, request: 2_000 },
      onDiscovery: async () => "committed", onStatus: async () => "recorded", health: () => ({ ok: true, detail: {} }),
    });
    port = server.port;
    base = `http://127.0.0.1:${port}`;
    close = server.close;
  });
  after(async () => {
    setLogSink(() => undefined);
    await close();
  });

  /** A raw connection: what it receives until the server closes it (or `ms` pass). */
  function raw(request: string, ms = 5_000): Promise<{ text: string; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let text = "";
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ text, closed: false });
      }, ms);
      socket.on("data", (chunk) => (text += chunk.toString("latin1")));
      socket.on("close", () => {
        clearTimeout(timer);
        resolve({ text, closed: true });
      });
      socket.on("error", () => undefined);
      socket.write(request);
    });
  }
  const healthy = async () => assert.equal((await fetch(`${base}/healthz`)).status, 200);

  it("a report that is not application/json is refused (a web page cannot post one cross-origin)", async () => {
    const form = await fetch(`${base}/api/v1/status`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ serial: "SN1", status: "installing" }) });
    assert.equal(form.status, 415);
  });

  it("an absurd Content-Length is refused at once, before any body", async () => {
    const started = Date.now();
    const answer = await raw("POST /api/v1/discovery HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 99999999999\r\n\r\n");
    assert.match(answer.text, /^HTTP\/1\.1 413 /);
    assert.ok(answer.closed && Date.now() - started < 2_000);
  });

  it("headers that never finish are cut off by the header timeout", async () => {
    const answer = await raw("GET /healthz HTTP/1.1\r\nhost: x\r\n", 5_000);
    assert.ok(answer.closed, "the server closed the connection");
    assert.match(answer.text, /^HTTP\/1\.1 408 /);
  });

  it("connections past the limit are closed; the server answers again once they go", async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => new Promise<Socket>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => resolve(socket));
    })));
    const refused = await raw("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n", 2_000);
    assert.equal(refused.text, "", "the fifth connection is closed without an answer");
    for (const socket of held) socket.destroy();
    await waitFor("a connection slot", async () => (await raw("GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")).text.startsWith("HTTP/1.1 200"), 5_000, 50);
  });

  it("a client that closes an idle connection is no error line", async () => {
    const before = lines.length;
    await new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => socket.end(() => resolve()));
    });
    await healthy();
    assert.ok(!lines.slice(before).some((l) => String(l["event"]).includes("error")), JSON.stringify(lines.slice(before)));
  });

  /** Starts a download and resolves once its first bytes arrived: the server is sending from the open file. */
  async function underWay(): Promise<{ reader: ReadableStreamDefaultReader<Uint8Array>; received: number }> {
    const response = await fetch(`${base}/live/filesystem.squashfs`);
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    return { reader, received: first.value?.length ?? 0 };
  }
  async function readAll(transfer: { reader: ReadableStreamDefaultReader<Uint8Array>; received: number }): Promise<number> {
    let received = transfer.received;
    for (;;) {
      const { done, value } = await transfer.reader.read();
      if (done) return received;
      received += value.length;
    }
  }

  it("a client gone mid-transfer of a live image file ends that transfer only", async () => {
    const transfer = await underWay();
    await transfer.reader.cancel();
    await waitFor("the aborted transfer counted", () => /oci_http_live_aborted_total\{cause="client"\} [1-9]/.test(metrics.render()), 5_000);
    await healthy();
  });

  it("a file cut short while it is served ends that transfer only", async () => {
    const transfer = await underWay();
    await truncate(join(live, "filesystem.squashfs"), 1000);
    await assert.rejects(readAll(transfer), "the client sees a short transfer");
    await healthy();
    await writeFile(join(live, "filesystem.squashfs"), big);
  });

  it("a file removed while it is served: the open file is sent whole, the next request is a 404", async () => {
    const transfer = await underWay();
    await rm(join(live, "filesystem.squashfs"));
    assert.equal(await readAll(transfer), big.length);
    assert.equal((await fetch(`${base}/live/filesystem.squashfs`)).status, 404);
    await healthy();
  });
});
