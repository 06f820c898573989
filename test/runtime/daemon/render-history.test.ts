import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setLogSink } from "../../../runtime/observe/metrics.js";
import { serve, type RunningServer } from "../../../runtime/serve/serve.js";
import { commitAll, gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { runTool } from "../../helpers/run-tool.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

// The rendered branch holds the site's secrets, certificates and tokens: a render from nothing
// makes them all anew. Deleting or rewinding the branch must not do that silently.

const SECRET_FILE = "hiera/clusters/cl1.yaml";

interface Health { status: string; release: string; refused?: { commit: string; stage: string; reason: string }[] }

describe("the rendered history: no silent new history, no silent rewind, only signed renders", () => {
  let repo: string;
  let keystore: string;
  let stateDir: string;
  let server: RunningServer;
  let base: string;

  before(async () => {
    setLogSink(() => undefined);
    repo = await repoFromSite(sampleSite);
    keystore = (await freshKeystore()).dir;
    stateDir = join(await tempDir("oci-history-"), "state");
    server = await serve({ repo, sourceBranch: "main", keystore, recheckMs: 500, listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: 0, stateDir, bootDirs: [] });
    base = `http://127.0.0.1:${server.httpPort}`;
  });
  after(async () => server?.close());

  const health = async () => (await (await fetch(`${base}/healthz`)).json()) as Health;
  const renderedTip = async () => (await gitCli(repo, "rev-parse", "oci/rendered")).trim();
  /** Barbican's key-encryption key as the render holds it (encrypted): regenerated only with a new history. */
  const secretsAt = async (rev: string) => /^oci::profile::barbican::kek: (.*)$/m.exec(await gitCli(repo, "show", `${rev}:${SECRET_FILE}`))?.[1];
  const commitSource = async (name: string) => {
    await addComputeToSample(repo, name, `9${name.slice(-1)}`);
    return commitAll(repo, `Add ${name}`);
  };
  const refusedFor = (commit: string) => waitFor(`the refusal of ${commit.slice(0, 7)}`, async () => {
    const h = await health();
    return h.refused?.find((r) => r.commit === commit);
  }, 10_000, 50);

  it("every rendered commit is signed by the keystore's key, and oci keeps the last one beside the branch", async () => {
    const tip = await renderedTip();
    assert.match(await gitCli(repo, "log", "-1", "--format=%B", tip), /^Render-Signature: ed25519 [0-9a-f]{16} [A-Za-z0-9+/=]+$/m);
    assert.equal((await gitCli(repo, "rev-parse", "refs/oci/rendered-tip/oci/rendered")).trim(), tip);
  });

  it("a deleted rendered branch: the next source commit is refused, the last release keeps serving, nothing is regenerated", async () => {
    const served = (await health()).release;
    const last = await renderedTip();
    const secrets = await secretsAt(last);
    await gitCli(repo, "branch", "-D", "oci/rendered");
    const source = await commitSource("cl1-compute-7");
    const refusal = await refusedFor(source);
    assert.equal(refusal.stage, "history");
    assert.match(refusal.reason, new RegExp(`oci/rendered is gone, but ${last} was rendered before`));
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
    assert.equal((await health()).release, served, "the last good release keeps serving");
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^oci_commits_refused_total\{stage="history"\} [1-9]/m);
    assert.equal((await runTool("git", ["--git-dir", join(repo, ".git"), "rev-parse", "--verify", "-q", "oci/rendered"])).code, 1, "no parentless render was committed");
    const status = await runOci(["status", "--state-dir", stateDir]);
    assert.match(status.stdout, /refused: \S+ at history: the rendered branch oci\/rendered is gone/);
    // oci compile --commit refuses the same way, without the daemon's state.
    const cli = await runOci(["compile", "--commit", "--repo", repo, "--keystore", keystore]);
    assert.equal(cli.code, 3);
    assert.match(cli.stderr, /OCI3104: the rendered branch oci\/rendered is gone/);

    // Restored as the message says: the source renders on it, with every secret kept.
    await gitCli(repo, "branch", "oci/rendered", last);
    await waitFor("the render of the refused source", async () => (await gitCli(repo, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)", "oci/rendered")).trim() === source, 10_000, 50);
    assert.ok(secrets && (await secretsAt("oci/rendered")) === secrets, "barbican's KEK is the same");
    await waitFor("healthy again", async () => (await health()).status === "ok", 10_000, 50);
  });

  it("a rewound rendered branch is refused until an operator accepts it; kill -HUP looks again", async () => {
    const source = await commitSource("cl1-compute-8");
    await waitFor("the render", async () => (await gitCli(repo, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)", "oci/rendered")).trim() === source, 10_000, 50);
    await waitFor("the render served", async () => (await health()).release.endsWith(await renderedTip()), 10_000, 50);
    const served = (await health()).release;
    const old = (await gitCli(repo, "rev-parse", "oci/rendered~1")).trim();
    await gitCli(repo, "update-ref", "refs/heads/oci/rendered", old);
    const refusal = await refusedFor(old);
    assert.equal(refusal.stage, "history");
    assert.match(refusal.reason, /does not descend from/);
    assert.equal((await health()).release, served, "the old release is not served");
    await server.daemon!.applyNow();
    assert.equal((await health()).release, served, "looked at again on HUP, still refused");

    const accepted = await runOci(["compile", "--commit", "--accept-rewind", "--repo", repo, "--keystore", keystore]);
    assert.equal(accepted.code, 0, accepted.stderr);
    const tip = await renderedTip();
    assert.match(await gitCli(repo, "log", "-1", "--format=%B", tip), new RegExp(`^History: rewound from ${served.split("@")[1]}$`, "m"));
    await server.daemon!.applyNow();
    await waitFor("the accepted history served", async () => (await health()).release.endsWith(tip), 10_000, 50);
    assert.equal((await health()).status, "ok");
  });

  it("a new history only when asked, loudly: --bootstrap-history, which every host then applies", async () => {
    const secrets = await secretsAt("oci/rendered");
    await gitCli(repo, "update-ref", "-d", "refs/heads/oci/rendered");
    const started = await runOci(["compile", "--commit", "--bootstrap-history", "--repo", repo, "--keystore", keystore]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stderr, /WARNING: --bootstrap-history: a new rendered history; every secret/);
    const tip = await renderedTip();
    assert.equal((await gitCli(repo, "rev-list", "--count", tip)).trim(), "1", "a root commit");
    assert.match(await gitCli(repo, "log", "-1", "--format=%B", tip), /^History: bootstrap$/m);
    assert.ok(secrets && (await secretsAt(tip)) !== secrets, "new secrets, as announced");
    await server.daemon!.applyNow();
    await waitFor("the new history served", async () => (await health()).release.endsWith(tip), 10_000, 50);
  });

  it("a host that does not compile applies renders signed by the key it is given, and refuses unsigned ones", async () => {
    const pub = join(keystore, "render-signing.pub");
    const other = await serve({
      repo, sourceBranch: "main", renderSigners: [pub], recheckMs: 500, listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: 0,
      stateDir: join(await tempDir("oci-history-"), "state"), bootDirs: [],
    });
    try {
      const otherHealth = async () => (await (await fetch(`http://127.0.0.1:${other.httpPort}/healthz`)).json()) as Health;
      assert.ok((await otherHealth()).release.endsWith(await renderedTip()), "the signed tip is applied");
      // A render made without the keystore (a laptop, say) is not signed: refused.
      await server.close();
      await commitSource("cl1-compute-9");
      const unsigned = await runOci(["compile", "--commit", "--accept-rewind", "--repo", repo]);
      assert.equal(unsigned.code, 0, unsigned.stderr);
      const tip = await renderedTip();
      assert.doesNotMatch(await gitCli(repo, "log", "-1", "--format=%B", tip), /Render-Signature/);
      await other.daemon!.applyNow();
      const refusal = await waitFor("the refusal", async () => (await otherHealth()).refused?.find((r) => r.commit === tip), 10_000, 50);
      assert.equal(refusal.stage, "signature");
      assert.match(refusal.reason, /no Render-Signature trailer/);
    } finally {
      await other.close();
    }
  });

  it("the signing key is made once, 0600, in the keystore; its public half beside it", async () => {
    // Parsed, not pattern-matched: an Ed25519 key whose public half is the .pub beside it.
    const key = createPrivateKey(await readFile(join(keystore, "render-signing.key"), "utf8"));
    assert.equal(key.asymmetricKeyType, "ed25519");
    assert.equal((await runTool("stat", ["-c", "%a", join(keystore, "render-signing.key")])).output.trim(), "600");
    const published = createPublicKey(await readFile(join(keystore, "render-signing.pub"), "utf8"));
    assert.equal(published.export({ type: "spki", format: "pem" }), createPublicKey(key).export({ type: "spki", format: "pem" }));
  });
});
