// npm run bench rss: the memory of `oci serve` (a process of its own, as systemd runs it) holding the
// release of a generated site (with an eyaml key: the keystore issues every node its certificate),
// after its first render and five one-machine commits, by site size.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../test/helpers/ports.js";
import { generateSite } from "./generate-site.js";

const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const GIT = ["-c", "user.name=bench", "-c", "user.email=bench@example.org", "-c", "commit.gpgsign=false", "-c", "gc.auto=0"];
const git = (cwd: string, ...args: string[]) => execFileSync("git", [...GIT, ...args], { cwd, stdio: "pipe" });

/** VmHWM (peak) and VmRSS (now) of a process, MiB. */
async function memoryOf(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)![1]) / 1024;
  return { peak: kib("VmHWM"), now: kib("VmRSS") };
}

export async function benchRss(): Promise<void> {
  console.log("\n## oci serve's memory holding a release (its own process: first render with the keystore issuing every certificate, then 5 one-machine commits)\n");
  console.log("| machines | peak RSS MiB (VmHWM) | RSS after the commits MiB | first render s |");
  console.log("|---:|---:|---:|---:|");
  const rows: [number, number, number][] = [];
  for (const size of [1_000, 5_000, 10_000]) {
    const root = await mkdtemp(join(tmpdir(), "oci-bench-rss-"));
    const site = join(root, "site");
    await generateSite(site, size, { eyamlPublicKeyPem: await readFile(fileURLToPath(new URL("../../sample-site/keys/eyaml-public.pem", import.meta.url)), "utf8") });
    git(root, "init", "-q", "-b", "main", site);
    git(site, "add", "-A");
    git(site, "commit", "-q", "-m", "site");
    execFileSync(process.execPath, [cli, "pki", "init", "--keystore", join(root, "keystore")], { stdio: "pipe" });
    const machineFile = join(site, "clusters/c1/machines/c1-compute-400.yaml");
    const mac = /([0-9a-f]{2}:){5}[0-9a-f]{2}/i.exec(await readFile(machineFile, "utf8"))![0];
    const port = await freePort();
    const started = performance.now();
    const daemon = spawn(process.execPath, [cli, "serve", "--repo", site, "--keystore", join(root, "keystore"), "--listen", "127.0.0.1", "--no-dhcp", "--no-tftp",
      "--http-port", String(port), "--state-dir", join(root, "state"), "--recheck-interval", "1"], { stdio: "ignore", env: { ...process.env, OCI_PROGRESS: "off" } });
    try {
      const script = async () => {
        try {
          return await (await fetch(`http://127.0.0.1:${port}/ipxe/${mac}`)).text();
        } catch {
          return "";
        }
      };
      const until = async (done: (text: string) => boolean) => {
        const deadline = performance.now() + 600_000;
        while (!done(await script())) {
          if (performance.now() > deadline || daemon.exitCode !== null) throw new Error(`oci serve did not serve in time (exit ${daemon.exitCode})`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      await until((text) => text.startsWith("#!ipxe"));
      const firstRender = (performance.now() - started) / 1000;
      for (let i = 0; i < 5; i++) {
        const before = await script();
        const text = await readFile(machineFile, "utf8");
        await writeFile(machineFile, text.includes("install: true") ? text.replace("install: true", "install: false") : text.replace("install: false", "install: true"));
        git(site, "commit", "-q", "-am", `flip ${i}`);
        await until((text) => text !== before && text.startsWith("#!ipxe"));
      }
      const memory = await memoryOf(daemon.pid!);
      rows.push([size, memory.peak, memory.now]);
      console.log(`| ${size.toLocaleString("en")} | ${memory.peak.toFixed(0)} | ${memory.now.toFixed(0)} | ${firstRender.toFixed(1)} |`);
    } finally {
      daemon.kill("SIGTERM");
      await new Promise((resolve) => daemon.exitCode !== null ? resolve(undefined) : daemon.once("exit", resolve));
      await rm(root, { recursive: true, force: true });
    }
  }
  const [first, last] = [rows[0]!, rows[rows.length - 1]!];
  const per = (i: 1 | 2) => ((last[i] - first[i]) / ((last[0] - first[0]) / 1000)).toFixed(0);
  console.log(`\nGrowth per 1,000 machines (1,000 → 10,000): peak ${per(1)} MiB, after the commits ${per(2)} MiB.`);
}
