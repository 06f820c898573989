// npm run bench [name...]: benchmarks, each printed as a table. `npm run bench:compile` runs one.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSite } from "./generate-site.js";

const benches: Record<string, () => Promise<void>> = { compile: benchCompile };

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
