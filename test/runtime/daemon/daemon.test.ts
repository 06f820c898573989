import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setLogSink } from "../../../runtime/observe/metrics.js";
import { serve, type RunningServer } from "../../../runtime/serve/serve.js";
import { commitAll, gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { fixtures, sampleSite } from "../../helpers/paths.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";
import { runOci } from "../../helpers/run-cli.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

const NEW_MAC = "52:54:00:00:00:99";
const NEW_FQDN = "cl1-compute-3.cl1.example.com";

describe("oci serve --repo: the daemon follows the repository", () => {
  let repo: string;
  let env: string;
  let stateDir: string;
  let server: RunningServer;
  let base: string;

  before(async () => {
    setLogSink(() => undefined); // the daemon's JSON lines would drown the test report
    repo = await repoFromSite(sampleSite);
    const work = await tempDir("oci-daemon-");
    env = join(work, "production");
    stateDir = join(work, "state");
    server = await serve({
      repo, sourceBranch: "main", keystore: (await freshKeystore()).dir, recheckMs: 1_000,
      puppet: { directory: env, keep: 3, eyamlPrivateKey: join(fixtures, "eyaml/private_key.pkcs7.pem"), eyamlPublicKey: join(fixtures, "eyaml/public_key.pkcs7.pem") },
      listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: 0, stateDir, bootDirs: [],
    });
    base = `http://127.0.0.1:${server.httpPort}`;
  });
  after(async () => server?.close());

  const ipxeOf = async (mac: string) => (await fetch(`${base}/ipxe/${mac}`)).text();

  it("at start, compiles the source branch, commits the render and serves it", async () => {
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const { release } = (await health.json()) as { release: string };
    const rendered = (await gitCli(repo, "rev-parse", "oci/rendered")).trim();
    assert.equal(release, `oci/rendered@${rendered}`);
    assert.match(await gitCli(repo, "log", "-1", "--format=%B", "oci/rendered"), new RegExp(`Source-Commit: ${(await gitCli(repo, "rev-parse", "main")).trim()}`));
    assert.match(await ipxeOf("52:54:00:00:00:06"), /cl1-cephmon-1/);
  });

  it("a commit adding a machine is served (iPXE, DHCP reservation) and published to puppet within 2 s", async () => {
    const defaultScript = await ipxeOf(NEW_MAC);
    await addComputeToSample(repo);
    const started = Date.now();
    await commitAll(repo, "Add cl1-compute-3");
    await waitFor("the new machine's iPXE script", async () => (await ipxeOf(NEW_MAC)).includes("cl1-compute-3") || undefined, 10_000);
    const elapsed = Date.now() - started;
    assert.notEqual(defaultScript, await ipxeOf(NEW_MAC));
    assert.ok(server.daemon!.release!.dhcp.reservations.some((r) => r.mac === NEW_MAC && r.hostname === "cl1-compute-3"));
    assert.match(await readFile(join(env, "data/nodes", `${NEW_FQDN}.yaml`), "utf8"), /oci::node::autosign_token/);
    assert.match(await readFile(join(env, "enc", `${NEW_FQDN}.yaml`), "utf8"), /oci::role::compute/);
    assert.ok(elapsed < 2_000, `commit to served took ${elapsed} ms`);
  });

  it("an invalid commit is refused: the previous release keeps serving and /healthz says why", async () => {
    const good = (await (await fetch(`${base}/healthz`)).json()) as { release: string };
    await writeFile(join(repo, "clusters/cl1/machines/cl1-compute-3.yaml"), "apiVersion: oci/v1\nkind: Machine\nhostname: [oops\n");
    const bad = await commitAll(repo, "Break cl1-compute-3");
    const health = await waitFor("/healthz to report the refusal", async () => {
      const response = await fetch(`${base}/healthz`);
      return response.status === 503 ? ((await response.json()) as { release: string; refused: { commit: string; stage: string; reason: string }[] }) : undefined;
    });
    assert.equal(health.release, good.release);
    assert.equal(health.refused[0]!.commit, bad);
    assert.equal(health.refused[0]!.stage, "compile");
    assert.match(health.refused[0]!.reason, /clusters\/cl1\/machines\/cl1-compute-3\.yaml:\d+:\d+/);
    assert.match(await ipxeOf(NEW_MAC), /cl1-compute-3/);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^oci_commits_refused_total\{stage="compile"\} 1$/m);
    const status = await runOci(["status", "--state-dir", stateDir, "--puppet-env-dir", env]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^refused: ${bad.slice(0, 12)} at compile: 1 error\\(s\\): clusters/cl1/machines/cl1-compute-3\\.yaml`, "m"));
    assert.match(status.stdout, new RegExp(`^release: ${good.release}`, "m"));

    await gitCli(repo, "revert", "--no-edit", "HEAD");
    await waitFor("/healthz to recover", async () => (await fetch(`${base}/healthz`)).status === 200);
  });

  it("a hand-edited rendered commit is refused even with its manifest re-hashed: it bears no signature of this host's key", async () => {
    const before = (await (await fetch(`${base}/healthz`)).json()) as { release: string };
    // Someone who can push to the rendered branch edits a boot script and fixes the manifest to match.
    const clone = await tempDir("oci-clone-");
    await gitCli(clone, "clone", "-q", "-b", "oci/rendered", repo, ".");
    const evil = "#!ipxe\necho HACKED\n";
    await writeFile(join(clone, "pxe/boot.ipxe"), evil);
    const manifest = JSON.parse(await readFile(join(clone, "manifest.json"), "utf8")) as { files: Record<string, string> };
    manifest.files["pxe/boot.ipxe"] = createHash("sha256").update(evil).digest("hex");
    await writeFile(join(clone, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await commitAll(clone, "Hand edit, manifest re-hashed");
    await gitCli(clone, "push", "-q", "origin", "oci/rendered");
    const health = await waitFor("the refusal", async () => {
      const response = await fetch(`${base}/healthz`);
      return response.status === 503 ? ((await response.json()) as { release: string; refused: { stage: string; reason: string }[] }) : undefined;
    });
    assert.equal(health.release, before.release);
    assert.equal(health.refused[0]!.stage, "signature");
    assert.match(health.refused[0]!.reason, /no Render-Signature trailer|no rendered commit/);
    assert.doesNotMatch(await (await fetch(`${base}/boot.ipxe`)).text(), /HACKED/);
    // The operator puts the branch back; the next source commit renders on the last good one.
    await gitCli(clone, "push", "-q", "-f", "origin", `${before.release.split("@")[1]}:oci/rendered`);
    await server.daemon!.applyNow();
    await waitFor("/healthz to recover", async () => (await fetch(`${base}/healthz`)).status === 200);
  });

  it("records status reports durably; with the source branch checked out in a work tree, discoveries still go to their own branch and leave it alone", async () => {
    const status = await fetch(`${base}/api/v1/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "CZ300006", status: "installed", generation: 1 }) });
    assert.deepEqual(await status.json(), { accepted: "CZ300006", outcome: "recorded" });
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^oci_machines\{status="installed"\} 1$/m);
    // A hand-made puppet-success would open setup gates: only puppetserver's reports say that.
    const forged = await fetch(`${base}/api/v1/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "CZ300006", status: "puppet-success" }) });
    assert.equal(forged.status, 400);
    assert.match(((await forged.json()) as { error: string }).error, /comes from puppetserver's report/);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^oci_machines\{status="puppet-success"\} 0$/m);
    const discovery = await fetch(`${base}/api/v1/discovery`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "ZZ1", nics: [{ name: "eno1", mac: "52:54:00:aa:00:01" }] }) });
    assert.deepEqual(await discovery.json(), { accepted: "ZZ1", outcome: "committed" });
    assert.match(await gitCli(repo, "show", "oci/inventory:inventory/discovered/ZZ1.yaml"), /mac: "52:54:00:aa:00:01"/);
    assert.doesNotMatch(await gitCli(repo, "log", "--format=%s", "main"), /Inventory/);
    assert.equal(await gitCli(repo, "status", "--porcelain"), "", "the checked-out work tree is untouched");
  });
});
