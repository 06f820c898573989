import assert from "node:assert/strict";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { setLogSink } from "../../../runtime/observe/metrics.js";
import { serve, type RunningServer } from "../../../runtime/serve/serve.js";
import { bareRepoWithClone, gitCli } from "../../helpers/git-repo.js";
import { sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

const REPORTS = 200;
const PEOPLE_COMMITS = 10;

function report(i: number) {
  const serial = `QA${String(i).padStart(4, "0")}`;
  return {
    serial, vendor: "QEMU", product: "Standard PC", cpu: { model: "qemu64", count: 2 }, ramMiB: 2048,
    disks: [{ name: "vda", sizeBytes: 10737418240, rotational: false }],
    nics: [{ name: "ens3", mac: `52:54:01:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`, link: true }],
  };
}

/** An operator's push: commit in a clone, push, and on a rejected push rebase on the new tip and push again. */
async function operatorCommit(clone: string, n: number): Promise<void> {
  await appendFile(join(clone, "clusters/cl1/machines/cl1-compute-1.yaml"), `# note ${n}\n`);
  await gitCli(clone, "commit", "-q", "-am", `Note ${n}`);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await gitCli(clone, "push", "-q", "origin", "main");
      return;
    } catch {
      await gitCli(clone, "pull", "-q", "--rebase", "origin", "main");
    }
  }
  throw new Error(`push ${n} never landed`);
}

describe("discovery reports become commits on the inventory branch, while people push the source branch", () => {
  let bare: string;
  let clone: string;
  let server: RunningServer;
  let base: string;
  let work: string;

  before(async () => {
    setLogSink(() => undefined); // the daemon's JSON lines would drown the test report
    work = await tempDir("oci-inventory-");
    ({ bare, clone } = await bareRepoWithClone(sampleSite));
    server = await serve({
      repo: bare, sourceBranch: "main", compile: true, recheckMs: 1_000,
      listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: 0, stateDir: join(work, "state"), bootDirs: [],
    });
    base = `http://127.0.0.1:${server.httpPort}`;
  });
  after(async () => server?.close());

  it(`${REPORTS} concurrent reports and ${PEOPLE_COMMITS} pushes: every report committed exactly once, every push kept, git fsck clean`, async () => {
    const posts = Array.from({ length: REPORTS }, (_, i) =>
      fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(report(i)) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { outcome: string } })));
    const pushes = (async () => {
      for (let n = 1; n <= PEOPLE_COMMITS; n++) await operatorCommit(clone, n);
    })();
    const answers = await Promise.all(posts);
    await pushes;
    assert.deepEqual(answers.filter((a) => a.status !== 200 || a.body.outcome !== "committed"), []);

    // The same report again: answered, and no new commit.
    const before = (await gitCli(bare, "rev-parse", "oci/inventory")).trim();
    const again = await fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(report(7)) });
    assert.deepEqual(await again.json(), { accepted: "QA0007", outcome: "unchanged" });
    assert.equal((await gitCli(bare, "rev-parse", "oci/inventory")).trim(), before);

    // Discoveries go to a branch of their own, which holds nothing else; the people's branch never gets one.
    const files = (await gitCli(bare, "ls-tree", "-r", "--name-only", "oci/inventory")).trim().split("\n");
    assert.equal(files.filter((f) => f.startsWith("inventory/discovered/QA")).length, REPORTS);
    assert.deepEqual(files.filter((f) => !f.startsWith("inventory/discovered/")), [], "the inventory branch holds discoveries only");
    assert.equal((await gitCli(bare, "log", "--format=%s", "main", "--grep=^Inventory")).trim(), "", "no discovery commit on main");
    const added = (await gitCli(bare, "log", "--format=", "--name-only", "--diff-filter=A", "oci/inventory", "--", "inventory/discovered/QA*")).trim().split("\n").filter(Boolean);
    assert.equal(added.length, REPORTS, "each file added once");
    assert.equal(new Set(added).size, REPORTS);
    const notes = (await gitCli(bare, "log", "--format=%s", "main", "--grep=^Note ")).trim().split("\n");
    assert.equal(notes.length, PEOPLE_COMMITS);
    const tail = await gitCli(bare, "show", "main:clusters/cl1/machines/cl1-compute-1.yaml");
    for (let n = 1; n <= PEOPLE_COMMITS; n++) assert.match(tail, new RegExp(`^# note ${n}$`, "m"));
    const file = parse(await gitCli(bare, "show", "oci/inventory:inventory/discovered/QA0042.yaml")) as Record<string, unknown>;
    assert.deepEqual({ ...file, apiVersion: undefined, kind: undefined }, { ...report(42), apiVersion: undefined, kind: undefined });

    // The people's last push is compiled and applied.
    const tip = (await gitCli(bare, "rev-parse", "main")).trim();
    await waitFor("the compile of the last source commit", () => server.daemon!.compiledSource === tip, 30_000);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    // Only now that no writer is left: git fsck reads the refs after it lists the objects, so a commit
    // landing in between would be reported missing though it is not.
    const fsck = await gitCli(bare, "fsck", "--strict", "--no-dangling");
    assert.doesNotMatch(fsck, /error|missing|broken/i);
  });

  it("discovered machines are listed, unassigned, by GET /api/v1/machines and oci machines, with the MACs they reported and the address they reported from", async () => {
    const listed = (await (await fetch(`${base}/api/v1/machines?unassigned`)).json()) as { machines: { serial: string; macs: string[]; address: string; status: string; fqdn?: string }[] };
    assert.equal(listed.machines.filter((m) => m.serial.startsWith("QA")).length, REPORTS);
    const qa42 = listed.machines.find((m) => m.serial === "QA0042");
    assert.deepEqual(qa42 && { ...qa42, lastReport: undefined, since: undefined }, { serial: "QA0042", macs: [report(42).nics[0]!.mac], address: "127.0.0.1", status: "discovered", lastReport: undefined, since: undefined });
    const all = (await (await fetch(`${base}/api/v1/machines`)).json()) as { machines: { fqdn?: string; role?: string }[] };
    assert.ok(all.machines.some((m) => m.fqdn === "cl1-compute-1.cl1.example.com" && m.role === "compute"), "the site's machines too");
    const cli = await runOci(["machines", "--unassigned", "--state-dir", join(work, "state"), "--puppet-env-dir", join(work, "none")]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^\\(unassigned\\)\\s+QA0042\\s+-\\s+-\\s+127\\.0\\.0\\.1\\s+${report(42).nics[0]!.mac}\\s+discovered\\s`, "m"));
    const wrong = await runOci(["machines", "--status", "discoverd", "--state-dir", join(work, "state")]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--status discoverd is no machine status: use one of discovered, /);
  });
});
