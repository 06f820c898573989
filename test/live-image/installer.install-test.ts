// npm run test:install — not part of npm test: debootstrap downloads and unpacks a Debian system
// (minutes, ~400 MB through the mirror). Needs root, loop devices, fdisk, dosfstools, mtools, debootstrap.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { lstatSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startHttpServer } from "../../runtime/http/http-server.js";
import { Metrics } from "../../runtime/observe/metrics.js";
import { networkConfigFor } from "../../runtime/release/network-config.js";
import { EMPTY_RELEASE, loadReleaseDirectory } from "../../runtime/release/release.js";
import { compileToDirectory } from "../helpers/compile-site.js";
import { repoRoot, sampleSite } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-dirs.js";
import { waitFor } from "../helpers/wait-for.js";

const installer = join(repoRoot, "live-image/installer/oci-install.sh");
const FQDN = "cl1-compute-1.cl1.example.com";
const TOKEN = "0123456789abcdef0123456789abcdef";

/** The mirror this machine's apt uses: the one CI can reach. */
async function mirror(): Promise<string> {
  const sources = await readFile("/etc/apt/sources.list.d/debian.sources", "utf8").catch(() => "");
  return /^URIs: (\S+\/debian)$/m.exec(sources)?.[1] ?? "http://deb.debian.org/debian";
}

describe("installer: Debian onto a loop-device disk that then boots under qemu, GRUB for BIOS and UEFI, puppet pointed at our server", { timeout: 3_600_000 }, () => {
  let work: string;
  let loop: string;
  const reports: Record<string, unknown>[] = [];
  let close: () => Promise<void>;
  let port: number;
  let network: string;

  before(async () => {
    work = await tempDir("oci-install-");
    // The network files of sample-site's cl1-compute-1, served to this address as to the machine's reserved one.
    const sample = await loadReleaseDirectory((await compileToDirectory(sampleSite)).out);
    const reserved = sample.dhcp.reservations.find((r) => r.fqdn === FQDN)!.address;
    network = networkConfigFor(sample, reserved)!;
    const server = await startHttpServer({
      port: 0, listen: "127.0.0.1", release: () => EMPTY_RELEASE, metrics: new Metrics(), health: () => ({ ok: true, detail: {} }),
      onStatus: async (report) => (reports.push(report), "recorded"),
      autosignToken: async (address) => (address === "127.0.0.1" ? TOKEN : undefined),
      networkConfig: (address) => (address === "127.0.0.1" ? network : undefined),
    });
    close = server.close;
    port = server.port;
    execFileSync("truncate", ["-s", "4G", join(work, "disk.img")]);
    loop = execFileSync("losetup", ["--find", "--show", "--partscan", join(work, "disk.img")], { encoding: "utf8" }).trim();
    await mkdir(join(work, "proc"));
    await writeFile(join(work, "proc/cmdline"), `boot=live oci.url=http://127.0.0.1:${port} oci.mode=install oci.hostname=${FQDN} oci.role=compute oci.puppet=puppet.example.com oci.environment=production oci.mirror=${await mirror()} oci.release=bookworm oci.serial=INSTALL1 oci.generation=3 console=tty0 console=ttyS0,115200\n`);
  });

  after(async () => {
    execFileSync("sh", ["-c", `umount -R ${join(work, "check")} 2>/dev/null; umount -R ${join(work, "target")} 2>/dev/null; losetup -d ${loop} 2>/dev/null; true`]);
    await close();
  });

  const installerEnv = () => ({
    ...process.env, OCI_PROC: join(work, "proc"), OCI_DISK_PATHS: loop, OCI_TARGET: join(work, "target"), OCI_NO_REBOOT: "1",
    OCI_HOOK_DIR: join(repoRoot, "puppet/modules/oci/files"),
  });

  it("installs, reports every step, and leaves a system that boots and joins puppet", async () => {
    const started = Date.now();
    // Asynchronously: the status server the installer reports to lives in this process.
    const installing = spawn("sh", [installer], {
      stdio: ["ignore", "inherit", "inherit"], timeout: 3_000_000,
      env: installerEnv(),
    });
    const code = await new Promise<number | null>((resolve) => installing.once("exit", resolve));
    assert.equal(code, 0, `installer failed; last report: ${JSON.stringify(reports.at(-1))}`);
    console.log(`# installer finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    assert.deepEqual(reports.map((r) => `${String(r["status"])}/${String(r["step"])}`), [
      "installing/check", "installing/partition", "installing/filesystems", "installing/debootstrap", "installing/configure", "installing/bootloader", "installed/finished",
    ]);
    assert.ok(reports.every((r) => r["serial"] === "INSTALL1" && r["hostname"] === FQDN && r["generation"] === 3), "the site's serial and generation, from the command line");

    const mbr = execFileSync("dd", [`if=${loop}`, "bs=512", "count=1", "status=none"]);
    assert.ok(mbr.includes(Buffer.from("GRUB")), "GRUB's boot code is in the disk's first sector (BIOS boot)");
    const check = join(work, "check");
    await mkdir(check, { recursive: true });
    execFileSync("mount", ["-o", "ro", `${loop}p3`, check]);
    const grub = await readFile(join(check, "boot/grub/grub.cfg"), "utf8");
    assert.match(grub, /linux\s+\/boot\/vmlinuz-\S+ root=UUID=\S+ .*console=ttyS0,115200/);
    // UEFI: the removable-media path firmware boots without NVRAM entries, on the FAT ESP (read with mtools: no vfat needed here).
    const efi = execFileSync("mtype", ["-i", `${loop}p2`, "::/EFI/BOOT/BOOTX64.EFI"]);
    assert.equal(efi.subarray(0, 2).toString("latin1"), "MZ", "BOOTX64.EFI is a PE image");
    await readFile(join(check, "boot/grub/i386-pc/normal.mod"));
    const puppet = await readFile(join(check, "etc/puppet/puppet.conf"), "utf8");
    assert.match(puppet, /^server = puppet\.example\.com$/m);
    assert.match(puppet, new RegExp(`^certname = ${FQDN.replace(/\./g, "\\.")}$`, "m"));
    assert.match(puppet, /^environment = production$/m);
    assert.match(await readFile(join(check, "etc/puppet/csr_attributes.yaml"), "utf8"), new RegExp(`1\\.2\\.840\\.113549\\.1\\.9\\.7: "${TOKEN}"`));
    // Every file of the site's network configuration, byte for byte; no DHCP fallback.
    for (const [, name, content] of network.matchAll(/^--- (\S+)\n([\s\S]*?)(?=^--- |(?![\s\S]))/gm)) {
      assert.equal(await readFile(join(check, "etc/systemd/network", name!), "utf8"), content, name);
    }
    await assert.rejects(readFile(join(check, "etc/systemd/network/50-oci-boot.network")));
    assert.ok(lstatSync(join(check, "etc/systemd/system/multi-user.target.wants/systemd-networkd.service"), { throwIfNoEntry: false }), "networkd starts at boot");
    // What Puppet keeps (oci::puppet_agent), written the same way by the installer: the first Puppet run changes nothing there.
    assert.equal(await readFile(join(check, "etc/oci/node.env"), "utf8"), `OCI_URL=http://127.0.0.1:${port}\nOCI_FQDN=${FQDN}\nOCI_SERIAL=INSTALL1\n`);
    assert.equal(await readFile(join(check, "usr/local/sbin/oci-puppet-running"), "utf8"), await readFile(join(repoRoot, "puppet/modules/oci/files/oci-puppet-running"), "utf8"));
    assert.match(puppet, /^\[agent\]\nprerun_command = \/usr\/local\/sbin\/oci-puppet-running$/m);
    assert.ok(lstatSync(join(check, "etc/systemd/system/multi-user.target.wants/puppet.service"), { throwIfNoEntry: false }), "the agent starts at boot");
    assert.equal(await readFile(join(check, "etc/oci/install.env"), "utf8"), `OCI_FQDN=${FQDN}\nOCI_GENERATION=3\n`);
    assert.equal(await readFile(join(check, "etc/resolv.conf"), "utf8"), "search example.com\nnameserver 192.168.100.3\nnameserver 192.168.100.4\n", "the site's resolvers, as oci::base writes them");
    assert.match(await readFile(join(check, "etc/systemd/system/puppet.service.d/oci.conf"), "utf8"), /^Wants=network-online\.target$/m);
    const fstab = await readFile(join(check, "etc/fstab"), "utf8");
    const rootUuid = execFileSync("blkid", ["-s", "UUID", "-o", "value", `${loop}p3`], { encoding: "utf8" }).trim();
    assert.match(fstab, new RegExp(`^UUID=${rootUuid} / ext4`, "m"));
    assert.equal((await readFile(join(check, "etc/hostname"), "utf8")).trim(), "cl1-compute-1");

    execFileSync("umount", [check]);

    // Run again with the same generation: the disk holds this machine's install, so nothing is wiped.
    reports.length = 0;
    const again = spawn("sh", [installer], { stdio: ["ignore", "inherit", "inherit"], timeout: 300_000, env: installerEnv() });
    assert.equal(await new Promise<number | null>((resolve) => again.once("exit", resolve)), 0);
    assert.deepEqual(reports.map((r) => `${String(r["status"])}/${String(r["step"])}`), ["installing/check", "installed/already-installed"]);
    assert.equal(execFileSync("blkid", ["-s", "UUID", "-o", "value", `${loop}p3`], { encoding: "utf8" }).trim(), rootUuid, "the same filesystem");

    // Proof that it boots: qemu (BIOS, TCG) on the disk image, GRUB → kernel → systemd, on the serial console.
    execFileSync("losetup", ["-d", loop]);
    const booting = Date.now();
    const vm = spawn("qemu-system-x86_64", ["-machine", "pc,accel=tcg", "-cpu", "max", "-m", "1024", "-nographic", "-no-reboot", "-drive", `file=${join(work, "disk.img")},format=raw`, "-nic", "none"], { stdio: ["ignore", "pipe", "pipe"] });
    let serial = "";
    vm.stdout!.on("data", (chunk: Buffer) => void (serial += chunk.toString("latin1")));
    try {
      await waitFor("the installed system's login prompt on the serial console", () => /cl1-compute-1 login:/.test(serial), 300_000, 500);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- serial console tail ---\n${serial.slice(-3000)}`);
    } finally {
      vm.kill("SIGKILL");
    }
    assert.match(serial, /Loading Linux 6\.1\S* \.\.\./, "GRUB loaded the installed kernel");
    assert.match(serial, /Debian GNU\/Linux 12 cl1-compute-1 ttyS0/, "systemd's getty on the serial console named in site.yaml");
    console.log(`# installed system reached its login prompt ${((Date.now() - booting) / 1000).toFixed(0)} s after qemu started`);
  });
});
