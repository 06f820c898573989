// npm run test:e2e-install — not part of npm test: under software emulation the whole path takes
// tens of minutes. One VM per firmware (BIOS: SeaBIOS; UEFI: OVMF) goes the whole way: PXE
// discovery, assignment by a push, the real installer (debootstrap from the Debian mirror through
// apt-cacher-ng on the provisioning side), reboot to its own disk with PXE still first, every
// network of the site up (a static address, a VLAN, a bond with jumbo frames), puppet agent against
// Debian's puppetserver whose ENC and autosign are oci's hooks, its catalog applied, the outcome
// reported by puppetserver's report processor, and the next setup wave opened by it.
//
// Everything runs in a network namespace the test creates; the VMs reach the mirror only through
// a relay to the host's apt-cacher-ng (a Unix socket between the namespaces). Needs root, the
// Debian packages of .ci/apt-packages and .ci/e2e-packages, and the network to the Debian mirror.
// OCI_E2E_FIRMWARE=bios|uefi runs one; OCI_E2E_CACHE keeps the live image and the apt cache
// (default /var/cache/oci-e2e) so reruns skip the build and the downloads.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, readFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { StatusStore, type StatusRecord } from "../../runtime/state/status-store.js";
import { gitCli } from "../helpers/git-repo.js";
import { liveImage } from "../helpers/live-image.js";
import { fixtures } from "../helpers/paths.js";
import { startProvisioningHost, type ProvisioningHost } from "../helpers/provisioning-host.js";
import { runOci } from "../helpers/run-cli.js";
import { runTool } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";
import { waitFor } from "../helpers/wait-for.js";

const PROVISIONING = "192.168.100.2";
const CACHE = process.env["OCI_E2E_CACHE"] ?? "/var/cache/oci-e2e";
const MINUTE = 60_000;

interface Machine {
  readonly firmware: "bios" | "uefi";
  readonly hostname: string;
  readonly serial: string;
  /** Boot NIC, then the two bond members. */
  readonly macs: readonly [string, string, string];
}

const ALL: readonly Machine[] = [
  { firmware: "bios", hostname: "c1-dns-1", serial: "E2E0001", macs: ["52:54:00:e2:e0:01", "52:54:00:e2:e0:02", "52:54:00:e2:e0:03"] },
  { firmware: "uefi", hostname: "c1-dns-2", serial: "E2E0002", macs: ["52:54:00:e2:e0:21", "52:54:00:e2:e0:22", "52:54:00:e2:e0:23"] },
];
const MACHINES = ALL.filter((m) => (process.env["OCI_E2E_FIRMWARE"] ?? "bios,uefi").split(",").includes(m.firmware));

const FQDN = (m: Machine) => `${m.hostname}.c1.lab.test`;
const CONTROLLER = "c1-ctl-1.c1.lab.test";
const started = Date.now();
const clock = () => `+${((Date.now() - started) / 1000).toFixed(0)} s`;

async function must(...command: string[]): Promise<string> {
  const result = await runTool(command[0]!, command.slice(1), { timeout: 120_000 });
  if (result.code !== 0) throw new Error(`${command.join(" ")}: ${result.output}`);
  return result.output;
}

describe("the whole path under qemu: PXE, install, local boot, every network, puppetserver, the next wave", { timeout: 240 * MINUTE }, () => {
  const ns = `oie-${randomBytes(3).toString("hex")}`;
  let work: string;
  let bare: string;
  let clone: string;
  let stateDir: string;
  let envDir: string;
  let provisioning: ProvisioningHost;
  let puppetserver: ProvisioningHost["puppetserver"];
  let daemon: ProvisioningHost["daemon"];
  const vms: ChildProcess[] = [];
  /** Pushes of the two machines' scenarios take turns. */
  let gitTurn: Promise<unknown> = Promise.resolve();
  const timings = new Map<string, string[]>();

  const events = () => provisioning.events();
  const journal = async (): Promise<StatusRecord[]> =>
    (await readFile(join(stateDir, "status.journal"), "utf8").catch(() => "")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as StatusRecord);
  const note = (m: Machine, what: string) => {
    const line = `${clock()}: ${m.firmware} ${m.hostname}: ${what}`;
    console.log(`# e2e ${line}`);
    timings.set(m.firmware, [...(timings.get(m.firmware) ?? []), line]);
  };

  before(async () => {
    work = await tempDir("oci-e2e-install-");
    const image = await liveImage((line) => console.log(`# e2e ${clock()}: ${line}`));
    console.log(`# e2e ${clock()}: live image ${image}`);
    await must("ip", "netns", "add", ns);
    await must("ip", "-n", ns, "link", "set", "lo", "up");
    for (const bridge of ["br0", "br1"]) {
      await must("ip", "-n", ns, "link", "add", bridge, "type", "bridge");
      await must("ip", "-n", ns, "link", "set", bridge, "up");
    }
    await must("ip", "-n", ns, "addr", "add", `${PROVISIONING}/24`, "dev", "br0");
    for (const [i] of MACHINES.entries()) {
      for (const [n, bridge] of [[0, "br0"], [1, "br1"], [2, "br1"]] as const) {
        await must("ip", "-n", ns, "tuntap", "add", "dev", `tap${i}${n}`, "mode", "tap");
        await must("ip", "-n", ns, "link", "set", `tap${i}${n}`, "master", bridge);
        await must("ip", "-n", ns, "link", "set", `tap${i}${n}`, "up");
      }
    }
    // The site, without its two DNS machines: they are assigned once discovered.
    provisioning = await startProvisioningHost({
      ns, address: PROVISIONING, site: join(fixtures, "install-site"), withhold: ["clusters/c1/machines/c1-dns-1.yaml", "clusters/c1/machines/c1-dns-2.yaml"],
      dns: { "puppet.lab.test": PROVISIONING }, puppetCertname: "puppet.lab.test", cache: CACHE, work, liveDir: image,
      log: (line) => console.log(`# e2e ${clock()}: ${line}`),
    });
    ({ bare, clone, stateDir, envDir, daemon, puppetserver } = provisioning);
  });

  after(async () => {
    for (const vm of vms) vm.kill("SIGKILL");
    await provisioning?.stop();
    await runTool("ip", ["netns", "del", ns]);
    for (const [firmware, lines] of timings) console.log(`# e2e timings, ${firmware}:\n${lines.map((l) => `#   ${l}`).join("\n")}`);
  });

  const encOf = async (certname: string) => {
    const result = await runOci(["enc", certname, "--puppet-env-dir", join(envDir, "production"), "--state-dir", stateDir]);
    assert.equal(result.code, 0, result.stderr);
    return parse(result.stdout) as { classes: string[]; parameters: Record<string, unknown> };
  };

  describe("each firmware's machine, at the same time", { concurrency: true }, () => {
    for (const [index, machine] of MACHINES.entries()) {
      it(`${machine.firmware}: ${machine.hostname} from PXE to a configured node that reported its Puppet run`, async () => {
        await scenario(index, machine);
      });
    }
  });

  it("the next wave opened on the real reports: the controller gets its role", async () => {
    const status = StatusStore.read(join(stateDir, "status"));
    for (const m of MACHINES) assert.ok(status.succeeded[m.serial], `${m.hostname} succeeded`);
    if (MACHINES.length < 2) return; // with one firmware, the other DNS machine is not in the site
    const controller = await encOf(CONTROLLER);
    assert.deepEqual(controller.classes, ["oci::role::controller"]);
    assert.equal(controller.parameters["oci_puppet_enabled"], true);
  });

  /** One VM's whole path. The two firmwares run at once, each on its own taps, disk and serial log. */
  async function scenario(index: number, m: Machine): Promise<void> {
    const disk = join(work, `${m.hostname}.qcow2`);
    await must("qemu-img", "create", "-q", "-f", "qcow2", disk, "16G");
    const vars = join(work, `${m.hostname}-vars.fd`);
    if (m.firmware === "uefi") await copyFile("/usr/share/OVMF/OVMF_VARS.fd", vars);

    const boot = (n: number) => {
      const args = [
        ...(m.firmware === "bios"
          ? ["-machine", "pc,accel=tcg", "-boot", "order=nc"]
          : ["-machine", "q35,accel=tcg", "-drive", "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd", "-drive", `if=pflash,format=raw,file=${vars}`]),
        "-cpu", "max", "-m", "2560", "-nographic", "-no-reboot", "-smbios", `type=1,serial=${m.serial}`,
        // The disk is this test's scratch: its writes need not survive a host crash (cache=unsafe spares the fsyncs).
        "-drive", `file=${disk},if=none,id=d0,format=qcow2,cache=unsafe`, "-device", `virtio-blk-pci,drive=d0${m.firmware === "uefi" ? ",bootindex=2" : ""}`,
        "-netdev", `tap,id=n0,ifname=tap${index}0,script=no,downscript=no`,
        // BIOS: the NIC's iPXE ROM. UEFI: the firmware's own PXE client (virtio-net without a ROM), as on a
        // server, which loads snponly.efi by TFTP; no IPv6 network boot (each entry tried costs a timeout).
        ...(m.firmware === "uefi"
          ? ["-device", `virtio-net-pci,netdev=n0,mac=${m.macs[0]},romfile=,bootindex=1`, "-fw_cfg", "name=opt/org.tianocore/IPv6Support,string=no"]
          : ["-device", `e1000,netdev=n0,mac=${m.macs[0]}`]),
        "-netdev", `tap,id=n1,ifname=tap${index}1,script=no,downscript=no`, "-device", `e1000,netdev=n1,mac=${m.macs[1]},romfile=`,
        "-netdev", `tap,id=n2,ifname=tap${index}2,script=no,downscript=no`, "-device", `e1000,netdev=n2,mac=${m.macs[2]},romfile=`,
      ];
      const child = spawn("ip", ["netns", "exec", ns, "qemu-system-x86_64", ...args], { stdio: ["ignore", "pipe", "pipe"] });
      vms.push(child);
      const console: string[] = [];
      const file = createWriteStream(join(work, `${m.hostname}-boot${n}.log`));
      for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (line) => {
        console.push(line);
        file.write(`${line}\n`);
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      note(m, `boot ${n}: qemu started`);
      return { child, console, exited };
    };
    type Vm = ReturnType<typeof boot>;
    const tail = (vm: Vm) => `\n--- ${m.hostname} console, last 60 lines ---\n${vm.console.slice(-60).join("\n")}`;
    const until = async <T>(vm: Vm, what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, minutes: number): Promise<T> =>
      waitFor(what, probe, minutes * MINUTE, 1000).catch((error: Error) => {
        throw new Error(error.message + tail(vm));
      });
    const exit = async (vm: Vm, what: string, minutes: number) => {
      const code = await until(vm, what, () => vm.child.exitCode !== null || vm.child.signalCode !== null, minutes);
      assert.ok(code);
      assert.equal(vm.child.exitCode, 0, `qemu ended ${vm.child.exitCode ?? vm.child.signalCode}${tail(vm)}`);
    };

    // Boot 1: discovery, then the operator assigns the machine with a push.
    const vm1 = boot(1);
    const discovered = `inventory/discovered/${m.serial}.yaml`;
    await until(vm1, "the discovery commit", async () => (await runTool("git", ["--git-dir", bare, "cat-file", "-e", `oci/inventory:${discovered}`])).code === 0, 20);
    note(m, "discovery report committed");
    const report = await gitCli(bare, "show", `oci/inventory:${discovered}`);
    for (const mac of m.macs) assert.match(report, new RegExp(`mac: "${mac}"`), "every NIC reported");
    gitTurn = gitTurn.then(async () => {
      await gitCli(clone, "pull", "-q", "--rebase", "origin", "main");
      await copyFile(join(fixtures, "install-site/clusters/c1/machines", `${m.hostname}.yaml`), join(clone, "clusters/c1/machines", `${m.hostname}.yaml`));
      await gitCli(clone, "add", "-A");
      await gitCli(clone, "commit", "-q", "-m", `Assign ${m.serial} as ${m.hostname}`);
      await gitCli(clone, "push", "-q", "origin", "main");
    });
    await gitTurn;
    note(m, "assignment pushed");
    await exit(vm1, "the reboot the agent is told", 10);
    note(m, "boot 1 ended: the agent rebooted on its instruction");
    // Assigned, not yet configured: the controller's gate waits for this machine (the infrastructure wave).
    const gated = await encOf(CONTROLLER);
    assert.deepEqual(gated.classes, []);
    assert.ok((gated.parameters["oci_waiting_for"] as string[]).includes(FQDN(m)), JSON.stringify(gated.parameters));

    // Boot 2: the real installer, from the reserved address.
    const vm2 = boot(2);
    const outcome = await until(vm2, "installed (or install-failed)", async () => (await journal()).find((r) => r.serial === m.serial && (r.status === "installed" || r.status === "install-failed")), 120);
    if (outcome.status === "install-failed") throw new Error(`install failed at ${outcome.step}: ${outcome.detail}${tail(vm2)}`);
    const steps = (await journal()).filter((r) => r.serial === m.serial && /^install/.test(r.status));
    note(m, `installed (steps: ${steps.map((r) => r.step).join(", ")})`);
    assert.ok(!steps.some((r) => r.status === "install-failed"), JSON.stringify(steps.filter((r) => r.status === "install-failed")));
    assert.deepEqual(steps.map((r) => r.step), ["check", "partition", "filesystems", "debootstrap", "configure", "bootloader", "finished"]);
    await exit(vm2, "the installer's reboot", 10);
    note(m, "boot 2 ended: the installer rebooted");
    if (m.firmware === "uefi") {
      const windowed = events().find((e) => e["event"] === "tftp.transfer" && e["file"] === "snponly.efi" && e["outcome"] === "complete");
      assert.ok(windowed, "the firmware's PXE client loaded snponly.efi by TFTP");
      note(m, `UEFI TFTP of snponly.efi: asked ${JSON.stringify(windowed["requested"])}, agreed ${JSON.stringify(windowed["negotiated"])}`);
    }

    // Boot 3: PXE is still first; oci answers local boot; Debian boots, brings its networks up and runs Puppet.
    const before = daemon.lines.length;
    const vm3 = boot(3);
    const answer = await until(vm3, "the boot answer", () => daemon.lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e["event"] === "boot.answer" && e["fqdn"] === FQDN(m)), 15);
    assert.equal(answer["answer"], "local");
    note(m, `boot 3: told to boot its disk (${String(answer["via"])})`);
    // getty's issue line: the prompt after it ends without a newline, so a line reader sees it only
    // when something else is printed after it (found by npm run test:e2e-install, on the UEFI VM).
    await until(vm3, "the installed system's login prompt", () => vm3.console.some((l) => l.includes(`Debian GNU/Linux 12 ${m.hostname} ttyS0`) || l.includes(`${m.hostname} login:`)), 30);
    note(m, "the installed system is up (login prompt on the serial console)");
    const own = (await journal()).filter((r) => r.serial === m.serial);
    assert.ok(!own.slice(own.findIndex((r) => r.status === "installed")).some((r) => r.status === "installing"), "it did not install again");
    const success = await until(vm3, "puppet-success from puppetserver's report", async () => (await journal()).find((r) => r.serial === m.serial && r.status === "puppet-success"), 90);
    note(m, `Puppet run reported success, catalog version ${success.commit}`);
    assert.match(success.commit ?? "", /^[0-9a-f]{40}$/);
    assert.equal((await runTool("git", ["--git-dir", bare, "merge-base", "--is-ancestor", success.commit!, "oci/rendered"])).code, 0, "the catalog version is a rendered commit");
    const failures = (await journal()).filter((r) => r.serial === m.serial && r.status === "puppet-failure");
    assert.deepEqual(failures.map((f) => f.failedResources), [], "no Puppet run failed on the way");

    // Inside the guest, as its own facter saw it: every network of the site, on the devices the site described.
    const node = parse(await readFile(join(envDir, "production/data/nodes", `${FQDN(m)}.yaml`), "utf8")) as Record<string, unknown>;
    const interfaces = node["oci::node::interfaces"] as { network: string; address: string; device: string; mtu: number }[];
    const facts = await until(vm3, "the agent's facts", () => puppetserver.factsOf(FQDN(m)), 5);
    const seen = ((facts["networking"] as Record<string, unknown>)["interfaces"] ?? {}) as Record<string, { ip?: string; mtu?: number; mac?: string }>;
    for (const i of interfaces) {
      assert.equal(seen[i.device]?.ip, i.address, `${i.network} on ${i.device}: ${JSON.stringify(seen[i.device])}`);
      assert.equal(seen[i.device]?.mtu, i.mtu, `${i.network}'s MTU on ${i.device}`);
    }
    assert.deepEqual(interfaces.map((i) => i.device), [`enx${m.macs[0].replace(/:/g, "")}`, "vlan10", "bond0"]);
    for (const member of m.macs.slice(1)) assert.equal(seen[`enx${member.replace(/:/g, "")}`]?.mtu, 9000, "a bond member carries the bond's MTU");
    note(m, `networks up as facter saw them: ${interfaces.map((i) => `${i.device} ${i.address} mtu ${i.mtu}`).join("; ")}`);

    const status = await runOci(["status", "--json", "--puppet-env-dir", join(envDir, "production"), "--state-dir", stateDir]);
    const row = (JSON.parse(status.stdout) as { machines: { fqdn: string; status: string; applied?: { commit: string } }[] }).machines.find((r) => r.fqdn === FQDN(m))!;
    assert.equal(row.applied?.commit, success.commit, "oci status shows the commit the machine applied");
    vm3.child.kill("SIGTERM");
  }
});
