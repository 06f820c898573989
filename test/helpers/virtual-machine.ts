import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { must, runTool, type ToolResult } from "./run-tool.js";
import { startService, type Service } from "./service.js";
import { waitFor } from "./wait-for.js";

export interface VmNic {
  /** The bridge in `ns` its tap is a port of. */
  readonly bridge: string;
  readonly tap: string;
  readonly mac: string;
}

export interface VmSpec {
  /** The network namespace the taps and qemu live in (the provisioning side's bridges). */
  readonly ns: string;
  readonly nics: readonly VmNic[];
  readonly memoryMb: number;
  /** Blank disks after the root (vdb, vdc …), their sizes in GiB. */
  readonly dataDisksGb: readonly number[];
  /** Where its root is reached over SSH, from `ns`. */
  readonly sshAddress: string;
}

/**
 * A Debian machine under qemu (TCG: Debian's whole kernel, device-mapper included, at a tenth of the
 * host's speed). Its root disk is an ext4 image made from a directory tree (an overlay of cached
 * layers, which `prepare` installs), booted with the kernel and initramfs in that tree's /boot.
 * Commands run over SSH as root, with a key the test made: the operator's console on the node.
 */
export class VirtualMachine {
  private constructor(private readonly work: string, private readonly spec: VmSpec, private readonly service: Service) {}

  get pid(): number {
    return this.service.child.pid ?? 0;
  }

  /** Writes its disks from `lowers` (upper layer first) and `prepare`, then boots it until SSH answers. */
  static async create(lowers: readonly string[], work: string, spec: VmSpec, prepare: (root: string) => Promise<void>): Promise<VirtualMachine> {
    const [upper, scratch, merged] = ["upper", "work", "merged"].map((d) => join(work, d)) as [string, string, string];
    for (const dir of [upper, scratch, merged]) await mkdir(dir, { recursive: true });
    await must("mount", "-t", "overlay", "overlay", "-o", `lowerdir=${lowers.join(":")},upperdir=${upper},workdir=${scratch}`, merged);
    try {
      await prepare(merged);
      await must("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", join(work, "ssh-key"));
      await mkdir(join(merged, "root/.ssh"), { recursive: true, mode: 0o700 });
      await must("cp", `${join(work, "ssh-key")}.pub`, join(merged, "root/.ssh/authorized_keys"));
      const boot = await readdir(join(merged, "boot"));
      for (const kind of ["vmlinuz", "initrd.img"]) {
        const file = boot.find((f) => f.startsWith(`${kind}-`));
        if (!file) throw new Error(`no ${kind} in ${merged}/boot: the VM layer has no kernel`);
        await must("cp", join(merged, "boot", file), join(work, kind));
      }
      // mkfs.ext4 -d copies the tree into the new file system: no loop device, nothing mounted.
      await must("truncate", "-s", "12G", join(work, "vda.img"));
      await must("mkfs.ext4", "-q", "-F", "-L", "root", "-d", merged, join(work, "vda.img"));
    } finally {
      await runTool("umount", [merged]);
    }
    for (const [index, size] of spec.dataDisksGb.entries()) await must("truncate", "-s", `${size}G`, join(work, `vd${"bcdefgh"[index]}.img`));
    for (const nic of spec.nics) {
      await must("ip", "-n", spec.ns, "tuntap", "add", "dev", nic.tap, "mode", "tap", "vnet_hdr");
      await must("ip", "-n", spec.ns, "link", "set", nic.tap, "master", nic.bridge);
      await must("ip", "-n", spec.ns, "link", "set", nic.tap, "up");
    }
    const vm = new VirtualMachine(work, spec, await VirtualMachine.start(work, spec));
    await vm.waitForSsh();
    return vm;
  }

  private static async start(work: string, spec: VmSpec): Promise<Service> {
    const disks = ["vda", ...spec.dataDisksGb.map((_, i) => `vd${"bcdefgh"[i]}`)]
      .flatMap((d) => ["-drive", `file=${join(work, `${d}.img`)},if=virtio,format=raw,cache=unsafe`]);
    const nics = spec.nics.flatMap((nic, i) => ["-netdev", `tap,id=n${i},ifname=${nic.tap},script=no,downscript=no`, "-device", `virtio-net-pci,netdev=n${i},mac=${nic.mac}`]);
    return startService(`qemu ${work}`, ["ip", "netns", "exec", spec.ns, "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-smp", "2", "-m", String(spec.memoryMb),
      "-display", "none", "-vga", "none", "-monitor", "none", "-serial", "stdio", "-kernel", join(work, "vmlinuz"), "-initrd", join(work, "initrd.img"),
      "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=1", ...disks, ...nics], /Reached target.*Multi-User System/, 900_000);
  }

  private async waitForSsh(): Promise<void> {
    await waitFor(`SSH on ${this.spec.sshAddress}`, async () => (await this.exec("true", { timeout: 30_000 })).code === 0 || undefined, 300_000, 2_000);
  }

  /** Runs a bash script on it, as root, in `cwd`. */
  exec(script: string, options: { cwd?: string; timeout?: number; input?: string } = {}): Promise<ToolResult> {
    return runTool("ip", ["netns", "exec", this.spec.ns, "ssh", "-q", "-i", join(this.work, "ssh-key"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
      "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=30", `root@${this.spec.sshAddress}`,
      `cd ${options.cwd ?? "/"} && bash -c ${shellQuote(script)}`], { timeout: options.timeout ?? 600_000, ...(options.input === undefined ? {} : { input: options.input }) });
  }

  /** Power off the hard way: qemu killed, nothing flushed in the guest. */
  async cutPower(): Promise<void> {
    this.service.child.kill("SIGKILL");
    await this.service.stop();
  }

  async stop(): Promise<void> {
    await this.exec("systemctl poweroff", { timeout: 20_000 }).catch(() => undefined);
    await waitFor("qemu to exit", () => this.service.child.exitCode !== null || this.service.child.signalCode !== null || undefined, 60_000, 500).catch(() => undefined);
    await this.service.stop();
    for (const nic of this.spec.nics) await runTool("ip", ["-n", this.spec.ns, "link", "del", nic.tap]);
  }

  /** The console so far into a file, for a failed run's reader. */
  async saveConsole(file: string): Promise<void> {
    await writeFile(file, `${this.service.lines.join("\n")}\n`);
  }
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
