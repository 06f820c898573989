import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool, type ToolResult } from "./run-tool.js";
import { startService, type Service } from "./service.js";

/**
 * A Debian system booted with its own systemd in a systemd-nspawn container: an overlay on a
 * cached root (nothing is written to it), its own network namespace with only loopback, and the
 * host's node and any directories bound in. Commands run inside with nsenter.
 */
export class Container {
  private constructor(readonly merged: string, readonly service: Service, readonly pid: number) {}

  /**
   * Boots a container on an overlay of `lower`. `network`: the name of a network namespace the test
   * made (ip netns add), whose interfaces the container gets; without it, a namespace of its own with
   * only loopback. `prepare` runs on the merged tree before the boot (an installer, say).
   */
  static async boot(
    lower: string, work: string, binds: readonly string[],
    options: { network?: string; prepare?: (root: string) => Promise<void>; capabilities?: "all" } = {},
  ): Promise<Container> {
    const [upper, scratch, merged] = ["upper", "work", "merged"].map((d) => join(work, d)) as [string, string, string];
    for (const dir of [upper, scratch, merged]) await mkdir(dir, { recursive: true });
    const mounted = await runTool("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${scratch}`, merged]);
    if (mounted.code !== 0) throw new Error(`overlay: ${mounted.output}`);
    await options.prepare?.(merged);
    let pid = 0;
    const network = options.network ? [`--network-namespace-path=/run/netns/${options.network}`] : ["--private-network"];
    // A machine's services (networkd, Open vSwitch, libvirt) need what a machine's root has.
    const capabilities = options.capabilities === "all" ? ["--capability=all"] : [];
    // nspawn leaves /proc/sys read-only with a network namespace it did not make: the node's own
    // network sysctls (ip_nonlocal_bind, forwarding) are writable on a machine, so here too.
    const writable = options.network ? ["env", "SYSTEMD_NSPAWN_API_VFS_WRITABLE=network"] : [];
    const booting = startService("systemd-nspawn", [...writable, "systemd-nspawn", "--register=no", "--keep-unit", ...network, ...capabilities, "--resolv-conf=off", "--quiet", "-D", merged,
      ...binds.map((b) => `--bind-ro=${b}`), "-b"], async (child) => {
      pid ||= await leaderOf(child.pid ?? 0);
      if (!pid) return false;
      const state = await runTool("nsenter", ["-t", String(pid), "-a", "--", "systemctl", "is-system-running"]);
      return /^(running|degraded)/.test(state.output.trim());
    }, 180_000);
    const service = await booting.catch(async (error: Error) => {
      await runTool("umount", ["-l", merged]);
      throw error;
    });
    const container = new Container(merged, service, pid);
    if (options.capabilities === "all") {
      // nspawn mounts the cgroup v1 controllers read-only; libvirt puts each guest in cgroups of its
      // own, as on a machine (found by npm run test:cloud: "Failed to create v1 controller cpu").
      const remounted = await container.exec("for c in /sys/fs/cgroup/*/; do mount -o remount,rw,bind \"$c\"; done");
      if (remounted.code !== 0) throw new Error(`cgroups: ${remounted.output}`);
    }
    return container;
  }

  /** Runs a bash script inside, as root, in `cwd`. */
  exec(script: string, options: { cwd?: string; timeout?: number; input?: string } = {}): Promise<ToolResult> {
    return runTool("nsenter", ["-t", String(this.pid), "-a", "--", "bash", "-c", `cd ${options.cwd ?? "/"} && ${script}`],
      { timeout: options.timeout ?? 600_000, ...(options.input === undefined ? {} : { input: options.input }) });
  }

  async stop(): Promise<void> {
    await runTool("nsenter", ["-t", String(this.pid), "-a", "--", "systemctl", "poweroff"]).catch(() => undefined);
    await this.service.stop();
    await runTool("umount", ["-l", this.merged]);
  }
}

/** The container's PID 1 as the host sees it: the child of systemd-nspawn that is PID 1 in its own PID namespace. */
async function leaderOf(nspawn: number): Promise<number> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, "utf8");
      if (new RegExp(`^PPid:\\s+${nspawn}$`, "m").test(status) && /^NSpid:\s+\d+\s+1$/m.test(status)) return Number(entry);
    } catch {
      // a process that ended, or one we may not look at
    }
  }
  return 0;
}
