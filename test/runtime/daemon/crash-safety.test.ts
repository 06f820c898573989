import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, lstat, mkdir, readFile, readlink, utimes, writeFile } from "node:fs/promises";
import { join, resolve, dirname } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { StatusStore } from "../../../runtime/state/status-store.js";
import { bareRepoWithClone, gitCli } from "../../helpers/git-repo.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { cliPath, fixtures, sampleSite } from "../../helpers/paths.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

const KILLS = 20;

interface Daemon {
  readonly child: ChildProcess;
  /** Resolves with the HTTP port once the daemon logged `ready`. */
  readonly ready: Promise<number>;
  readonly exited: Promise<number | null>;
}

describe("crash safety: kill -9 at random moments, restart, consistent state", () => {
  let bare: string;
  let clone: string;
  let stateDir: string;
  let env: string;
  let keystore: string;

  before(async () => {
    const work = await tempDir("oci-crash-");
    stateDir = join(work, "state");
    env = join(work, "puppet", "production");
    keystore = (await freshKeystore()).dir;
    ({ bare, clone } = await bareRepoWithClone(sampleSite));
  });

  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  function startDaemon(): Daemon {
    const child = spawn(process.execPath, [cliPath, "serve", "--repo", bare, "--keystore", keystore, "--state-dir", stateDir, "--puppet-env-dir", env,
      "--eyaml-private-key", join(fixtures, "eyaml/private_key.pkcs7.pem"), "--eyaml-public-key", join(fixtures, "eyaml/public_key.pkcs7.pem"),
      "--listen", "127.0.0.1", "--no-dhcp", "--no-tftp", "--http-port", "0", "--recheck-interval", "1"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    const ready = new Promise<number>((done, fail) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.includes('"event":"ready"')) done((JSON.parse(line) as { http: number }).http);
      });
      void exited.then((code) => fail(new Error(`daemon exited (${code}) before ready`)));
    });
    ready.catch(() => undefined);
    return { child, ready, exited };
  }

  // git fsck lists the objects before it reads the refs, so a push landing in between is reported
  // as "missing commit" though nothing is lost (measured: a push loop beside an fsck loop, 59 of
  // them). The operator's pushes race the daemon, not the test's own check: they take turns.
  let turn = Promise.resolve();
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = turn.then(work);
    turn = run.then(() => undefined, () => undefined);
    return run;
  }

  /** An operator's push that keeps trying while a killed daemon's stale lock is cleared. */
  async function push(): Promise<void> {
    await waitFor("the push to land", () => exclusive(async () => {
      try {
        await gitCli(clone, "push", "-q", "origin", "main");
        return true;
      } catch {
        await gitCli(clone, "pull", "-q", "--rebase", "origin", "main").catch(() => undefined);
        return false;
      }
    }), 20_000, 50);
  }

  function checkConsistent(acked: { status: Set<string>; discovery: Set<string> }): Promise<void> {
    return exclusive(() => checkConsistentNow(acked));
  }

  async function checkConsistentNow(acked: { status: Set<string>; discovery: Set<string> }): Promise<void> {
    const fsck = await gitCli(bare, "fsck", "--strict", "--no-dangling");
    assert.doesNotMatch(fsck, /error|missing|broken|corrupt/i, fsck);
    for (const ref of ["main", "oci/rendered"]) {
      const exists = (await gitCli(bare, "branch", "--list", ref)).trim() !== "";
      if (exists) await gitCli(bare, "rev-parse", "--verify", `${ref}^{commit}`);
    }
    const link = await lstat(env).catch(() => undefined);
    if (link) {
      assert.ok(link.isSymbolicLink());
      const target = resolve(dirname(env), await readlink(env));
      const marker = (await readFile(join(target, ".oci-release"), "utf8")).trim();
      const commit = /@([0-9a-f]{40})$/.exec(marker)![1]!;
      await gitCli(bare, "cat-file", "-e", `${commit}^{commit}`);
      await readFile(join(target, "hiera.yaml"));
      await readFile(join(target, "setup/order.json"));
    }
    const status = StatusStore.read(join(stateDir, "status"));
    for (const serial of acked.status) assert.ok(status.machines[serial], `status ${serial} was acknowledged, then lost`);
    const tree = acked.discovery.size > 0 ? await gitCli(bare, "ls-tree", "--name-only", "oci/inventory", "inventory/discovered/") : "";
    for (const serial of acked.discovery) assert.ok(tree.includes(`inventory/discovered/${serial}.yaml`), `discovery ${serial} was acknowledged, then lost`);
  }

  it(`${KILLS} kills during apply, publish and report intake leave a consistent state; the next start catches up`, async () => {
    const acked = { status: new Set<string>(), discovery: new Set<string>() };
    let pushes = 0;
    let pushed = Promise.resolve();
    for (let round = 0; round < KILLS; round++) {
      const daemon = startDaemon();
      // The previous round's push may wait for this daemon to clear a lock its predecessor died holding.
      await pushed;
      // Work arrives while the daemon starts: a source change to compile, publish and serve; reports to store.
      await appendFile(join(clone, "clusters/cl1/machines/cl1-compute-1.yaml"), `# round ${round}\n`);
      if (round === 5) await addComputeToSample(clone);
      await gitCli(clone, "add", "-A");
      await gitCli(clone, "commit", "-q", "-m", `Round ${round}`);
      pushed = push().then(() => void pushes++);
      const reports = (async () => {
        const port = await daemon.ready.catch(() => undefined);
        if (!port) return;
        for (let n = 0; n < 1_000; n++) {
          const status = { serial: `K${round}S${n}`, status: "installing" };
          const discovery = { serial: `K${round}D${n}`, nics: [{ name: "eno1", mac: `52:54:02:00:${round.toString(16).padStart(2, "0")}:${(n & 255).toString(16).padStart(2, "0")}` }] };
          try {
            const [a, b] = await Promise.all([
              fetch(`http://127.0.0.1:${port}/api/v1/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(status) }),
              fetch(`http://127.0.0.1:${port}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(discovery) }),
            ]);
            if (a.status === 200) acked.status.add(status.serial);
            if (b.status === 200) acked.discovery.add(discovery.serial);
          } catch {
            return; // killed
          }
        }
      })();
      // Even rounds count the kill's moment from the spawn (it often lands in the start-up compile),
      // odd rounds from `ready` (it lands while reports are taken and pushes applied).
      if (round % 2 === 1) await daemon.ready.catch(() => undefined);
      const delay = 50 + Math.floor(Math.random() * 1_500);
      await new Promise((r) => setTimeout(r, delay)); // the random moment of the kill, not a synchronisation
      daemon.child.kill("SIGKILL");
      await daemon.exited;
      await reports;
      await checkConsistent(acked);
    }
    console.log(`# acknowledged before the kills: ${acked.status.size} status reports, ${acked.discovery.size} discovery reports`);
    assert.ok(acked.status.size > 0 && acked.discovery.size > 0, "some reports were acknowledged before the kills");

    // A last start without a kill: it catches up with the source tip and serves it.
    const daemon = startDaemon();
    const port = await daemon.ready;
    await pushed;
    assert.equal(pushes, KILLS);
    const tip = (await gitCli(bare, "rev-parse", "main")).trim();
    await waitFor("the daemon to catch up with the source tip", async () => {
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string; release: string; source: string };
      const rendered = (await gitCli(bare, "rev-parse", "oci/rendered")).trim();
      return health.status === "ok" && health.release === `oci/rendered@${rendered}` && health.source === tip;
    }, 30_000);
    assert.match(await (await fetch(`http://127.0.0.1:${port}/ipxe/52:54:00:00:00:99`)).text(), /cl1-compute-3/);
    await checkConsistent(acked);
    daemon.child.kill("SIGTERM");
    assert.equal(await daemon.exited, 0);
  });

  it("a stale ref lock left by a killed writer is removed, and the daemon applies", async () => {
    const lock = join(bare, "refs/heads/main.lock");
    await mkdir(dirname(lock), { recursive: true });
    await writeFile(lock, "0".repeat(40));
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const daemon = startDaemon();
    const port = await daemon.ready;
    await appendFile(join(clone, "clusters/cl1/machines/cl1-compute-1.yaml"), "# after the stale lock\n");
    await gitCli(clone, "commit", "-q", "-am", "After the stale lock");
    await push();
    const discovery = await fetch(`http://127.0.0.1:${port}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "STALE1", nics: [{ name: "eno1", mac: "52:54:03:00:00:01" }] }) });
    assert.equal(discovery.status, 200);
    await assert.rejects(lstat(lock), /ENOENT/);
    daemon.child.kill("SIGTERM");
    assert.equal(await daemon.exited, 0);
  });
});
