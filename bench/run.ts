// npm run bench [name...]: benchmarks, each printed as a table. `npm run bench:compile` runs one.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSite } from "./generate-site.js";
import { benchDhcp } from "./dhcp-bench.js";
import { benchLatency } from "./latency-bench.js";
import { benchTftp } from "./tftp-bench.js";
import { benchIncremental } from "./incremental-bench.js";
import { benchRss } from "./rss-bench.js";

const benches: Record<string, () => Promise<void>> = {
  compile: benchCompile, commit: benchCommit, incremental: benchIncremental, pki: benchPki, tftp: benchTftp, dhcp: benchDhcp, latency: benchLatency, rss: benchRss,
};

/** Certificate issuance, ECDSA P-256 (chosen) against RSA-2048, then a first compile of 1,000 machines with issuance. */
async function benchPki(): Promise<void> {
  const child = fileURLToPath(new URL("./pki-child.js", import.meta.url));
  console.log("\n## certificate issuance (key generation + signature, @peculiar/x509 on Node WebCrypto, 100 certificates)\n");
  console.log("| algorithm | certificates/s | ms per certificate |");
  console.log("|---|---:|---:|");
  for (const algorithm of ["ECDSA P-256", "RSA-2048"]) {
    const r = JSON.parse(execFileSync(process.execPath, [child, algorithm, "100"], { encoding: "utf8" })) as { perSecond: number; msPerCert: number };
    console.log(`| ${algorithm}${algorithm.startsWith("ECDSA") ? " (chosen)" : ""} | ${r.perSecond.toFixed(0)} | ${r.msPerCert.toFixed(1)} |`);
  }
  console.log(`\n| site, with keystore and eyaml key (${availableParallelism()} cores) | certificates | first compile ms | certificates/s | recompile (everything re-used) ms |`);
  console.log("|---|---:|---:|---:|---:|");
  for (const size of [1_000, 10_000]) {
    const root = await mkdtemp(join(tmpdir(), "oci-bench-pki-"));
    try {
      const site = join(root, "site");
      const eyaml = await readFile(fileURLToPath(new URL("../../sample-site/keys/eyaml-public.pem", import.meta.url)), "utf8");
      await generateSite(site, size, { eyamlPublicKeyPem: eyaml });
      execFileSync(process.execPath, [cli, "pki", "init", "--keystore", join(root, "keystore")], { stdio: "pipe" });
      const first = timed(process.execPath, [cli, "compile", site, "--out", join(root, "render"), "--keystore", join(root, "keystore")], root);
      const again = timed(process.execPath, [cli, "compile", site, "--out", join(root, "render"), "--keystore", join(root, "keystore")], root);
      const issued = (await readdir(join(root, "render/pki/certs"))).length;
      // What issuing adds to a compile: the first compile less the recompile, which issues nothing.
      console.log(`| ${size.toLocaleString("en")} machines | ${issued} | ${first.toFixed(0)} | ${(issued / ((first - again) / 1000)).toFixed(0)} | ${again.toFixed(0)} |`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
}


const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));
// gc.auto=0: a detached auto-gc would still be writing into .git when the benchmark removes it.
const GIT_IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@example.org", "-c", "commit.gpgsign=false", "-c", "gc.auto=0"];

function timed(command: string, args: string[], cwd: string): number {
  const started = performance.now();
  execFileSync(command, args, { cwd, stdio: "pipe", maxBuffer: 256 << 20 });
  return performance.now() - started;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", [...GIT_IDENTITY, ...args], { cwd, stdio: "pipe" });
}

/**
 * oci compile --commit (isomorphic-git, no work tree) against the peer: the same render written to
 * a work tree and recorded by `git add -A && git commit`. First render, then after one machine changes.
 */
async function benchCommit(): Promise<void> {
  console.log("\n## compile --commit vs git CLI (`git add -A && git commit` of the same render)\n");
  console.log("| machines | step | oci compile --commit ms | peer: compile --out + git add/commit ms | peer git add/commit alone ms |");
  console.log("|---:|---|---:|---:|---:|");
  for (const size of [1_000, 10_000]) {
    const root = await mkdtemp(join(tmpdir(), `oci-bench-commit-${size}-`));
    try {
      const repo = join(root, "site");
      const peer = join(root, "peer");
      await generateSite(repo, size);
      git(root, "init", "-q", "-b", "main", repo);
      git(repo, "add", "-A");
      git(repo, "commit", "-q", "-m", "site");
      git(root, "init", "-q", "-b", "main", peer);
      for (const step of ["first render", "one machine changed"]) {
        if (step !== "first render") {
          const file = join(repo, "clusters/c1/machines/c1-compute-400.yaml");
          await writeFile(file, (await readFile(file, "utf8")).replace("install: true", "install: false"));
          git(repo, "commit", "-q", "-am", "c1-compute-400 boots from disk");
        }
        const oci = timed(process.execPath, [cli, "compile", "--commit", "--repo", repo], repo);
        const render = timed(process.execPath, [cli, "compile", repo, "--out", join(peer, "render")], repo);
        const started = performance.now();
        git(peer, "add", "-A");
        git(peer, "commit", "-q", "-m", step);
        const gitOnly = performance.now() - started;
        console.log(`| ${size} | ${step} | ${oci.toFixed(0)} | ${(render + gitOnly).toFixed(0)} | ${gitOnly.toFixed(0)} |`);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
}

async function benchCompile(): Promise<void> {
  const child = fileURLToPath(new URL("./compile-child.js", import.meta.url));
  const sizes = [100, 1_000, 10_000];
  console.log("\n## compile: load + validate + resolve + emit, then the atomic write (fresh process per run, median of 3)\n");
  console.log("| machines | files | compile ms | atomic write ms | peer: bare writeFileSync loop ms | peak RSS MiB | target (10,000) |");
  console.log("|---:|---:|---:|---:|---:|---:|---|");
  for (const size of sizes) {
    const dir = await mkdtemp(join(tmpdir(), `oci-bench-site-${size}-`));
    try {
      await generateSite(dir, size);
      const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, [child, dir], { encoding: "utf8" })) as { compileMs: number; totalMs: number; writeMs: number; rawWriteMs: number; files: number; maxRssMiB: number });
      const median = (pick: (r: (typeof runs)[number]) => number) => runs.map(pick).sort((a, b) => a - b)[1]!;
      const target = size === 10_000 ? (median((r) => r.compileMs) < 10_000 && median((r) => r.maxRssMiB) < 1024 ? "met: compile < 10 s, RSS < 1 GiB" : "MISSED: compile < 10 s, RSS < 1 GiB") : "";
      console.log(`| ${size} | ${runs[0]!.files} | ${median((r) => r.compileMs).toFixed(0)} | ${median((r) => r.writeMs).toFixed(0)} | ${median((r) => r.rawWriteMs).toFixed(0)} | ${median((r) => r.maxRssMiB).toFixed(0)} | ${target} |`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(", ")}`);
    process.exit(2);
  }
  await bench();
}
