import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { StatusStore } from "../../runtime/state/status-store.js";
import { bareRepoWithClone, gitCli } from "../helpers/git-repo.js";
import { freshKeystore } from "../helpers/keystore.js";
import { cliPath, fixtures, repoRoot, sampleSite } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";
import { waitFor } from "../helpers/wait-for.js";

// A VM that really PXE-boots: qemu (software emulation, Debian's iPXE ROM on an e1000) on a
// bridge inside a network namespace this test creates, oci serve (DHCP + TFTP + HTTP, following a
// bare repository) on the same bridge. Nothing leaves the namespace.

const SERIAL = "E2E0001";
const MAC = "52:54:00:e2:e0:01";
const PROVISIONING = "192.168.100.2";
const BOOT_TIMEOUT_MS = 240_000;

const started = Date.now();
const step = (what: string) => console.log(`# e2e +${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);

async function must(command: string, args: string[]): Promise<void> {
  const result = await runTool(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.output}`);
}

interface Vm { readonly child: ChildProcess; readonly console: string[]; readonly exited: Promise<number | null> }

describe("end to end: a qemu VM PXE-boots from oci serve, is discovered, assigned by a commit, and boots its install", { timeout: 600_000 }, () => {
  const ns = `oe2e-${randomBytes(3).toString("hex")}`;
  let bare: string;
  let clone: string;
  let stateDir: string;
  let image: string;
  let daemon: ChildProcess;
  const log: Record<string, unknown>[] = [];
  const vms: ChildProcess[] = [];

  before(async () => {
    const work = await tempDir("oci-e2e-");
    image = join(work, "image");
    stateDir = join(work, "state");
    // OCI_E2E_IMAGE=DIR boots another image instead (the real live image from live-image/build/, say).
    if (process.env["OCI_E2E_IMAGE"]) {
      image = process.env["OCI_E2E_IMAGE"];
      step(`image: ${image}`);
    } else {
      const built = await runTool("sh", [join(repoRoot, "live-image/mini/build.sh"), image]);
      assert.equal(built.code, 0, built.output);
      step(`test image built: ${built.output.trim().split("\n").at(-1)}`);
    }

    // The kernel also talks on the serial port, which qemu -nographic shows: the VM's log in the test's.
    ({ bare, clone } = await bareRepoWithClone(sampleSite, async (copy) => {
      const site = await readFile(join(copy, "site.yaml"), "utf8");
      await writeFile(join(copy, "site.yaml"), site.replace("  httpPort: 80\n", "  httpPort: 80\n  serialConsole: ttyS0,115200\n"));
    }));

    await must("ip", ["netns", "add", ns]);
    await must("ip", ["-n", ns, "link", "set", "lo", "up"]);
    await must("ip", ["-n", ns, "link", "add", "br0", "type", "bridge"]);
    await must("ip", ["-n", ns, "addr", "add", `${PROVISIONING}/24`, "dev", "br0"]);
    await must("ip", ["-n", ns, "link", "set", "br0", "up"]);
    await must("ip", ["-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap"]);
    await must("ip", ["-n", ns, "link", "set", "tap0", "master", "br0"]);
    await must("ip", ["-n", ns, "link", "set", "tap0", "up"]);

    daemon = spawn("ip", ["netns", "exec", ns, process.execPath, cliPath, "serve", "--repo", bare, "--keystore", (await freshKeystore()).dir,
      "--state-dir", stateDir, "--listen", PROVISIONING, "--http-port", "80", "--live-dir", image, "--boot-dir", "/usr/lib/ipxe", "--recheck-interval", "1",
      "--eyaml-private-key", join(fixtures, "eyaml/private_key.pkcs7.pem"), "--eyaml-public-key", join(fixtures, "eyaml/public_key.pkcs7.pem")],
    { stdio: ["ignore", "pipe", "pipe"] });
    const stderr: string[] = [];
    createInterface({ input: daemon.stderr! }).on("line", (line) => stderr.push(line));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: daemon.stdout! }).on("line", (line) => {
        try {
          const event = JSON.parse(line) as Record<string, unknown>;
          log.push(event);
          if (event["event"] === "ready") resolve();
        } catch {
          /* not a log line */
        }
      });
      daemon.once("exit", (code) => reject(new Error(`oci serve exited ${code}: ${stderr.join("\n")}`)));
    });
    step("oci serve ready in the namespace");
  });

  after(async () => {
    for (const vm of vms) vm.kill("SIGKILL");
    daemon?.kill("SIGTERM");
    await runTool("ip", ["netns", "del", ns]);
  });

  function boot(label: string): Vm {
    const child = spawn("ip", ["netns", "exec", ns, "qemu-system-x86_64", "-machine", "pc,accel=tcg", "-cpu", "max", "-m", process.env["OCI_E2E_MEMORY"] ?? "512", "-nographic", "-no-reboot",
      "-boot", "n", "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no", "-device", `e1000,netdev=n0,mac=${MAC}`, "-smbios", `type=1,serial=${SERIAL}`],
    { stdio: ["ignore", "pipe", "pipe"] });
    vms.push(child);
    const console: string[] = [];
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (line) => console.push(line));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    step(`${label}: qemu started`);
    return { child, console, exited };
  }

  const events = (name: string) => log.filter((e) => e["event"] === name);
  const vmTail = (vm: Vm) => `\n--- VM console (last 40 lines) ---\n${vm.console.slice(-40).join("\n")}`;

  it("boot 1: discovery address from our DHCP, iPXE script, kernel and initrd from our servers, the report committed", async () => {
    const vm = boot("boot 1");
    const lease = await waitFor("a DHCP ACK from the discovery pool", () => events("dhcp.reply").find((e) => e["mac"] === MAC && e["reply"] === "ack"), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    step(`DHCP ACK ${String(lease["address"])} (boot file ${String(lease["file"])})`);
    assert.match(String(lease["address"]), /^192\.168\.100\.(2[0-4][0-9]|250)$/, "an address of the discovery pool");
    const discovered = `inventory/discovered/${SERIAL}.yaml`;
    await waitFor("the discovery commit", async () => (await runTool("git", ["--git-dir", bare, "cat-file", "-e", `main:${discovered}`])).code === 0, BOOT_TIMEOUT_MS, 500)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    step("discovery report committed");
    const report = await gitCli(bare, "show", `main:${discovered}`);
    assert.match(report, new RegExp(`mac: "${MAC}"`));
    assert.match(report, /product: /);
    const metrics = await runTool("ip", ["netns", "exec", ns, "curl", "-s", `http://${PROVISIONING}/metrics`]);
    for (const route of ["/boot.ipxe", "ipxe", "live"]) assert.match(metrics.output, new RegExp(`oci_http_requests_total\\{method="GET",route="${route}"\\} [1-9]`), `HTTP ${route} fetched`);

    // Assign the machine: a commit as an operator makes it, pushed to the repository the daemon follows.
    await gitCli(clone, "pull", "-q", "--rebase", "origin", "main");
    const compute = await readFile(join(clone, "clusters/cl1/machines/cl1-compute-2.yaml"), "utf8");
    await writeFile(join(clone, "clusters/cl1/machines/cl1-compute-9.yaml"),
      compute.replace("hostname: cl1-compute-2", "hostname: cl1-compute-9").replace(/serial: "[^"]*"/, `serial: "${SERIAL}"`).replaceAll("52:54:00:00:00:05", MAC));
    await appendFile(join(clone, "clusters/cl1/machines/cl1-compute-9.yaml"), "");
    await gitCli(clone, "add", "-A");
    await gitCli(clone, "commit", "-q", "-m", "Assign E2E0001 as cl1-compute-9");
    await gitCli(clone, "push", "-q", "origin", "main");
    step("assignment pushed");
    // The agent polls its instructions, sees it is assigned, reboots; qemu -no-reboot ends there.
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([vm.exited, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the VM did not reboot${vmTail(vm)}`)), BOOT_TIMEOUT_MS)))]);
    clearTimeout(timer);
    assert.equal(code, 0);
    step("VM rebooted on its instruction");
  });

  it("boot 2: the reserved address and the install script, which reports installed and reboots", async () => {
    const reservations = JSON.parse(await gitCli(bare, "show", "oci/rendered:dhcp/reservations.json")) as { reservations: { mac: string; address: string }[] };
    const reserved = reservations.reservations.find((r) => r.mac === MAC)!.address;
    const acksBefore = events("dhcp.reply").length;
    const vm = boot("boot 2");
    const lease = await waitFor("a DHCP ACK with the reserved address", () => events("dhcp.reply").slice(acksBefore).find((e) => e["mac"] === MAC && e["reply"] === "ack"), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    assert.equal(lease["address"], reserved);
    step(`DHCP ACK ${reserved}: the reservation`);
    await waitFor("the installed status report", () => StatusStore.read(join(stateDir, "status")).machines[SERIAL]?.status === "installed", BOOT_TIMEOUT_MS, 500)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    const status = StatusStore.read(join(stateDir, "status"));
    assert.equal(status.machines[SERIAL]!.hostname, "cl1-compute-9.cl1.example.com", "the VM booted the install script naming its FQDN");
    assert.equal(status.installed?.[SERIAL], 1, "installed, generation 1");
    assert.ok(events("boot.answer").some((e) => e["fqdn"] === "cl1-compute-9.cl1.example.com" && e["answer"] === "install"), "boot 2 was answered the install script");
    const journal = (await readFile(join(stateDir, "status.journal"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { serial: string; status: string; detail?: string });
    const installing = journal.find((r) => r.serial === SERIAL && r.status === "installing");
    assert.match(installing?.detail ?? "", /^autosign token of 32 characters, [1-9][0-9]* network files$/, "the installer got its token and its network files from its reserved address");
    step("install script booted; the VM fetched its token and network files and reported installed");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([vm.exited, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the VM did not reboot${vmTail(vm)}`)), BOOT_TIMEOUT_MS)))]);
    clearTimeout(timer);
    assert.equal(code, 0);
    step("VM rebooted");
  });

  it("boot 3: PXE first in the boot order, and the installed machine is told to boot its disk, not to install again", async () => {
    const before = log.length;
    const vm = boot("boot 3");
    const answer = await waitFor("the local-boot answer", () => log.slice(before).find((e) => e["event"] === "boot.answer" && e["fqdn"] === "cl1-compute-9.cl1.example.com"), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    assert.equal(answer["answer"], "local");
    assert.equal(answer["file"], `pxe/ipxe/${MAC.replace(/:/g, "-")}.ipxe`);
    // iPXE now runs the local-boot script: it asks for no kernel. (This VM has no disk: there is nothing more to see.)
    await waitFor("iPXE running the local-boot script", () => /sanboot|No bootable device|Could not boot/i.test(vm.console.join("\n")), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    assert.ok(!log.slice(before).some((e) => e["event"] === "report.status"), "no new install report");
    step("boot 3 answered local boot");
    vm.child.kill("SIGKILL");
  });
});
