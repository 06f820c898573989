import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { appendFile, copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { StatusStore } from "../../runtime/state/status-store.js";
import { bareRepoWithClone, gitCli } from "../helpers/git-repo.js";
import { freshKeystore } from "../helpers/keystore.js";
import { biosMarkerDisk, uefiMarkerDir } from "../helpers/marker-disks.js";
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
const BIOS_DISK_MARKER = "oci-e2e: booted from the disk (BIOS)";
const UEFI_DISK_MARKER = "oci-e2e: booted from the disk (UEFI)";

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
  let work: string;
  let image: string;
  let daemon: ChildProcess;
  const log: Record<string, unknown>[] = [];
  const vms: Vm[] = [];

  before(async () => {
    work = await tempDir("oci-e2e-");
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
    for (const vm of vms) await halt(vm);
    daemon?.kill("SIGTERM");
    await runTool("ip", ["netns", "del", ns]);
  });

  /** A boot of the VM: SeaBIOS and no disk unless told; under UEFI, the NIC first in the boot order and then the disk. */
  function boot(label: string, options: { firmware?: "bios" | "uefi"; disk?: string[] } = {}): Vm {
    const uefi = options.firmware === "uefi";
    const firmware = uefi
      ? ["-machine", "q35,accel=tcg", "-drive", "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd", "-drive", `if=pflash,format=raw,file=${join(work, "OVMF_VARS.fd")}`]
      : ["-machine", "pc,accel=tcg", "-boot", "n"];
    const child = spawn("ip", ["netns", "exec", ns, "qemu-system-x86_64", ...firmware, "-cpu", "max", "-m", process.env["OCI_E2E_MEMORY"] ?? "512", "-nographic", "-no-reboot",
      // UEFI: the firmware's own PXE client (virtio-net, no iPXE ROM), as on a server's NIC; no IPv6 network boot (an
      // operator's firmware setting: each boot option the firmware tries before the disk costs its timeout).
      "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
      ...(uefi ? ["-device", `virtio-net-pci,netdev=n0,mac=${MAC},romfile=,bootindex=1`, "-fw_cfg", "name=opt/org.tianocore/IPv6Support,string=no"] : ["-device", `e1000,netdev=n0,mac=${MAC}`]),
      ...(options.disk ?? []),
      "-smbios", `type=1,serial=${SERIAL}`],
    { stdio: ["ignore", "pipe", "pipe"] });
    const console: string[] = [];
    const file = join(work, `${label.replace(/ /g, "-")}.log`);
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (line) => console.push(`+${((Date.now() - started) / 1000).toFixed(1)} s ${line}`));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.once("exit", () => writeFileSync(file, `${console.join("\n")}\n`));
    step(`${label}: qemu started (console: ${file} once it ends)`);
    const vm = { child, console, exited };
    vms.push(vm);
    return vm;
  }

  /** Ends a VM and waits until it is gone (its console written), so that nothing writes into the work directory after the test. */
  async function halt(vm: Vm): Promise<void> {
    if (vm.child.exitCode === null && vm.child.signalCode === null) vm.child.kill("SIGKILL");
    await vm.exited;
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
    await waitFor("the discovery commit", async () => (await runTool("git", ["--git-dir", bare, "cat-file", "-e", `oci/inventory:${discovered}`])).code === 0, BOOT_TIMEOUT_MS, 500)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    step("discovery report committed");
    const report = await gitCli(bare, "show", `oci/inventory:${discovered}`);
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

  it("boot 3 (BIOS): PXE first in the boot order, and the installed machine is told to boot its disk, and boots it", async () => {
    const before = log.length;
    await biosMarkerDisk(join(work, "bios-disk.img"), BIOS_DISK_MARKER);
    const vm = boot("boot 3", { disk: ["-drive", `file=${join(work, "bios-disk.img")},format=raw,if=ide`] });
    const answer = await waitFor("the local-boot answer", () => log.slice(before).find((e) => e["event"] === "boot.answer" && e["fqdn"] === "cl1-compute-9.cl1.example.com"), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    assert.equal(answer["answer"], "local");
    assert.equal(answer["file"], `pxe/ipxe/${MAC.replace(/:/g, "-")}.ipxe`);
    // iPXE runs the local-boot script: sanboot of BIOS drive 0x80, whose boot sector prints its marker.
    await waitFor("the disk's boot sector on the console", () => vm.console.some((line) => line.includes(BIOS_DISK_MARKER)), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    assert.ok(!log.slice(before).some((e) => e["event"] === "report.status"), "no new install report");
    step("boot 3: local-boot answer, the disk booted");
    await halt(vm);
  });

  it("boot 4 (UEFI): the local-boot answer hands the machine back to its firmware, which boots the next entry of its boot order, the disk", async () => {
    const before = log.length;
    await copyFile("/usr/share/OVMF/OVMF_VARS.fd", join(work, "OVMF_VARS.fd"));
    await uefiMarkerDir(join(work, "esp"), UEFI_DISK_MARKER);
    const vm = boot("boot 4", { firmware: "uefi", disk: ["-drive", `if=none,id=d0,format=raw,readonly=on,file=fat:${join(work, "esp")}`, "-device", "virtio-blk-pci,drive=d0,bootindex=2"] });
    await waitFor("the local-boot answer", () => log.slice(before).find((e) => e["event"] === "boot.answer" && e["fqdn"] === "cl1-compute-9.cl1.example.com" && e["answer"] === "local"), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    await waitFor("the disk's boot loader on the console", () => vm.console.some((line) => line.includes(UEFI_DISK_MARKER)), BOOT_TIMEOUT_MS, 200)
      .catch((error: Error) => { throw new Error(error.message + vmTail(vm)); });
    const console = vm.console.join("\n");
    assert.doesNotMatch(console, /could not fetch this machine's boot script/, "boot.ipxe took the local-boot script's exit for what it is, not for a failed fetch");
    const since = log.slice(before);
    assert.ok(since.some((e) => e["event"] === "tftp.transfer" && e["file"] === "snponly.efi" && e["outcome"] === "complete"), "the firmware's PXE client fetched iPXE by TFTP");
    assert.ok(since.some((e) => e["event"] === "dhcp.reply" && e["mac"] === MAC && e["to"] === "255.255.255.255:68"), "answered to the limited broadcast");
    step(`boot 4: firmware PXE, snponly.efi, the local-boot answer, back to the firmware, the disk booted (${since.filter((e) => e["event"] === "boot.answer").length} boot answer)`);
    await halt(vm);
  });
});
