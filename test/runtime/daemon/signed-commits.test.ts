import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setLogSink } from "../../../runtime/observe/metrics.js";
import { serve, type RunningServer } from "../../../runtime/serve/serve.js";
import { bareRepoWithClone, gitCli } from "../../helpers/git-repo.js";
import { sampleSite } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

describe("the signed-commit gate: with an allowed-signers file, only source commits signed by its keys are compiled", { timeout: 120_000 }, () => {
  let work: string;
  let bare: string;
  let clone: string;
  let server: RunningServer;
  let base: string;
  const key = (name: string) => join(work, name);
  /** A commit of everything in the clone, signed (SSH) with `signer`'s key or unsigned, pushed. */
  async function push(message: string, signer?: string): Promise<string> {
    await gitCli(clone, "add", "-A");
    await gitCli(clone, ...(signer ? ["-c", "gpg.format=ssh", "-c", `user.signingkey=${key(signer)}`, "commit", "-S"] : ["commit"]), "-q", "--allow-empty", "-m", message);
    await gitCli(clone, "push", "-q", "origin", "main");
    return (await gitCli(clone, "rev-parse", "HEAD")).trim();
  }
  const health = async () => {
    const response = await fetch(`${base}/healthz`);
    return { code: response.status, body: (await response.json()) as { release: string; source?: string; refused?: { commit: string; stage: string; reason: string }[] } };
  };

  before(async () => {
    setLogSink(() => undefined);
    work = await tempDir("oci-signed-");
    for (const name of ["ops", "stranger"]) {
      const made = await runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key(name)]);
      assert.equal(made.code, 0, made.output);
    }
    // The host's allowed signers: the operators' keys, kept on the host (OpenSSH's format).
    await writeFile(join(work, "allowed_signers"), `ops@example.com ${(await readFile(`${key("ops")}.pub`, "utf8")).trim()}\n`);
    ({ bare, clone } = await bareRepoWithClone(sampleSite));
    const first = await push("The site, signed", "ops");
    server = await serve({
      repo: bare, sourceBranch: "main", compile: true, recheckMs: 500, allowedSigners: join(work, "allowed_signers"),
      listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: 0, stateDir: join(work, "state"), bootDirs: [],
    });
    base = `http://127.0.0.1:${server.httpPort}`;
    await waitFor("the signed commit applied", async () => (await health()).body.source === first || undefined, 30_000, 100);
  });
  after(async () => server?.close());

  it("an unsigned commit is refused visibly; the last good release keeps serving", async () => {
    const { body: before } = await health();
    await addComputeToSample(clone);
    const unsigned = await push("Add a compute, unsigned");
    const refused = await waitFor("the refusal", async () => (await health()).body.refused?.find((r) => r.commit === unsigned), 30_000, 100);
    assert.equal(refused.stage, "signature");
    assert.match(refused.reason, /is not signed: with an allowed-signers file/);
    const now = await health();
    assert.equal(now.code, 503);
    assert.equal(now.body.release, before.release, "the last good release keeps serving");
    assert.equal((await fetch(`${base}/boot.ipxe`)).status, 200);
    assert.doesNotMatch(await gitCli(bare, "log", "--format=%B", "oci/rendered"), new RegExp(unsigned), "nothing rendered from it");
  });

  it("a commit signed by a key the file does not list is refused", async () => {
    const stranger = await push("Signed, but by a stranger", "stranger");
    const refused = await waitFor("the refusal", async () => (await health()).body.refused?.find((r) => r.commit === stranger), 30_000, 100);
    assert.match(refused.reason, /signed by a key that is not in .*allowed_signers/);
  });

  it("a forged commit — an allowed signature copied onto another change — is refused", async () => {
    const good = (await gitCli(clone, "rev-parse", "HEAD~2")).trim(); // "The site, signed", by ops
    const object = await gitCli(clone, "cat-file", "commit", good);
    const forged = object.replace(/\n\nThe site, signed\n$/, "\n\nThe site, signed (and quietly changed)\n");
    assert.notEqual(forged, object);
    const written = await runTool("git", ["-C", clone, "hash-object", "-t", "commit", "-w", "--stdin"], { input: forged });
    const sha = written.output.trim();
    await gitCli(clone, "push", "-q", "-f", "origin", `${sha}:refs/heads/main`);
    const refused = await waitFor("the refusal", async () => (await health()).body.refused?.find((r) => r.commit === sha), 30_000, 100);
    assert.match(refused.reason, /signature does not verify|not in/);
    await gitCli(clone, "push", "-q", "-f", "origin", "HEAD:refs/heads/main"); // back to the clone's history
  });

  it("a commit signed by an allowed key is applied, the change it carries with it, and the refusals clear", async () => {
    const signed = await push("Reviewed and signed", "ops");
    await waitFor("the signed tip applied", async () => (await health()).body.source === signed || undefined, 30_000, 100);
    const { code, body } = await health();
    assert.equal(code, 200);
    assert.equal(body.refused, undefined);
    assert.match(await gitCli(bare, "ls-tree", "--name-only", "oci/rendered", "hiera/nodes/"), /cl1-compute-3\.cl1\.example\.com\.yaml/, "the unsigned commit's change, vouched for by the signed tip");
  });
});
