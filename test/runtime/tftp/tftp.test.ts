import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Metrics } from "../../../runtime/observe/metrics.js";
import type { Release } from "../../../runtime/release/release.js";
import { decodeTftp, type TftpPacket } from "../../../runtime/tftp/tftp-codec.js";
import { resolveTftpName } from "../../../runtime/tftp/tftp-files.js";
import { negotiate } from "../../../runtime/tftp/tftp-options.js";
import { startTftpServer } from "../../../runtime/tftp/tftp-server.js";
import { runTool } from "../../helpers/run-tool.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

describe("TFTP option negotiation (RFC 2347-2349, 7440)", () => {
  const table: [Record<string, string>, { blockSize: number; timeoutMs: number; windowSize: number; ack: Record<string, string> }][] = [
    [{}, { blockSize: 512, timeoutMs: 1000, windowSize: 1, ack: {} }],
    [{ blksize: "1468", tsize: "0" }, { blockSize: 1468, timeoutMs: 1000, windowSize: 1, ack: { blksize: "1468", tsize: "5000" } }],
    [{ blksize: "99999" }, { blockSize: 65464, timeoutMs: 1000, windowSize: 1, ack: { blksize: "65464" } }],
    [{ blksize: "4" }, { blockSize: 512, timeoutMs: 1000, windowSize: 1, ack: {} }],
    [{ timeout: "3" }, { blockSize: 512, timeoutMs: 3000, windowSize: 1, ack: { timeout: "3" } }],
    [{ timeout: "3000" }, { blockSize: 512, timeoutMs: 1000, windowSize: 1, ack: {} }],
    [{ timeout: "10" }, { blockSize: 512, timeoutMs: 10000, windowSize: 1, ack: { timeout: "10" } }],
    [{ timeout: "255" }, { blockSize: 512, timeoutMs: 1000, windowSize: 1, ack: {} }],
    [{ windowsize: "16" }, { blockSize: 512, timeoutMs: 1000, windowSize: 16, ack: { windowsize: "16" } }],
    [{ windowsize: "1000" }, { blockSize: 512, timeoutMs: 1000, windowSize: 64, ack: { windowsize: "64" } }],
    [{ tsize: "12" }, { blockSize: 512, timeoutMs: 1000, windowSize: 1, ack: {} }],
  ];
  for (const [requested, expected] of table) {
    it(JSON.stringify(requested), () => {
      const result = negotiate(new Map(Object.entries(requested)), 5000);
      assert.deepEqual({ blockSize: result.blockSize, timeoutMs: result.timeoutMs, windowSize: result.windowSize, ack: Object.fromEntries(result.acknowledged) }, expected);
    });
  }
});

for (const engine of ["native", "js"] as const) describe(`TFTP server on loopback, ${engine} engine`, () => {
  let server: Awaited<ReturnType<typeof startTftpServer>>;
  let boot: string;
  let metrics: Metrics;
  const content = randomBytes(70_000);
  const long = randomBytes(600_000);
  const release = { id: "test", files: new Map([["pxe/pxelinux.cfg/default", Buffer.from("DEFAULT x\n")]]), dhcp: {} } as unknown as Release;

  before(async () => {
    const dir = await tempDir("oci-tftp-");
    boot = join(dir, "boot");
    await mkdir(boot);
    await writeFile(join(boot, "big.bin"), content);
    await writeFile(join(boot, "long.bin"), long);
    await writeFile(join(dir, "secret"), "outside");
    await symlink(join(dir, "secret"), join(boot, "escape"));
    metrics = new Metrics();
    server = await startTftpServer({ port: 0, listen: "127.0.0.1", metrics, engine: engine === "js" ? "js" : "auto", retries: 1, resolve: (name) => resolveTftpName(name, release, [boot]) });
  });
  after(async () => server.close());

  it(`runs the ${engine} engine`, () => {
    // The native pump is built by `npm run build` (a C compiler and Node's headers: .ci/apt-packages has gcc).
    assert.equal(server.engine, engine, server.engineReason);
  });

  it("a transfer of more than 65,535 blocks wraps the block number and arrives intact (curl, blksize 8)", async () => {
    const out = join(boot, "..", `long-${engine}.out`);
    const result = await runTool("curl", ["-sS", "--tftp-blksize", "8", "-o", out, `tftp://127.0.0.1:${server.port}/long.bin`], { timeout: 120_000 });
    assert.equal(result.code, 0, result.output);
    assert.ok((await readFile(out)).equals(long), "same bytes");
  });

  it("a client that stops acknowledging is given up on after the retries, and counted", async () => {
    const counter = (pattern: RegExp) => Number(pattern.exec(metrics.render())?.[1] ?? 0);
    const retransmits = () => counter(/^oci_tftp_retransmits_total(?:\{\})? (\d+)$/m);
    const before = retransmits();
    const client = await udp();
    client.socket.send(rrq("big.bin", { timeout: "1" }), server.port, "127.0.0.1");
    const first = await client.next();
    assert.equal(first.packet.op, "oack");
    await waitFor("the silent transfer to be given up", async () => counter(/^oci_tftp_transfers_total\{outcome="timeout"\} (\d+)$/m) === 1, 10_000, 50);
    client.socket.close();
    assert.equal(retransmits() - before, 1, "one retransmission (retries: 1), then the end");
  });

  it("close() ends a transfer in progress", async () => {
    const own = await startTftpServer({ port: 0, listen: "127.0.0.1", metrics: new Metrics(), engine: engine === "js" ? "js" : "auto", resolve: (name) => resolveTftpName(name, release, [boot]) });
    const client = await udp();
    client.socket.send(rrq("big.bin", {}), own.port, "127.0.0.1");
    assert.equal((await client.next()).packet.op, "data");
    assert.equal(own.sessions(), 1);
    await own.close();
    await waitFor("the transfer to end", async () => own.sessions() === 0, 5_000, 20);
    client.socket.close();
  });

  it("windowsize 8 transfers the file, acknowledged once per window; a withheld ACK is recovered by retransmission", async () => {
    const client = await udp();
    try {
      client.socket.send(rrq("big.bin", { blksize: "1024", windowsize: "8", tsize: "0", timeout: "1" }), server.port, "127.0.0.1");
      const oack = await client.next();
      assert.equal(oack.packet.op, "oack");
      assert.deepEqual(Object.fromEntries((oack.packet as Extract<TftpPacket, { op: "oack" }>).options), { blksize: "1024", windowsize: "8", tsize: "70000", timeout: "1" });
      const tid = oack.port;
      client.socket.send(ack(0), tid, "127.0.0.1");
      const received = new Map<number, Buffer>();
      let withheld = false;
      let retransmitted = false;
      for (;;) {
        const { packet } = await client.next();
        assert.equal(packet.op, "data");
        const data = packet as Extract<TftpPacket, { op: "data" }>;
        if (received.has(data.block)) retransmitted = true;
        received.set(data.block, data.data);
        const last = data.data.length < 1024;
        if (data.block % 8 === 0 || last) {
          if (data.block === 16 && !withheld) {
            withheld = true; // drop this ACK: the server must send the window again after its timeout
            continue;
          }
          client.socket.send(ack(data.block), tid, "127.0.0.1");
          if (last) break;
        }
      }
      assert.ok(retransmitted, "the second window was sent again");
      const blocks = [...received.keys()].sort((a, b) => a - b).map((b) => received.get(b)!);
      assert.ok(Buffer.concat(blocks).equals(content));
    } finally {
      client.socket.close();
    }
  });

  it("refuses writes, ../ names and symbolic links out of the boot directory; unknown files are not found", async () => {
    for (const [request, code] of [[wrq("x"), 2], [rrq("../secret", {}), 2], [rrq("escape", {}), 2], [rrq("/etc/passwd", {}), 1], [rrq("nothing.bin", {}), 1]] as const) {
      const client = await udp();
      client.socket.send(request, server.port, "127.0.0.1");
      const { packet } = await client.next();
      client.socket.close();
      assert.equal(packet.op, "error");
      assert.equal((packet as Extract<TftpPacket, { op: "error" }>).code, code);
    }
  });

  it("serves the release's pxe/ tree", async () => {
    const client = await udp();
    client.socket.send(rrq("pxelinux.cfg/default", {}), server.port, "127.0.0.1");
    const { packet, port } = await client.next();
    client.socket.send(ack(1), port, "127.0.0.1");
    client.socket.close();
    assert.equal((packet as Extract<TftpPacket, { op: "data" }>).data.toString(), "DEFAULT x\n");
  });
});

function rrq(name: string, options: Record<string, string>): Buffer {
  return Buffer.from(`\u0000\u0001${name}\u0000octet\u0000${Object.entries(options).map(([k, v]) => `${k}\u0000${v}\u0000`).join("")}`, "latin1");
}

function wrq(name: string): Buffer {
  return Buffer.from(`\u0000\u0002${name}\u0000octet\u0000`, "latin1");
}

function ack(block: number): Buffer {
  return Buffer.from([0, 4, block >> 8, block & 255]);
}

/** A client socket whose datagrams are read one at a time, each within 5 s. */
async function udp(): Promise<{ socket: Socket; next(): Promise<{ packet: TftpPacket; port: number }> }> {
  const socket = createSocket("udp4");
  const queue: { packet: TftpPacket; port: number }[] = [];
  const waiting: ((v: { packet: TftpPacket; port: number }) => void)[] = [];
  socket.on("message", (message, from) => {
    const item = { packet: decodeTftp(message), port: from.port };
    const resolve = waiting.shift();
    if (resolve) resolve(item);
    else queue.push(item);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return {
    socket,
    next: () => {
      const item = queue.shift();
      if (item) return Promise.resolve(item);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no datagram within 5 s")), 5000);
        waiting.push((v) => {
          clearTimeout(timer);
          resolve(v);
        });
      });
    },
  };
}

for (const engine of ["native", "js"] as const) describe(`TFTP under a flood of requests that are never acknowledged, ${engine} engine`, () => {
  let server: Awaited<ReturnType<typeof startTftpServer>>;
  let metrics: Metrics;
  let port: number;
  const hostile: Socket[] = [];
  const content = randomBytes(40_000);

  before(async () => {
    const boot = join(await tempDir("oci-tftp-flood-"), "boot");
    await mkdir(boot);
    await writeFile(join(boot, "undionly.kpxe"), content);
    metrics = new Metrics();
    const release = { id: "test", files: new Map(), dhcp: {} } as unknown as Release;
    server = await startTftpServer({
      port: 0, listen: "127.0.0.1", metrics, engine: engine === "js" ? "js" : "auto", firstAckMs: 4_000, stalledMs: 500,
      resolve: (name) => resolveTftpName(name, release, [boot]),
    });
    port = server.port;
  });
  after(async () => {
    for (const socket of hostile) socket.close();
    await server.close();
  });

  /** RRQs asking the longest timeout, from `address`, whose answers are never acknowledged. */
  async function flood(address: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const socket = createSocket("udp4");
      hostile.push(socket);
      await new Promise<void>((resolve) => socket.bind(0, address, resolve));
      socket.send(Buffer.from("\u0000\u0001undionly.kpxe\u0000octet\u0000timeout\u0000255\u0000blksize\u00001468\u0000", "latin1"), port, "127.0.0.1");
    }
  }
  const fetchFromLoopback = () => runTool("curl", ["-sS", "-m", "5", "-o", "/dev/null", "-w", "%{size_download}", `tftp://127.0.0.1:${port}/undionly.kpxe`]);

  it("one address asking 200 transfers gets 8 slots: another machine still boots", async () => {
    await flood("127.0.0.2", 200);
    await waitFor("the flood's transfers", () => server.sessions() >= 8, 5_000);
    assert.ok(server.sessions() <= 9, `${server.sessions()} transfers for one address`);
    const started = Date.now();
    const legit = await fetchFromLoopback();
    assert.equal(legit.output, String(content.length), legit.output);
    assert.ok(Date.now() - started < 5_000);
    assert.match(metrics.render(), /oci_tftp_errors_total\{kind="per_client"\} [1-9]/);
  });

  it("70 addresses fill every slot: a new request evicts a transfer that stood still, and gets its file", async () => {
    for (let i = 10; i < 80; i++) await flood(`127.0.0.${i}`, 1);
    await waitFor("every slot taken", () => server.sessions() >= 64, 5_000);
    const legit = await waitFor("a legitimate transfer", async () => {
      const result = await fetchFromLoopback();
      return result.output === String(content.length) ? result : undefined;
    }, 10_000, 100);
    assert.equal(legit.code, 0);
    assert.match(metrics.render(), /oci_tftp_evicted_total [1-9]/);
  });

  it("a transfer never acknowledged gives its slot back after the first-ACK bound, whatever timeout it asked", async () => {
    await waitFor("every stalled transfer gone", () => server.sessions() === 0, 10_000, 100);
    assert.match(metrics.render(), /oci_tftp_errors_total\{kind="no_first_ack"\} [1-9]/);
  });
});
