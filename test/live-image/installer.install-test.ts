// npm run test:install — not part of npm test: debootstrap downloads and unpacks a Debian system
// (minutes, ~400 MB through the mirror). Needs root, loop devices, fdisk, dosfstools, mtools, debootstrap.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startHttpServer } from "../../runtime/http/http-server.js";
import { Metrics } from "../../runtime/observe/metrics.js";
import { EMPTY_RELEASE } from "../../runtime/release/release.js";
import { repoRoot } from "../helpers/paths.js";
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

  before(async () => {
    work = await tempDir("oci-install-");
    const server = await startHttpServer({
      port: 0, listen: "127.0.0.1", release: () => EMPTY_RELEASE, metrics: new Metrics(), health: () => ({ ok: true, detail: {} }),
      onStatus: async (report) => (reports.push(report), "recorded"),
      autosignToken: async (address) => (address === "127.0.0.1" ? TOKEN : undefined),
    });
    close = server.close;
    port = server.port;
    execFileSync("truncate", ["-s", "4G", join(work, "disk.img")]);
    loop = execFileSync("losetup", ["--find", "--show", "--partscan", join(work, "disk.img")], { encoding: "utf8" }).trim();
    await mkdir(join(work, "proc"));
    await writeFile(join(work, "proc/cmdline"), `boot=live oci.url=http://127.0.0.1:${port} oci.mode=install oci.hostname=${FQDN} oci.role=compute oci.puppet=puppet.example.com oci.environment=production oci.mirror=${await mirror()} oci.release=bookworm console=tty0 console=ttyS0,115200\n`);
  });

  after(async () => {
    execFileSync("sh", ["-c", `umount -R ${join(work, "check")} 2>/dev/null; umount -R ${join(work, "target")} 2>/dev/null; losetup -d ${loop} 2>/dev/null; true`]);
    await close();
  });

  it("installs, reports every step, and leaves a system that boots and joins puppet", async () => {
    const started = Date.now();
    // Asynchronously: the status server the installer reports to lives in this process.
    const installing = spawn("sh", [installer], {
      stdio: ["ignore", "inherit", "inherit"], timeout: 3_000_000,
      env: { ...process.env, OCI_PROC: join(work, "proc"), OCI_DISK_PATHS: loop, OCI_TARGET: join(work, "target"), OCI_NO_REBOOT: "1", OCI_SERIAL: "INSTALL1", OCI_BOOT_MAC: "52:54:00:aa:bb:cc" },
    });
    const code = await new Promise<number | null>((resolve) => installing.once("exit", resolve));
    assert.equal(code, 0, `installer failed; last report: ${JSON.stringify(reports.at(-1))}`);
    console.log(`# installer finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    assert.deepEqual(reports.map((r) => `${String(r["status"])}/${String(r["step"])}`), [
      "installing/partition", "installing/filesystems", "installing/debootstrap", "installing/configure", "installing/bootloader", "installed/finished",
    ]);
    assert.ok(reports.every((r) => r["serial"] === "INSTALL1" && r["hostname"] === FQDN));

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
    assert.match(await readFile(join(check, "etc/systemd/network/50-oci-boot.network"), "utf8"), /MACAddress=52:54:00:aa:bb:cc/);
    const fstab = await readFile(join(check, "etc/fstab"), "utf8");
    const rootUuid = execFileSync("blkid", ["-s", "UUID", "-o", "value", `${loop}p3`], { encoding: "utf8" }).trim();
    assert.match(fstab, new RegExp(`^UUID=${rootUuid} / ext4`, "m"));
    assert.equal((await readFile(join(check, "etc/hostname"), "utf8")).trim(), "cl1-compute-1");

    // Proof that it boots: qemu (BIOS, TCG) on the disk image, GRUB → kernel → systemd, on the serial console.
    execFileSync("umount", [check]);
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
