import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildId } from "../../../cli/plan/build-id.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { commitAll, gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { sampleSite } from "../../helpers/paths.js";
import { runOci, type CliResult } from "../../helpers/run-cli.js";
import { tempDir } from "../../helpers/temp-dirs.js";

/** Processes whose command line serves `socket`: warm plan processes of that repository and build. */
async function processesServing(socket: string): Promise<number> {
  let count = 0;
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (command.includes("plan-server") && command.includes(socket)) count++;
  }
  return count;
}

const socketOf = (repo: string) => join(repo, ".git/oci", `warm-plan-${buildId().slice(0, 16)}.sock`);
const sockets = async (repo: string) => (await readdir(join(repo, ".git/oci")).catch(() => [] as string[])).filter((f) => /^warm-plan-[0-9a-f]{16}\.sock$/.test(f));
const started: string[] = [];
// A process a failed test left behind ends here; else after its idle minute.
after(async () => {
  for (const repo of started) if ((await sockets(repo)).length > 0) await runOci(["plan", "HEAD", "HEAD", "--repo", repo, "--keep-warm", "0"]);
});

async function reviewed(): Promise<string> {
  const repo = await repoFromSite(sampleSite);
  started.push(repo);
  const { dir: keystore } = await freshKeystore();
  assert.equal((await runOci(["compile", "--commit", "--repo", repo, "--keystore", keystore])).code, 0);
  await gitCli(repo, "checkout", "-q", "-b", "pr");
  return repo;
}

async function edit(repo: string, file: string, from: string, to: string): Promise<void> {
  const path = join(repo, file);
  const text = await readFile(path, "utf8");
  assert.ok(text.includes(from), `${file} holds ${from}`);
  await writeFile(path, text.replace(from, to));
}

/** The plan made alone and in the warm process: the same stdout and exit code (stderr differs by the progress lines only). */
async function planBoth(repo: string, label: string, ...args: string[]): Promise<CliResult> {
  const alone = await runOci(["plan", ...args, "--repo", repo]);
  const warm = await runOci(["plan", ...args, "--repo", repo, "--keep-warm", "1"]);
  assert.equal(warm.code, alone.code, `${label}: exit code (${warm.stderr})`);
  assert.equal(warm.stdout, alone.stdout, `${label}: the same plan`);
  assert.doesNotMatch(warm.stderr, /planning in this process/, label);
  return warm;
}

describe("oci plan --keep-warm", () => {
  it("plans in a warm process exactly as alone, change after change, one process throughout, until --keep-warm 0 ends it", async () => {
    const repo = await reviewed();
    // Changes that create no secret: a new secret is encrypted afresh at every run, and its redacted digest with it.
    await edit(repo, "clusters/cl1/machines/cl1-compute-2.yaml", "CZ300005", "CZ300777");
    await commitAll(repo, "A new serial for cl1-compute-2");
    await planBoth(repo, "first plan: starts the process", "main", "HEAD", "--format", "json");
    const [socket] = await sockets(repo);
    assert.ok(socket, "the warm process listens in the Git directory");
    const { ino, mode } = await stat(join(repo, ".git/oci", socket));
    assert.equal(mode & 0o077, 0, "its socket is its owner's only");
    await planBoth(repo, "the same plan again", "main", "HEAD", "--format", "json");
    await planBoth(repo, "as text", "main", "HEAD");
    await edit(repo, "clusters/cl1/machines/cl1-compute-1.yaml", "CZ300004", "CZ300444");
    await commitAll(repo, "A new serial for cl1-compute-1");
    await planBoth(repo, "HEAD moved", "main", "HEAD", "--format", "json");
    // main moves and the host renders it: BASE and the rendered state are new commits.
    await gitCli(repo, "checkout", "-q", "main");
    await edit(repo, "clusters/cl1/machines/cl1-compute-2.yaml", "CZ300005", "CZ300005B");
    await commitAll(repo, "Another serial on main");
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    await gitCli(repo, "checkout", "-q", "pr");
    await planBoth(repo, "BASE moved and rendered anew", "main", "HEAD", "--format", "json");
    await planBoth(repo, "the reverse plan", "HEAD", "main", "--format", "markdown");
    await writeFile(join(repo, "clusters/cl1/machines/cl1-compute-2.yaml"), "apiVersion: oci/v1\nkind: Machine\nhostname: cl1-compute-2\nrole: wizard\ninterfaces: [{network: management}]\n");
    await commitAll(repo, "Break it");
    const broken = await planBoth(repo, "HEAD does not compile", "main", "HEAD");
    assert.equal(broken.code, 1);
    const unknown = await runOci(["plan", "main", "no-such-branch", "--repo", repo, "--keep-warm", "1"]);
    assert.equal(unknown.code, 2, "an unknown revision is a usage error, in the warm process too");
    assert.match(unknown.stderr, /OCI2101: unknown revision "no-such-branch"/);
    assert.equal((await stat(join(repo, ".git/oci", socket))).ino, ino, "every plan went to the one process");
    assert.equal(await processesServing(socketOf(repo)), 1);
    const ended = await runOci(["plan", "main", "HEAD", "--repo", repo, "--keep-warm", "0"]);
    assert.equal(ended.code, 1);
    assert.deepEqual(await sockets(repo), [], "--keep-warm 0: the process has left its socket when the plan returns");
  });

  it("replaces the socket of a process that died, and plans alone when the socket path is too long for Unix", async () => {
    const repo = await reviewed();
    await edit(repo, "clusters/cl1/machines/cl1-compute-2.yaml", "CZ300005", "CZ300777");
    await commitAll(repo, "A new serial for cl1-compute-2");
    // A process killed while it listened leaves its socket behind.
    const socket = socketOf(repo);
    await mkdir(join(repo, ".git/oci"), { recursive: true });
    const dead = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, "SIGKILL"))`]);
    await new Promise((resolve) => dead.on("exit", resolve));
    assert.ok((await stat(socket)).isSocket(), "a stale socket");
    await planBoth(repo, "over a stale socket", "main", "HEAD");
    assert.equal((await runOci(["plan", "main", "HEAD", "--repo", repo, "--keep-warm", "0"])).code, 0);

    const deep = join(await tempDir("oci-deep-"), "a-folder-name-long-enough-to-push-the-socket-path", "past-the-108-bytes-of-sun-path", "repo");
    await mkdir(join(deep, ".."), { recursive: true });
    await rename(repo, deep);
    started.push(deep);
    const alone = await runOci(["plan", "main", "HEAD", "--repo", deep]);
    const fallen = await runOci(["plan", "main", "HEAD", "--repo", deep, "--keep-warm", "1"]);
    assert.match(fallen.stderr, /socket path would be longer than 107 bytes .*; planning in this process/);
    assert.equal(fallen.code, alone.code);
    assert.equal(fallen.stdout, alone.stdout);
    assert.deepEqual(await sockets(deep), []);
  });

  it("plans alone, saying why, when its process answers nothing or its socket cannot be made; two plans started at once share one process", async () => {
    const repo = await reviewed();
    await edit(repo, "clusters/cl1/machines/cl1-compute-2.yaml", "CZ300005", "CZ300777");
    await commitAll(repo, "A new serial for cl1-compute-2");
    const alone = await runOci(["plan", "main", "HEAD", "--repo", repo]);
    const sameAsAlone = (result: CliResult, label: string) => {
      assert.equal(result.code, alone.code, `${label}: ${result.stderr}`);
      assert.equal(result.stdout, alone.stdout, label);
    };
    // A process that takes the plan and goes away without an answer.
    await mkdir(join(repo, ".git/oci"), { recursive: true });
    const mute = createServer((connection) => connection.destroy());
    await new Promise<void>((resolve) => mute.listen(socketOf(repo), resolve));
    const lost = await runOci(["plan", "main", "HEAD", "--repo", repo, "--keep-warm", "1"]);
    await new Promise((resolve) => mute.close(resolve));
    assert.match(lost.stderr, /the warm plan process ended before its plan was done; planning in this process/);
    sameAsAlone(lost, "a process that answered nothing");
    // Where the socket would go is a file.
    await rm(join(repo, ".git/oci"), { recursive: true });
    await writeFile(join(repo, ".git/oci"), "");
    const unmade = await runOci(["plan", "main", "HEAD", "--repo", repo, "--keep-warm", "1"]);
    assert.match(unmade.stderr, /could not start a warm plan process: .*; planning in this process/);
    sameAsAlone(unmade, "no socket could be made");
    await rm(join(repo, ".git/oci"));
    // Two plans at once, no process yet: both are answered by one.
    const both = await Promise.all([0, 1].map(() => runOci(["plan", "main", "HEAD", "--repo", repo, "--keep-warm", "1"])));
    for (const [i, result] of both.entries()) {
      sameAsAlone(result, `plan ${i + 1} of two at once`);
      assert.doesNotMatch(result.stderr, /planning in this process/);
    }
    assert.equal(await processesServing(socketOf(repo)), 1, "one warm process for the repository");
    assert.equal((await runOci(["plan", "main", "HEAD", "--repo", repo, "--keep-warm", "0"])).code, 0);
    assert.deepEqual(await sockets(repo), []);
  });
});
