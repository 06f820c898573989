import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildId } from "../../../cli/plan/build-id.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { commitAll, gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { sampleSite } from "../../helpers/paths.js";
import { runOci, type CliResult } from "../../helpers/run-cli.js";
import { tempDir } from "../../helpers/temp-dirs.js";

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
    const ended = await runOci(["plan", "main", "HEAD", "--repo", repo, "--keep-warm", "0"]);
    assert.equal(ended.code, 1);
    assert.deepEqual(await sockets(repo), [], "--keep-warm 0: the process has left its socket when the plan returns");
  });

  it("replaces the socket of a process that died, and plans alone when the socket path is too long for Unix", async () => {
    const repo = await reviewed();
    await edit(repo, "clusters/cl1/machines/cl1-compute-2.yaml", "CZ300005", "CZ300777");
    await commitAll(repo, "A new serial for cl1-compute-2");
    // A process killed while it listened leaves its socket behind.
    const socket = join(repo, ".git/oci", `warm-plan-${buildId().slice(0, 16)}.sock`);
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
});
