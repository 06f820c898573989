import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { publishEnvironment } from "../../../runtime/puppet/publish-environment.js";
import { loadReleaseDirectory } from "../../../runtime/release/release.js";
import { STATUS_BASENAME, StatusStore } from "../../../runtime/state/status-store.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { eyamlDecrypt } from "../../helpers/eyaml.js";
import { startIpmiSim } from "../../helpers/ipmi-sim.js";
import { fixtures, sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { copySite, tempDir } from "../../helpers/temp-dirs.js";

const COMPUTE = "cl1-compute-1.cl1.example.com";
/** Its machine file names its BMC admin ADMIN (ipmi.user). */
const COMPUTE_ADMIN = "cl1-compute-2.cl1.example.com";
const privateKey = join(fixtures, "eyaml/private_key.pkcs7.pem");

/** ipmi_sim's external chassis control: each power and boot change is a line of `events`, the state in files. */
const CHASSIS = `#!/bin/sh
dir=$(dirname "$0"); shift; op=$1; shift
case $op in
get) for p in "$@"; do case $p in power) echo "power:$(cat "$dir/power" 2>/dev/null || echo 0)";; boot) echo "boot:$(cat "$dir/boot" 2>/dev/null || echo default)";; esac; done;;
set) while [ $# -gt 1 ]; do case $1 in power) echo "$2" > "$dir/power";; boot) echo "$2" > "$dir/boot";; esac; echo "$1=$2" >> "$dir/events"; shift 2; done;;
esac
`;

const port = String(20_000 + Math.floor(Math.random() * 20_000));

describe("oci power and oci boot-device, against a BMC (OpenIPMI's ipmi_sim, IPMI 2.0 over LAN on loopback)", { timeout: 120_000 }, () => {
  let work: string;
  let env: string;
  const sims: ChildProcess[] = [];
  const oci = (...args: string[]) => runOci([...args, "--puppet-env-dir", env, "--eyaml-private-key", privateKey, "--bmc-port", port]);

  before(async () => {
    work = await tempDir("oci-bmc-");
    // The site's IPMI network on loopback, so the address IPAM gives the machine is one ipmi_sim can serve.
    const site = await copySite(sampleSite);
    const ipmi = join(site, "networks/ipmi.yaml");
    await writeFile(ipmi, (await readFile(ipmi, "utf8")).replace("10.20.0.0/24", "127.0.0.0/24").replace("10.20.0.1", "127.0.0.254"));
    // And one machine without a BMC.
    const volume = join(site, "clusters/cl1/machines/cl1-volume-1.yaml");
    await writeFile(volume, (await readFile(volume, "utf8")).replace(/^ipmi:\n(?:  .*\n)+/m, ""));
    const render = await compileToDirectory(site);
    const release = await loadReleaseDirectory(render.out);
    env = join(work, "production");
    await publishEnvironment({ directory: env, keep: 1, eyamlPrivateKey: privateKey, eyamlPublicKey: join(fixtures, "eyaml/public_key.pkcs7.pem") }, release.id, release.files);
    const node = parse(await readFile(join(env, "data/nodes", `${COMPUTE}.yaml`), "utf8")) as Record<string, { address: string } & string>;
    const address = node["oci::node::ipmi"]!.address;
    // The BMC has the password oci set through oci::bmc: the site's eyaml secret ipmi/<fqdn>.
    const password = await eyamlDecrypt(node["oci::bmc::password"]!);
    // The simulator answers for the second compute too, on its own address, with its user and password.
    const second = parse(await readFile(join(env, "data/nodes", `${COMPUTE_ADMIN}.yaml`), "utf8")) as Record<string, { address: string; user: string } & string>;
    assert.equal(second["oci::node::ipmi"]!.user, "ADMIN");
    await writeFile(join(work, "chassis.sh"), CHASSIS);
    await chmod(join(work, "chassis.sh"), 0o755);
    const secondIpmi = second["oci::node::ipmi"]!;
    sims.push(await startIpmiSim(join(work, "bmc-1"), { address, port, user: "root", password, chassis: join(work, "chassis.sh") }));
    sims.push(await startIpmiSim(join(work, "bmc-2"), { address: secondIpmi.address, port, user: "ADMIN", password: await eyamlDecrypt(second["oci::bmc::password"]!) }));
  });
  after(() => {
    for (const sim of sims) sim.kill();
  });

  const events = async () => (await readFile(join(work, "events"), "utf8").catch(() => "")).trim().split("\n").filter(Boolean);

  it("reads and changes the power with the release's address and the decrypted password", async () => {
    const status = await oci("power", COMPUTE, "status");
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout, `${COMPUTE}: Chassis Power is off\n`);
    assert.equal((await oci("power", COMPUTE, "on")).code, 0);
    assert.match((await oci("power", COMPUTE, "status")).stdout, /Chassis Power is on/);
    assert.equal((await oci("power", COMPUTE, "cycle")).code, 0);
    assert.deepEqual(await events(), ["power=1", "power=0"]);
  });

  it("logs in as the user the site names for the machine's BMC (ipmi.user)", async () => {
    const status = await oci("power", COMPUTE_ADMIN, "status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Chassis Power is/);
    // Told another user, it is that one the BMC judges (and refuses).
    const root = await oci("power", COMPUTE_ADMIN, "status", "--bmc-user", "root");
    assert.notEqual(root.code, 0);
  });

  it("sets the next boot device", async () => {
    const pxe = await oci("boot-device", COMPUTE, "pxe");
    assert.equal(pxe.code, 0, pxe.stderr);
    assert.match(pxe.stdout, /Set Boot Device to pxe/);
    assert.equal((await readFile(join(work, "boot"), "utf8")).trim(), "pxe");
  });

  it("oci reinstall --power-cycle: next boot PXE and a power cycle while the served release asks an install it has not done; refused once it has", async () => {
    const state = join(work, "state-dir");
    const reinstall = () => runOci(["reinstall", COMPUTE, "--power-cycle", "--state-dir", state, "--puppet-env-dir", env, "--eyaml-private-key", privateKey, "--bmc-port", port]);
    assert.equal((await oci("power", COMPUTE, "off")).code, 0);
    const before = (await events()).length;
    const due = await reinstall();
    assert.equal(due.code, 0, due.stderr);
    assert.match(due.stdout, /install generation 1 due \(installed: none\)/);
    // Off: PXE next, then on (a machine that is on gets a cycle).
    assert.deepEqual((await events()).slice(before), ["boot=pxe", "power=1"]);
    assert.match(due.stdout, /Chassis Power Control: Up\/On/);
    // It reported installed for that generation: a PXE boot would answer "boot your disk", so no power cycle.
    const store = await StatusStore.open(join(state, STATUS_BASENAME));
    await store.record({ serial: "CZ300004", status: "installed", generation: 1, at: Date.now() });
    await store.close();
    const after = (await events()).length;
    const done = await reinstall();
    assert.equal(done.code, 2);
    assert.match(done.stderr, /asks install generation 1, which it reported installed already[\s\S]*oci reinstall cl1-compute-1 --commit/);
    assert.equal((await events()).length, after, "the BMC was not touched");
  });

  it("says what is wrong: an unknown action, a machine without a BMC, a BMC that refuses the password", async () => {
    const wrong = await oci("power", COMPUTE, "reboot");
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /power reboot: use one of status, on, off, cycle/);
    const none = await oci("power", "cl1-volume-1.cl1.example.com", "status");
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /cl1-volume-1\.cl1\.example\.com: has no BMC in the release/);
    const refused = await runOci(["power", COMPUTE, "status", "--puppet-env-dir", env, "--eyaml-private-key", privateKey, "--bmc-port", port, "--bmc-user", "admin"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`${COMPUTE.replace(/\./g, "\\.")}: BMC 127\\.0\\.0\\.\\d+:${port}: `));
  });
});
