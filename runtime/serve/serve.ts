import { join } from "node:path";
import { openRepository } from "../../compiler/load/git-repository.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import { startDhcpServer } from "../dhcp/dhcp-server.js";
import { LeaseStore } from "../dhcp/lease-store.js";
import { readRef } from "../git/compare-and-swap-ref.js";
import { startHttpServer } from "../http/http-server.js";
import { logEvent, Metrics } from "../observe/metrics.js";
import { loadRelease, loadReleaseDirectory, ReleaseError, type Release } from "../release/release.js";
import { DEFAULT_RENDERED_BRANCH } from "../render/render-branch.js";
import { resolveTftpName } from "../tftp/tftp-files.js";
import { startTftpServer } from "../tftp/tftp-server.js";

export interface ServeOptions {
  readonly render?: string;
  readonly repo?: string;
  readonly branch?: string;
  readonly listen: string;
  readonly dhcp: boolean;
  readonly dhcpPort: number;
  readonly tftp: boolean;
  readonly tftpPort: number;
  readonly httpPort: number;
  readonly stateDir?: string;
  readonly bootDirs: readonly string[];
  readonly liveDir?: string;
}

export interface RunningServer {
  readonly httpPort: number;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/** Loads the release and starts the services asked for; every service reads the one current release. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const current: Release = await initialRelease(options);
  const metrics = new Metrics();
  const now = () => Date.now();
  const closers: (() => Promise<void>)[] = [];
  const leases = new LeaseStore(options.stateDir ? join(options.stateDir, "dhcp-leases.jsonl") : undefined, now);
  metrics.gauge("oci_dhcp_leases", "DHCP leases currently held", () => leases.size);
  if (options.dhcp) {
    const dhcp = await startDhcpServer({ port: options.dhcpPort, listen: options.listen, release: () => current, leases, metrics, now });
    closers.push(dhcp.close);
  }
  if (options.tftp) {
    const tftp = await startTftpServer({ port: options.tftpPort, listen: options.listen, metrics, resolve: (name) => resolveTftpName(name, current, options.bootDirs) });
    metrics.gauge("oci_tftp_sessions", "TFTP transfers in progress", tftp.sessions);
    closers.push(tftp.close);
  }
  const http = await startHttpServer({
    port: options.httpPort, listen: options.listen, release: () => current, metrics,
    ...(options.liveDir ? { liveDir: options.liveDir } : {}),
    health: () => ({ ok: true, detail: { release: current.id } }),
  });
  closers.push(http.close);
  logEvent("ready", { release: current.id, listen: options.listen, dhcp: options.dhcp ? options.dhcpPort : false, tftp: options.tftp ? options.tftpPort : false, http: http.port });
  return {
    httpPort: http.port,
    metrics,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}

async function initialRelease(options: ServeOptions): Promise<Release> {
  if (options.render) return loadReleaseDirectory(options.render);
  const repo = openRepository(options.repo ?? ".");
  const branch = options.branch ?? DEFAULT_RENDERED_BRANCH;
  const tip = await readRef(repo.gitdir, `refs/heads/${branch}`);
  if (!tip) throw new ReleaseError(`${options.repo}:${branch}`, "the rendered branch does not exist yet (run oci compile --commit)");
  return loadRelease(await GitTree.open(repo, tip), `${branch}@${tip}`);
}
