// TFTP throughput: oci serve's TFTP against Debian's tftpd-hpa, same 50 MB file, same clients,
// on loopback, in one run.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));

async function started(child: ChildProcess, ready: RegExp | undefined): Promise<void> {
  if (!ready) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server not ready")), 20_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function fetchMBps(port: number, args: string[], bytes: number): number {
  const runs = [0, 1, 2].map(() => {
    const begin = performance.now();
    execFileSync("curl", ["-sS", "-o", "/dev/null", ...args, `tftp://127.0.0.1:${port}/big.bin`], { stdio: "pipe" });
    return bytes / 1e6 / ((performance.now() - begin) / 1000);
  });
  return runs.sort((a, b) => a - b)[1]!;
}

export async function benchTftp(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "oci-bench-tftp-"));
  const size = 50 * 1024 * 1024;
  const children: ChildProcess[] = [];
  try {
    await writeFile(join(root, "big.bin"), randomBytes(size));
    const render = join(root, "render");
    execFileSync(process.execPath, [cli, "compile", fileURLToPath(new URL("../../test/fixtures/base-site", import.meta.url)), "--out", render], { stdio: "pipe" });
    const serveOn = async (port: number, engine: string) => {
      const child = spawn(process.execPath, [cli, "serve", "--render", render, "--listen", "127.0.0.1", "--no-dhcp", "--tftp-port", String(port), "--tftp-engine", engine,
        "--http-port", "0", "--state-dir", join(root, `state-${engine}`), "--boot-dir", root], { stdio: ["ignore", "pipe", "inherit"] });
      children.push(child);
      await started(child, new RegExp(`"event":"ready".*"tftpEngine":\\{"engine":"${engine === "auto" ? "native" : "js"}"`));
    };
    await serveOn(16969, "auto");
    await serveOn(16971, "js");
    const peer = spawn("in.tftpd", ["-L", "-u", "root", "-a", "127.0.0.1:16970", "-s", root], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(peer);
    execFileSync("sh", ["-c", "for i in $(seq 1 50); do ss -lun | grep -q ':16970 ' && exit 0; sleep 0.1; done; exit 1"]);
    console.log("\n## TFTP: 50 MB over loopback with curl, median of 3 (MB/s)\n");
    console.log("| options | oci serve (native pump) | oci serve (--tftp-engine js) | peer: tftpd-hpa |");
    console.log("|---|---:|---:|---:|");
    for (const blksize of ["512", "1468"]) {
      const args = ["--tftp-blksize", blksize];
      console.log(`| blksize ${blksize} | ${fetchMBps(16969, args, size).toFixed(1)} | ${fetchMBps(16971, args, size).toFixed(1)} | ${fetchMBps(16970, args, size).toFixed(1)} |`);
    }
    console.log("\nNeither curl nor the tftp-hpa client asks for RFC 7440 windowsize, so it is not measured against the peer here.");
  } finally {
    for (const child of children) child.kill();
    await rm(root, { recursive: true, force: true });
  }
}
