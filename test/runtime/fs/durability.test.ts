import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { tempDir } from "../../helpers/temp-dirs.js";

// Durability, seen where it happens: the system calls, traced by strace. A rename makes a state
// change atomic; only an fsync (or syncfs) before it makes it survive a power loss.

/** Runs `code` (an ES module body, with `dist` bound to the built tree) under strace; returns the traced calls, one per line. */
async function traced(code: string): Promise<string[]> {
  const dir = await tempDir("oci-strace-");
  const log = join(dir, "trace");
  const script = `const dist = ${JSON.stringify(join(repoRoot, "dist"))};\n${code}`;
  const result = await runTool("strace", ["-f", "-qq", "-e", "trace=fsync,fdatasync,syncfs,rename,renameat,renameat2,openat", "-o", log, process.execPath, "--input-type=module", "-e", script], { timeout: 120_000 });
  assert.equal(result.code, 0, result.output);
  return (await readFile(log, "utf8")).split("\n");
}

/** Index of the first line matching, failing when none does. */
function at(lines: readonly string[], pattern: RegExp, after = -1): number {
  const index = lines.findIndex((l, i) => i > after && pattern.test(l));
  assert.ok(index >= 0, `no ${pattern} after line ${after}:\n${lines.filter((l) => /rename|sync/.test(l)).slice(0, 40).join("\n")}`);
  return index;
}

describe("state reaches the disk before it is named", { timeout: 300_000 }, () => {
  it("daemon.json: written, fsynced, renamed, its directory fsynced", async () => {
    const dir = await tempDir("oci-state-");
    const lines = await traced(`const { writeDaemonState } = await import(dist + "/runtime/daemon/daemon-state.js"); writeDaemonState(${JSON.stringify(dir)}, { format: 1, refusals: [] });`);
    const opened = at(lines, /openat\(.*daemon\.json\.tmp.* = (\d+)$/);
    const fd = /= (\d+)$/.exec(lines[opened]!)![1];
    const synced = at(lines, new RegExp(`fsync\\(${fd}\\)`), opened);
    const renamed = at(lines, /rename.*daemon\.json\.tmp.*daemon\.json/, synced);
    at(lines, /fsync\(\d+\)/, renamed);
  });

  it("a published puppet environment version: its files synced (syncfs) before the version is named, and the link", async () => {
    const dir = await tempDir("oci-env-");
    const lines = await traced(`
      const { publishEnvironment } = await import(dist + "/runtime/puppet/publish-environment.js");
      await publishEnvironment({ directory: ${JSON.stringify(join(dir, "production"))}, keep: 1, eyamlPrivateKey: "/k", eyamlPublicKey: "/p" },
        "oci/rendered@${"a".repeat(40)}", new Map([["hiera/common.yaml", Buffer.from("x: 1\\n")], ["enc/n.example.yaml", Buffer.from("classes: []\\n")]]));`);
    const synced = at(lines, /syncfs\(/);
    const named = at(lines, /rename.*\.staging-.*\/a{40}"/, synced);
    const fsynced = at(lines, /fsync\(\d+\)/, named);
    at(lines, /rename.*\.production\.link-.*production"/, fsynced);
  });

  it("a ref: the objects synced (syncfs) before the lock is taken, the lock fsynced, renamed, the refs directory fsynced", async () => {
    const repo = await tempDir("oci-ref-");
    await runTool("git", ["init", "-q", "--bare", repo]);
    const lines = await traced(`
      const { compareAndSwapRef } = await import(dist + "/runtime/git/compare-and-swap-ref.js");
      await compareAndSwapRef(${JSON.stringify(repo)}, "refs/heads/main", undefined, "${"b".repeat(40)}");`);
    const synced = at(lines, /syncfs\(/);
    const lock = at(lines, /openat\(.*refs\/heads\/main\.lock.* = (\d+)$/, synced);
    const fd = /= (\d+)$/.exec(lines[lock]!)![1];
    const fsynced = at(lines, new RegExp(`fsync\\(${fd}\\)`), lock);
    const renamed = at(lines, /rename.*main\.lock.*refs\/heads\/main"/, fsynced);
    at(lines, /fsync\(\d+\)/, renamed);
  });
});
