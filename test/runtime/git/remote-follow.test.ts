import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setLogSink } from "../../../runtime/observe/metrics.js";
import { serve, type RunningServer } from "../../../runtime/serve/serve.js";
import { bareRepoWithClone, gitCli } from "../../helpers/git-repo.js";
import { startSmartHttpServer, startSshServer } from "../../helpers/git-servers.js";
import { sampleSite } from "../../helpers/paths.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";
import { runOci } from "../../helpers/run-cli.js";
import type { Service } from "../../helpers/service.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

const SECRET = "a-webhook-secret-of-the-forge";
const freePort = () => 20_000 + Math.floor(Math.random() * 30_000);

/** The rendered commit's Source-Commit trailer: which source commit it renders. */
async function renderedSource(repo: string): Promise<string | undefined> {
  const result = await gitCli(repo, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)", "oci/rendered").catch(() => "");
  return result.trim() || undefined;
}

async function hostRepository(forge: string, work: string): Promise<string> {
  const host = join(work, "host.git");
  await gitCli(work, "clone", "-q", "--bare", forge, host);
  await gitCli(host, "config", "gc.auto", "0");
  return host;
}

function startHost(host: string, work: string, url: string, timeoutMs = 10_000): Promise<RunningServer> {
  return serve({
    repo: host, sourceBranch: "main", compile: true, recheckMs: 1_000,
    remote: { url, fetchIntervalMs: 600_000, webhookSecret: SECRET, timeoutMs },
    listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: 0, stateDir: join(work, "state"), bootDirs: [],
  });
}

describe("oci serve --remote over SSH: a forge's main reaches the host, the host's branches reach the forge", { timeout: 300_000 }, () => {
  let work: string;
  let forge: string;
  let clone: string;
  let sshd: Service & { sshCommand: string };
  let server: RunningServer;
  let base: string;
  let port: number;
  const hook = (body: string, headers: Record<string, string>) => fetch(`${base}/api/v1/hooks/git`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const signed = (body: string) => hook(body, { "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}` });
  const health = async () => (await (await fetch(`${base}/healthz`)).json()) as { status: string; source?: string; remote?: { ok?: boolean; error?: string } };

  before(async () => {
    setLogSink(() => undefined);
    work = await tempDir("oci-remote-ssh-");
    ({ bare: forge, clone } = await bareRepoWithClone(sampleSite));
    port = freePort();
    sshd = await startSshServer(join(work, "sshd"), port);
    // The host's key for the forge, as an operator would configure it (core.sshCommand would do too).
    process.env["GIT_SSH_COMMAND"] = sshd.sshCommand;
    server = await startHost(await hostRepository(forge, work), work, `ssh://root@127.0.0.1:${port}${forge}`);
    base = `http://127.0.0.1:${server.httpPort}`;
  });
  after(async () => {
    await server?.close();
    await sshd?.stop();
    delete process.env["GIT_SSH_COMMAND"];
  });

  it("at start: the host renders the forge's main and pushes oci/rendered back to it", async () => {
    const main = (await gitCli(forge, "rev-parse", "main")).trim();
    await waitFor("oci/rendered on the forge, rendering its main, and the exchange recorded", async () => ((await renderedSource(forge)) === main && (await health()).remote?.ok === true) || undefined, 60_000, 200);
  });

  it("a merge on the forge reaches the host on a signed webhook; a bad signature gets 401", async () => {
    await addComputeToSample(clone);
    await gitCli(clone, "add", "-A");
    await gitCli(clone, "commit", "-q", "-m", "A reviewed change: a new compute");
    await gitCli(clone, "push", "-q", "origin", "main");
    const main = (await gitCli(forge, "rev-parse", "main")).trim();
    const body = JSON.stringify({ ref: "refs/heads/main", after: main });
    const forged = await hook(body, { "x-hub-signature-256": `sha256=${createHmac("sha256", "not-the-secret").update(body).digest("hex")}` });
    assert.equal(forged.status, 401);
    assert.equal((await hook(body, {})).status, 401, "unsigned");
    assert.equal((await hook(body, { "x-gitlab-token": "wrong" })).status, 401);
    assert.equal((await signed(body)).status, 202);
    await waitFor("the merge rendered and pushed back", async () => (await renderedSource(forge)) === main || undefined, 60_000, 200);
    assert.match(await gitCli(forge, "ls-tree", "--name-only", "oci/rendered", "hiera/nodes/"), /cl1-compute-3\.cl1\.example\.com\.yaml/);
    // GitLab's way: the token itself.
    assert.equal((await hook(body, { "x-gitlab-token": SECRET })).status, 202);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^oci_git_hooks_total\{outcome="refused"\} 3$/m);
    assert.match(metrics, /^oci_remote_up 1$/m);
  });

  it("discoveries reach the forge on oci/inventory while people push main: nothing lost on either side, main never gets one", async () => {
    const report = (i: number) => ({
      serial: `RM${String(i).padStart(4, "0")}`, vendor: "QEMU", product: "Standard PC", ramMiB: 2048,
      nics: [{ name: "ens3", mac: `52:54:02:00:00:${i.toString(16).padStart(2, "0")}`, link: true }],
    });
    const posts = Array.from({ length: 20 }, (_, i) => fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(report(i)) }));
    for (let n = 1; n <= 5; n++) {
      await appendFile(join(clone, "clusters/cl1/machines/cl1-compute-1.yaml"), `# note ${n}\n`);
      await gitCli(clone, "commit", "-q", "-am", `Note ${n}`);
      await gitCli(clone, "push", "-q", "origin", "main"); // never rejected: nobody else writes main
      void signed("{}");
    }
    assert.deepEqual((await Promise.all(posts)).map((r) => r.status), Array(20).fill(200));
    const main = (await gitCli(forge, "rev-parse", "main")).trim();
    // Comments render the same: the host compiled main (its /healthz says which), and committed nothing new.
    await waitFor("every discovery on the forge's oci/inventory, and main compiled", async () => {
      const files = await gitCli(forge, "ls-tree", "--name-only", "oci/inventory", "inventory/discovered/").catch(() => "");
      return (files.trim().split("\n").filter((f) => f.includes("/RM")).length === 20 && (await health()).source === main) || undefined;
    }, 60_000, 300);
    assert.deepEqual((await gitCli(forge, "log", "--format=%s", "main", "--grep=^Note ")).trim().split("\n").sort(), ["Note 1", "Note 2", "Note 3", "Note 4", "Note 5"]);
    assert.equal((await gitCli(forge, "log", "--format=%s", "main", "--grep=^Inventory")).trim(), "");
    assert.doesNotMatch(await gitCli(forge, "fsck", "--no-dangling"), /error|missing|broken/i);
  });

  it("the forge goes down: serving goes on, /healthz, /metrics and oci status say so; it comes back and the host catches up", async () => {
    await sshd.stop();
    assert.equal((await signed("{}")).status, 202);
    await waitFor("the failed exchange seen", async () => (await health()).remote?.ok === false || undefined, 30_000, 200);
    const failing = await health();
    // An exchange in flight when sshd stopped fails at its push, a later one at its fetch: either says the forge is unreachable.
    assert.match(failing.remote?.error ?? "", /^git (fetch|push): ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused/);
    assert.equal((await fetch(`${base}/boot.ipxe`)).status, 200, "HTTP still serves boot files");
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^oci_remote_up 0$/m);
    const status = await runOci(["status", "--state-dir", join(work, "state"), "--puppet-env-dir", join(work, "none")]);
    assert.match(status.stdout, new RegExp(`^remote: ssh://root@127\\.0\\.0\\.1:${port}\\S+: FAILING: git (fetch|push): `, "m"));
    // Meanwhile a change lands on the forge; the forge comes back.
    await appendFile(join(clone, "clusters/cl1/machines/cl1-compute-1.yaml"), "# while the host could not reach it\n");
    await gitCli(clone, "commit", "-q", "-am", "During the outage");
    await gitCli(clone, "push", "-q", "origin", "main");
    sshd = await startSshServer(join(work, "sshd"), port);
    assert.equal((await signed("{}")).status, 202);
    const main = (await gitCli(forge, "rev-parse", "main")).trim();
    await waitFor("caught up", async () => ((await health()).remote?.ok === true && (await health()).source === main) || undefined, 60_000, 300);
    assert.match((await runOci(["status", "--state-dir", join(work, "state"), "--puppet-env-dir", join(work, "none")])).stdout, /^remote: ssh:\S+: ok, last exchange /m);
  });
});

describe("oci serve --remote over smart HTTP (git http-backend behind lighttpd, basic authentication)", { timeout: 300_000 }, () => {
  let work: string;
  let forge: string;
  let lighttpd: Service;
  let port: number;

  before(async () => {
    setLogSink(() => undefined);
    work = await tempDir("oci-remote-http-");
    ({ bare: forge } = await bareRepoWithClone(sampleSite));
    // http-backend takes pushes from authenticated users only.
    await gitCli(forge, "config", "http.receivepack", "true");
    port = freePort();
    lighttpd = await startSmartHttpServer(join(work, "lighttpd"), port, join(forge, ".."), { name: "oci", password: "forge-password" });
  });
  after(async () => lighttpd?.stop());

  it("fetches main and pushes oci/rendered with the right password; a wrong one is shown, password redacted, and nothing is pushed", async () => {
    const repo = forge.split("/").at(-1)!;
    const wrong = await startHost(await hostRepository(forge, work), work, `http://oci:not-it@127.0.0.1:${port}/git/${repo}`);
    try {
      await waitFor("the refused exchange", async () => wrong.daemon && (await (await fetch(`http://127.0.0.1:${wrong.httpPort}/healthz`)).json() as { remote?: { ok?: boolean } }).remote?.ok === false || undefined, 30_000, 200);
      const detail = (await (await fetch(`http://127.0.0.1:${wrong.httpPort}/healthz`)).json()) as { remote: { url: string; error: string } };
      assert.equal(detail.remote.url, `http://oci:***@127.0.0.1:${port}/git/${repo}`);
      assert.doesNotMatch(JSON.stringify(detail), /not-it/);
      assert.match(detail.remote.error, /git fetch: .*(401|Authentication failed|could not read Username)/i);
    } finally {
      await wrong.close();
    }
    assert.equal(await renderedSource(forge), undefined, "nothing pushed");

    const other = await tempDir("oci-remote-http-ok-");
    const server = await startHost(await hostRepository(forge, other), other, `http://oci:forge-password@127.0.0.1:${port}/git/${repo}`);
    try {
      const main = (await gitCli(forge, "rev-parse", "main")).trim();
      await waitFor("oci/rendered pushed over HTTP", async () => (await renderedSource(forge)) === main || undefined, 60_000, 200);
    } finally {
      await server.close();
    }
  });
});
