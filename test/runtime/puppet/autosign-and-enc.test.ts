import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { publishEnvironment } from "../../../runtime/puppet/publish-environment.js";
import { EyamlDecryptor } from "../../../runtime/puppet/eyaml-decrypt.js";
import { loadReleaseDirectory } from "../../../runtime/release/release.js";
import { StatusStore } from "../../../runtime/state/status-store.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { csr } from "../../helpers/csr.js";
import { eyamlDecrypt } from "../../helpers/eyaml.js";
import { fixtures, sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { tempDir } from "../../helpers/temp-dirs.js";

const COMPUTE = "cl1-compute-1.cl1.example.com";
const privateKey = join(fixtures, "eyaml/private_key.pkcs7.pem");

describe("oci autosign and oci enc (puppetserver's hooks)", () => {
  let env: string;
  let stateDir: string;
  let token: string;
  let work: string;

  before(async () => {
    const render = await compileToDirectory(sampleSite);
    const release = await loadReleaseDirectory(render.out);
    work = await tempDir("oci-hooks-");
    env = join(work, "production");
    stateDir = join(work, "state");
    await publishEnvironment({ directory: env, keep: 1, eyamlPrivateKey: privateKey, eyamlPublicKey: join(fixtures, "eyaml/public_key.pkcs7.pem") }, release.id, release.files);
    const data = parse(await readFile(join(env, "data/nodes", `${COMPUTE}.yaml`), "utf8")) as Record<string, string>;
    token = await eyamlDecrypt(data["oci::node::autosign_token"]!);
    assert.match(token, /^[0-9a-f]{32,}$/);
  });

  const autosign = (certname: string, input: string) =>
    runOci(["autosign", certname, "--puppet-env-dir", env, "--eyaml-private-key", privateKey, "--state-dir", stateDir], { input });

  it("our eyaml decryptor reads what Debian's eyaml reads", async () => {
    const data = parse(await readFile(join(env, "data/nodes", `${COMPUTE}.yaml`), "utf8")) as Record<string, string>;
    assert.equal(new EyamlDecryptor(await readFile(privateKey, "utf8")).decrypt(data["oci::node::autosign_token"]!), token);
  });

  it("signs a known node presenting its token, and only that", async () => {
    const good = await autosign(COMPUTE, await csr(work, COMPUTE, token));
    assert.equal(good.code, 0, good.stderr);
    const wrongName = await autosign("cl1-compute-2.cl1.example.com", await csr(work, COMPUTE, token));
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.stderr, /not cl1-compute-2/);
    const otherNode = await autosign("cl1-compute-2.cl1.example.com", await csr(work, "cl1-compute-2.cl1.example.com", token));
    assert.equal(otherNode.code, 1, "another node's token");
    assert.match(otherNode.stderr, /not this node's autosign token/);
    const wrongToken = await autosign(COMPUTE, await csr(work, COMPUTE, token.slice(0, -1) + (token.endsWith("0") ? "1" : "0")));
    assert.equal(wrongToken.code, 1);
    // Whatever puppetserver allows, oci signs nothing more than the certname: no second CN, no other subject field, no extension.
    const twoNames = await autosign(COMPUTE, await csr(work, COMPUTE, token, { subject: ["1.CN = cl1-controller-1.cl1.example.com"] }));
    assert.equal(twoNames.code, 1);
    assert.match(twoNames.stderr, /2 common names/);
    const organisation = await autosign(COMPUTE, await csr(work, COMPUTE, token, { subject: ["O = evil"] }));
    assert.equal(organisation.code, 1);
    assert.match(organisation.stderr, /more than CN=/);
    const altNames = await autosign(COMPUTE, await csr(work, COMPUTE, token, { altNames: "DNS:api.cl1.example.com" }));
    assert.equal(altNames.code, 1);
    assert.match(altNames.stderr, /asks for extensions \(2\.5\.29\.17\)/);
    const noToken = await autosign(COMPUTE, await csr(work, COMPUTE));
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /no challengePassword/);
    const unknown = await autosign("stranger.example.com", await csr(work, "stranger.example.com", token));
    assert.equal(unknown.code, 1);
    const garbage = await autosign(COMPUTE, "not a csr");
    assert.equal(garbage.code, 1);
  });

  it("enc gates each wave on the success of the earlier ones", async () => {
    const enc = async (certname: string) => {
      const result = await runOci(["enc", certname, "--puppet-env-dir", env, "--state-dir", stateDir]);
      assert.equal(result.code, 0, result.stderr);
      return parse(result.stdout) as { classes: string[]; parameters: Record<string, unknown> };
    };
    const mon = await enc("cl1-cephmon-1.cl1.example.com");
    assert.deepEqual(mon.classes, ["oci::role::cephmon"]);
    assert.equal(mon.parameters["oci_puppet_enabled"], true);
    const compute = await enc(COMPUTE);
    assert.deepEqual(compute.classes, []);
    assert.equal(compute.parameters["oci_puppet_enabled"], false);
    assert.ok((compute.parameters["oci_waiting_for"] as string[]).includes("cl1-cephmon-1.cl1.example.com"));

    // Every machine of the waves before the computes reports success: the computes open.
    const order = JSON.parse(await readFile(join(env, "setup/order.json"), "utf8")) as { machines: { serial: string; wave: number; fqdn: string }[] };
    const computeWave = order.machines.find((m) => m.fqdn === COMPUTE)!.wave;
    const store = await StatusStore.open(join(stateDir, "status"));
    for (const m of order.machines.filter((m) => m.wave < computeWave)) await store.record({ serial: m.serial, status: "puppet-success", at: 1 });
    await store.close();
    const opened = await enc(COMPUTE);
    assert.deepEqual(opened.classes, ["oci::role::compute"]);
    assert.equal(opened.parameters["oci_puppet_enabled"], true);

    const status = await runOci(["status", "--puppet-env-dir", env, "--state-dir", stateDir]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^${COMPUTE.replace(/\./g, "\\.")}\\s+cl1\\s+${computeWave}\\s+-\\s+-\\s+open$`, "m"));

    // A wrong directory is said to be one, not taken for an unknown machine.
    const nowhere = join(work, "no-such-environment");
    const missing = await runOci(["enc", COMPUTE, "--puppet-env-dir", nowhere, "--state-dir", stateDir]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /puppet environment directory .*no-such-environment is missing/);
    const missingSign = await runOci(["autosign", COMPUTE, "--puppet-env-dir", nowhere, "--eyaml-private-key", privateKey, "--state-dir", stateDir], { input: await csr(work, COMPUTE, token) });
    assert.equal(missingSign.code, 1);
    assert.match(missingSign.stderr, /puppet environment directory .*no-such-environment is missing/);

    const unknown = await runOci(["enc", "../../etc/passwd", "--puppet-env-dir", env, "--state-dir", stateDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not a valid certname/);
  });
});
