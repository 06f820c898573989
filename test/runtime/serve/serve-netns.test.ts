import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { NamespacePair, stop } from "../../helpers/netns.js";
import { cliPath, fixtures, repoRoot } from "../../helpers/paths.js";
import { tempDir } from "../../helpers/temp-dirs.js";

// oci serve in a network namespace, real clients in another: busybox udhcpc, ISC dhclient,
// tftp-hpa, curl. Everything stays inside the two namespaces this test creates and removes.

const KNOWN = "52:54:00:10:00:01"; // c1-ctl-1 of the base site: 192.168.10.11
const UNKNOWN = "52:54:00:99:99:01";

describe("oci serve against real DHCP, TFTP and HTTP clients in network namespaces", { concurrency: false }, () => {
  let net: NamespacePair;
  let server: Awaited<ReturnType<NamespacePair["startInServer"]>>;
  let render: string;
  let state: string;
  let live: string;
  let work: string;
  const liveFile = randomBytes(1 << 20);

  const startServer = async () => {
    server = await net.startInServer([process.execPath, cliPath, "serve", "--render", render, "--listen", "192.168.10.2", "--http-port", "8080", "--state-dir", state, "--live-dir", live, "--boot-dir", "/usr/lib/ipxe"], /"event":"ready"/);
  };

  /** busybox udhcpc, once, asking for broadcast replies; returns the variables its script saw on "bound". */
  const udhcpc = async (mac: string, ...extra: string[]) => {
    await net.setClientMac(mac);
    const out = join(work, `udhcpc-${randomBytes(3).toString("hex")}.env`);
    const script = join(work, "udhcpc.sh");
    await writeFile(script, `#!/bin/sh\n[ "$1" = bound ] && env > ${out}\nexit 0\n`);
    await chmod(script, 0o755);
    const result = await net.inClient("busybox", "udhcpc", "-B", "-i", net.clientIf, "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", script, ...extra);
    assert.equal(result.code, 0, result.output);
    const env = new Map((await readFile(out, "utf8")).split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]));
    return { ip: env.get("ip"), bootFile: env.get("boot_file"), siaddr: env.get("siaddr"), hostname: env.get("hostname") };
  };

  before(async () => {
    work = await tempDir("oci-serve-");
    render = (await compileToDirectory(join(fixtures, "base-site"))).out;
    state = join(work, "state");
    live = join(work, "live");
    await import("node:fs/promises").then((fs) => fs.mkdir(live)).then(() => writeFile(join(live, "filesystem.squashfs"), liveFile));
    net = await NamespacePair.create("192.168.10.2/24");
    await startServer();
  });

  after(async () => {
    if (server) await stop(server.child);
    await net?.destroy();
  });

  it("udhcpc with a sample-site MAC gets its reserved address, host name and the BIOS boot file", async () => {
    const lease = await udhcpc(KNOWN, "-x", "0x5d:0000");
    assert.deepEqual(lease, { ip: "192.168.10.11", bootFile: "undionly.kpxe", siaddr: "192.168.10.2", hostname: "c1-ctl-1" });
  });

  it("BIOS, UEFI and iPXE requests get three different answers", async () => {
    assert.equal((await udhcpc(KNOWN, "-x", "0x5d:0000")).bootFile, "undionly.kpxe");
    assert.equal((await udhcpc(KNOWN, "-x", "0x5d:0007")).bootFile, "snponly.efi");
    assert.equal((await udhcpc(KNOWN, "-x", "0x4d:69505845")).bootFile, "http://192.168.10.2/boot.ipxe");
  });

  it("an unknown MAC gets an address from the discovery pool", async () => {
    assert.equal((await udhcpc(UNKNOWN)).ip, "192.168.10.200");
  });

  it("ISC dhclient gets the reservation too", async () => {
    await net.setClientMac(KNOWN);
    const leases = join(work, "dhclient.leases");
    const pid = join(work, "dhclient.pid");
    const result = await net.inClient("dhclient", "-1", "-v", "-sf", "/bin/true", "-lf", leases, "-pf", pid, net.clientIf);
    await net.inClient("sh", "-c", `kill $(cat ${pid}) 2>/dev/null; true`);
    assert.equal(result.code, 0, result.output);
    const text = await readFile(leases, "utf8");
    assert.match(text, /fixed-address 192\.168\.10\.11;/);
    assert.match(text, /filename "undionly\.kpxe";/);
  });

  it("a bound lease survives a restart: the next unknown MAC gets the next address", async () => {
    await stop(server.child);
    await startServer();
    assert.equal((await udhcpc("52:54:00:99:99:02")).ip, "192.168.10.201");
    assert.equal((await udhcpc(UNKNOWN)).ip, "192.168.10.200", "and the first one keeps its own");
  });

  it("tftp-hpa and curl fetch boot files with and without blksize; ../ and writes are refused", async () => {
    await net.inClient("ip", "addr", "add", "192.168.10.50/24", "dev", net.clientIf);
    const original = await readFile("/usr/lib/ipxe/undionly.kpxe");
    const viaTftp = join(work, "undionly.tftp");
    const tftp = await net.inClient("tftp", "192.168.10.2", "-m", "binary", "-c", "get", "undionly.kpxe", viaTftp);
    assert.equal(tftp.code, 0, tftp.output);
    assert.ok((await readFile(viaTftp)).equals(original));
    for (const blksize of ["512", "1468"]) {
      const out = join(work, `curl-${blksize}`);
      const curl = await net.inClient("curl", "-sS", "--tftp-blksize", blksize, "-o", out, "tftp://192.168.10.2/undionly.kpxe");
      assert.equal(curl.code, 0, curl.output);
      assert.ok((await readFile(out)).equals(original), `blksize ${blksize}`);
    }
    const config = await net.inClient("curl", "-sS", "tftp://192.168.10.2/pxelinux.cfg/default");
    assert.match(config.output, /oci\.mode=discovery/);
    const escape = await net.inClient("curl", "-sS", "--path-as-is", "tftp://192.168.10.2/../../etc/passwd");
    assert.notEqual(escape.code, 0);
    assert.doesNotMatch(escape.output, /root:/);
    const put = await net.inClient("tftp", "192.168.10.2", "-m", "binary", "-c", "put", "/etc/hostname", "x");
    assert.match(put.output, /read-only/);
  });

  it("curl fetches the per-MAC iPXE script, the discovery default, and a Range of a live-image file", async () => {
    const own = await net.inClient("curl", "-sS", "http://192.168.10.2:8080/ipxe/52-54-00-10-00-01?serial=SN0001");
    assert.match(own.output, /^#!ipxe\n# c1-ctl-1\.c1\.lab\.example\.org/);
    const unknown = await net.inClient("curl", "-sS", "http://192.168.10.2:8080/ipxe/52-54-00-99-99-99");
    assert.match(unknown.output, /oci\.mode=discovery/);
    const out = join(work, "range");
    const range = await net.inClient("curl", "-sS", "-r", "1000-1999", "-o", out, "-w", "%{http_code}", "http://192.168.10.2:8080/live/filesystem.squashfs");
    assert.equal(range.output, "206");
    assert.ok((await readFile(out)).equals(liveFile.subarray(1000, 2000)));
  });

  it("the installer's network configuration goes to the machine's reserved address only; Puppet reports only from this host", async () => {
    await net.inClient("ip", "addr", "flush", "dev", net.clientIf);
    await net.inClient("ip", "addr", "add", "192.168.10.11/24", "dev", net.clientIf);
    const own = await net.inClient("curl", "-sS", "-w", "\n%{http_code}", "http://192.168.10.2:8080/api/v1/network-config");
    assert.match(own.output, /^--- 40-oci-enx525400100001\.network\n\[Match\]\nName=enx525400100001\n[\s\S]*^Address=192\.168\.10\.11\/24$/m);
    assert.match(own.output, /\n200$/);
    const report = await net.inClient("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/x-yaml", "--data-binary", "host: c1-ctl-1.c1.lab.example.org\nstatus: unchanged\n", "http://192.168.10.2:8080/api/v1/puppet-report");
    assert.equal(report.output, "403", "a machine of the network cannot post a Puppet outcome");
    await net.inClient("ip", "addr", "flush", "dev", net.clientIf);
    await net.inClient("ip", "addr", "add", "192.168.10.50/24", "dev", net.clientIf);
    const stranger = await net.inClient("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://192.168.10.2:8080/api/v1/network-config");
    assert.equal(stranger.output, "404");
  });

  it("100,000 random and mutated DHCP and TFTP datagrams do not bring it down; a real client is still answered", async () => {
    const fuzzer = join(repoRoot, "dist/test/helpers/fuzz-udp.js");
    const fuzz = await net.inClient(process.execPath, fuzzer, "192.168.10.2", "100000");
    assert.equal(fuzz.code, 0, fuzz.output);
    assert.equal(server.child.exitCode, null, "the server is still running");
    const health = await net.inClient("curl", "-sS", "http://192.168.10.2:8080/metrics");
    assert.match(health.output, /oci_dhcp_malformed_total \d+/);
    await net.inClient("ip", "addr", "flush", "dev", net.clientIf);
    // The server may still be working through the datagrams the kernel queued (under a second of
    // them): the client asks for up to 8 s. Before mangled ciaddrs were refused, their OFFERs waited
    // on ARP and a real client waited 7–20 s behind them.
    assert.equal((await udhcpc(KNOWN, "-t", "8")).ip, "192.168.10.11");
  });

  it("offers unicast to addresses no host answers ARP for do not hold up the other replies", async () => {
    await net.inClient("ip", "addr", "add", "192.168.10.50/24", "dev", net.clientIf);
    const flood = await net.inClient(process.execPath, join(repoRoot, "dist/test/helpers/dhcp-flood.js"), "192.168.10.2", "20000", "192.168.10");
    assert.equal(flood.code, 0, flood.output);
    await net.inClient("ip", "addr", "flush", "dev", net.clientIf);
    assert.equal((await udhcpc(KNOWN, "-t", "8")).ip, "192.168.10.11");
    await net.inClient("ip", "addr", "add", "192.168.10.50/24", "dev", net.clientIf);
    const metrics = await net.inClient("curl", "-sS", "http://192.168.10.2:8080/metrics");
    assert.match(metrics.output, /^oci_dhcp_replies_dropped_total\{reason="send_queue_full"\} [1-9]\d*$/m, "the flood met the send queue's bound");
    await net.inClient("ip", "addr", "flush", "dev", net.clientIf);
  });
});
