import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { stop } from "../../helpers/netns.js";
import { cliPath, fixtures, repoRoot } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { tempDir } from "../../helpers/temp-dirs.js";

// A provisioning host with two interfaces, each to a client namespace of its own: DHCP answers
// the segment of --listen and stays silent on the other, although its socket binds 0.0.0.0.

const KNOWN = "52:54:00:10:00:01"; // c1-ctl-1 of the base site: 192.168.10.11

async function must(...command: string[]): Promise<void> {
  const result = await runTool(command[0]!, command.slice(1));
  if (result.code !== 0) throw new Error(`${command.join(" ")}: ${result.output}`);
}

describe("DHCP hears only the interface of --listen", { timeout: 120_000 }, () => {
  const id = randomBytes(3).toString("hex");
  const [server, pxe, other] = [`odis-${id}`, `odip-${id}`, `odio-${id}`];
  let daemon: ChildProcess;
  const log: string[] = [];
  let script: string;

  before(async () => {
    const work = await tempDir("oci-dhcp-if-");
    for (const ns of [server, pxe, other]) {
      await must("ip", "netns", "add", ns);
      await must("ip", "-n", ns, "link", "set", "lo", "up");
    }
    for (const [ns, address, name] of [[pxe, "192.168.10.2/24", "a"], [other, "192.168.20.2/24", "b"]] as const) {
      await must("ip", "link", "add", `os${name}${id}`, "netns", server, "type", "veth", "peer", "name", `oc${name}${id}`, "netns", ns);
      await must("ip", "-n", server, "addr", "add", address, "dev", `os${name}${id}`);
      await must("ip", "-n", server, "link", "set", `os${name}${id}`, "up");
      await must("ip", "-n", ns, "link", "set", `oc${name}${id}`, "address", KNOWN);
      await must("ip", "-n", ns, "link", "set", `oc${name}${id}`, "up");
    }
    // The PXE side starts without carrier (its peer is down, as with a cable out): oci serve starts
    // anyway, tied to that interface, and serves once the link comes up.
    await must("ip", "-n", pxe, "link", "set", `oca${id}`, "down");
    const render = (await compileToDirectory(join(fixtures, "base-site"))).out;
    daemon = spawn("ip", ["netns", "exec", server, process.execPath, cliPath, "serve", "--render", render, "--listen", "192.168.10.2", "--no-tftp", "--http-port", "8080", "--state-dir", join(work, "state")], { stdio: ["ignore", "pipe", "pipe"] });
    createInterface({ input: daemon.stdout! }).on("line", (l) => log.push(l));
    createInterface({ input: daemon.stderr! }).on("line", (l) => log.push(l));
    const deadline = Date.now() + 20_000;
    while (!log.some((l) => l.includes('"event":"ready"'))) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`oci serve did not start:\n${log.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await must("ip", "-n", pxe, "link", "set", `oca${id}`, "up");
    script = join(work, "udhcpc.sh");
    await writeFile(script, "#!/bin/sh\nexit 0\n");
    await chmod(script, 0o755);
  });

  after(async () => {
    if (daemon) await stop(daemon);
    for (const ns of [server, pxe, other]) await runTool("ip", ["netns", "del", ns]);
  });

  const udhcpc = (ns: string, dev: string, tries: string) => runTool("ip", ["netns", "exec", ns, "busybox", "udhcpc", "-B", "-i", dev, "-n", "-q", "-f", "-t", tries, "-T", "1", "-s", script]);

  it("starts with its interface's link down, and says in its ready line which interface it is tied to", () => {
    const ready = JSON.parse(log.find((l) => l.includes('"event":"ready"'))!) as { dhcp: Record<string, unknown> };
    assert.deepEqual(ready.dhcp, { address: "0.0.0.0", port: 67, device: `osa${id}` });
  });

  it("a machine on the other interface gets no answer, not even with a reserved MAC", async () => {
    const result = await udhcpc(other, `ocb${id}`, "3");
    assert.notEqual(result.code, 0, result.output);
    assert.ok(!log.some((l) => l.includes('"event":"dhcp.reply"')), log.join("\n"));
  });

  it("a client without an address, as firmware is, hears the offer: it goes to 255.255.255.255, which UEFI's PXE client needs", async () => {
    // The kernel gives a socket on an interface without an address only limited broadcasts (and
    // unicasts to it): a reply to the segment's broadcast, 192.168.10.255, never reaches it.
    const result = await runTool("ip", ["netns", "exec", pxe, "python3", join(repoRoot, "test/helpers/dhcp-discover.py"), `oca${id}`, KNOWN, "5"]);
    assert.equal(result.code, 0, `${result.output}\n${log.filter((l) => l.includes("dhcp.")).join("\n")}`);
    assert.equal(result.output.trim(), "offer 192.168.10.11 file snponly.efi");
    assert.ok(log.some((l) => l.includes('"event":"dhcp.reply"') && l.includes('"to":"255.255.255.255:68"')), log.join("\n"));
  });

  it("the same MAC on the --listen segment gets its reservation", async () => {
    const result = await udhcpc(pxe, `oca${id}`, "5");
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /lease of 192\.168\.10\.11 obtained/);
  });
});
