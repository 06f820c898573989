import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setLogSink } from "../runtime/observe/metrics.js";
import { serve } from "../runtime/serve/serve.js";
import { generateSite } from "./generate-site.js";

const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const sampleSite = fileURLToPath(new URL("../../sample-site", import.meta.url));
const GIT = ["-c", "user.name=bench", "-c", "user.email=bench@example.org", "-c", "commit.gpgsign=false", "-c", "gc.auto=0"];
const COMMITS = 50;

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", [...GIT, ...args], { cwd, stdio: "pipe" });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Commit-to-served latency of `oci serve --repo` (with keystore, compiling on the host): from the
 * moment `git commit` returns to the moment HTTP serves the changed iPXE script, over 50 commits
 * that each flip one machine between install and local boot. Peer, in the same run: the one-shot
 * `oci compile --commit` of the same change, what a cron job or CI step would cost before any
 * server even reloads.
 */
export async function benchLatency(): Promise<void> {
  setLogSink(() => undefined);
  console.log(`\n## commit → served latency (oci serve --repo with keystore; ${COMMITS} commits each flipping one machine's install flag)\n`);
  console.log("| site | p50 ms | p99 ms | max ms | peer: one-shot oci compile --commit ms (median of 5) |");
  console.log("|---|---:|---:|---:|---:|");
  const sites: [string, (dir: string) => Promise<string>][] = [
    ["sample-site (19 machines)", async (dir) => (await cp(sampleSite, dir, { recursive: true }), "clusters/cl1/machines/cl1-compute-1.yaml")],
    ["generated, 1,000 machines", async (dir) => (await generateSite(dir, 1_000), "clusters/c1/machines/c1-compute-400.yaml")],
  ];
  for (const [label, make] of sites) {
    const root = await mkdtemp(join(tmpdir(), "oci-bench-latency-"));
    try {
      const site = join(root, "site");
      const machineFile = join(site, await make(site));
      git(root, "init", "-q", "-b", "main", site);
      git(site, "add", "-A");
      git(site, "commit", "-q", "-m", "site");
      execFileSync(process.execPath, [cli, "pki", "init", "--keystore", join(root, "keystore")], { stdio: "pipe" });
      const mac = /([0-9a-f]{2}:){5}[0-9a-f]{2}/i.exec(await readFile(machineFile, "utf8"))![0];
      const server = await serve({
        repo: site, sourceBranch: "main", keystore: join(root, "keystore"), recheckMs: 5_000,
        listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: 0, stateDir: join(root, "state"), bootDirs: [],
      });
      const script = async () => (await fetch(`http://127.0.0.1:${server.httpPort}/ipxe/${mac}`)).text();
      const latencies: number[] = [];
      try {
        for (let i = 0; i < COMMITS; i++) {
          const before = await script();
          const text = await readFile(machineFile, "utf8");
          await writeFile(machineFile, text.includes("install: true") ? text.replace("install: true", "install: false") : text.replace("install: false", "install: true"));
          git(site, "commit", "-q", "-am", `flip ${i}`);
          const started = performance.now();
          const deadline = started + 60_000;
          while ((await script()) === before) {
            if (performance.now() > deadline) throw new Error(`commit ${i} not served within 60 s`);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          latencies.push(performance.now() - started);
        }
      } finally {
        await server.close();
      }
      const peer: number[] = [];
      for (let i = 0; i < 5; i++) {
        const text = await readFile(machineFile, "utf8");
        await writeFile(machineFile, text.includes("install: true") ? text.replace("install: true", "install: false") : text.replace("install: false", "install: true"));
        git(site, "commit", "-q", "-am", `peer flip ${i}`);
        const started = performance.now();
        execFileSync(process.execPath, [cli, "compile", "--commit", "--repo", site, "--keystore", join(root, "keystore")], { stdio: "pipe" });
        peer.push(performance.now() - started);
      }
      console.log(`| ${label} | ${percentile(latencies, 50).toFixed(0)} | ${percentile(latencies, 99).toFixed(0)} | ${Math.max(...latencies).toFixed(0)} | ${percentile(peer, 50).toFixed(0)} |`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
}
