import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { freePort } from "../helpers/ports.js";
import { csr } from "../helpers/csr.js";
import { eyamlDecrypt } from "../helpers/eyaml.js";
import { fixtures, repoRoot } from "../helpers/paths.js";
import { runTool, type ToolResult } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";

// deploy/install.sh as documented, into a staging root (OCI_ROOT) with users of its own: then the
// daemon runs as the oci user with the unit's umask, and puppetserver's hooks run as the puppet
// user, each with only the access the install gave it.

const DNS = "c1-dns-1.c1.lab.test";
const CONTROLLER = "c1-ctl-1.c1.lab.test";

async function must(command: string, ...args: string[]): Promise<string> {
  const result = await runTool(command, args, { timeout: 300_000 });
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.output}`);
  return result.output;
}

/** Runs a command as `user` with its groups, as systemd or puppetserver would start it. */
function asUser(user: string, script: string, input?: string): Promise<ToolResult> {
  return runTool("setpriv", ["--reuid", user, "--regid", user, "--init-groups", "--", "sh", "-c", script], { ...(input === undefined ? {} : { input }), timeout: 120_000 });
}


describe("deploy/install.sh: the oci user, its directories and the hooks, working as shipped", { timeout: 600_000 }, () => {
  const id = randomBytes(3).toString("hex");
  const ociUser = `ocid${id}`;
  const puppetUser = `ocip${id}`;
  let root: string;
  let daemon: ChildProcess | undefined;
  const log: string[] = [];
  let installed: ToolResult;

  before(async () => {
    root = await tempDir("oci-deploy-");
    await chmod(root, 0o755);
    await must("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", puppetUser);
    // puppetserver's eyaml keys, as `eyaml createkeys` leaves them: the puppet user's alone.
    const keys = join(root, "etc/puppet/keys");
    await mkdir(keys, { recursive: true });
    for (const key of ["private_key.pkcs7.pem", "public_key.pkcs7.pem"]) await copyFile(join(fixtures, "eyaml", key), join(keys, key));
    await must("chown", "-R", `${puppetUser}:${puppetUser}`, keys);
    await must("chmod", "0700", keys);
    await must("sh", "-c", `chmod 0400 ${keys}/*.pem`);
    installed = await runTool("sh", [join(repoRoot, "deploy/install.sh")], { timeout: 300_000, env: { ...process.env, OCI_ROOT: root, OCI_USER: ociUser, OCI_PUPPET_USER: puppetUser } });
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon!.once("exit", resolve));
      daemon.kill("SIGTERM");
      await exited;
    }
    await runTool("userdel", [ociUser]);
    await runTool("userdel", [puppetUser]);
    await runTool("groupdel", [ociUser]);
    await runTool("groupdel", [puppetUser]);
  });

  it("creates the user and the directories, and gives each side the access it needs", async () => {
    assert.equal(installed.code, 0, installed.output);
    assert.match(await must("id", "-nG", ociUser), new RegExp(`\\b${puppetUser}\\b`), "oci reads puppetserver's eyaml key through its group");
    assert.match(await must("id", "-nG", puppetUser), new RegExp(`\\b${ociUser}\\b`), "the hooks read oci's state through its group");
    assert.equal(((await stat(join(root, "etc/puppet/keys/private_key.pkcs7.pem"))).mode & 0o777), 0o640);
    for (const dir of ["var/lib/oci", "srv/oci", "srv/oci/live"]) assert.equal((await must("stat", "-c", "%U:%G %a", join(root, dir))).trim(), `${ociUser}:${ociUser} 750`, dir);
    assert.match((await must("stat", "-c", "%U", join(root, "etc/puppet/code/environments"))).trim(), new RegExp(`^${ociUser}$`));
    const lint = await runTool("shellcheck", ["-s", "sh", join(repoRoot, "deploy/install.sh")]);
    assert.equal(lint.code, 0, lint.output);
  });

  it("the daemon runs as the oci user with the unit's umask; the hooks answer as the puppet user", async () => {
    const env = join(root, "etc/puppet/code/environments/production");
    const state = join(root, "var/lib/oci");
    const httpPort = await freePort();
    // What the operator edits after the install.
    await writeFile(join(root, "etc/default/oci"), [
      `OCI_REPO=${join(root, "srv/oci/site.git")}`, `OCI_KEYSTORE=${join(root, "srv/oci/keystore")}`, `OCI_STATE_DIR=${state}`, "OCI_LISTEN=127.0.0.1",
      `OCI_HTTP_PORT=${httpPort}`, `OCI_PUPPET_ENV_DIR=${env}`, `OCI_EYAML_PRIVATE_KEY=${join(root, "etc/puppet/keys/private_key.pkcs7.pem")}`,
      `OCI_EYAML_PUBLIC_KEY=${join(root, "etc/puppet/keys/public_key.pkcs7.pem")}`, "OCI_SERVE_ARGS=\"--no-dhcp --no-tftp\"", "",
    ].join("\n"));
    const oci = join(root, "usr/local/bin/oci");
    // The site repository and the keystore, made by the oci user as README says.
    const site = join(root, "srv/oci/site");
    await must("cp", "-r", join(fixtures, "install-site"), site);
    await must("chown", "-R", `${ociUser}:${ociUser}`, site);
    const setup = await asUser(ociUser, [
      "set -e", "umask 0027", `export HOME=${join(root, "srv/oci")}`,
      `git init -q --bare -b main ${join(root, "srv/oci/site.git")}`,
      `cd ${site} && git init -q -b main && git add -A && git -c user.name=op -c user.email=op@lab.test commit -q -m 'The site' && git push -q ${join(root, "srv/oci/site.git")} main`,
      `${oci} pki init --keystore ${join(root, "srv/oci/keystore")} --name lab`,
    ].join("\n"));
    assert.equal(setup.code, 0, setup.output);

    daemon = spawn("setpriv", ["--reuid", ociUser, "--regid", ociUser, "--init-groups", "--", "sh", "-c",
      `umask 0027; set -a; . ${join(root, "etc/default/oci")}; set +a; exec ${oci} serve $OCI_SERVE_ARGS`], { stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [daemon.stdout!, daemon.stderr!]) createInterface({ input: stream }).on("line", (line) => log.push(line));
    const deadline = Date.now() + 120_000;
    while (!log.some((l) => l.includes('"event":"ready"'))) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`oci serve did not start:\n${log.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ready = JSON.parse(log.find((l) => l.includes('"event":"ready"'))!) as { release: string; warnings?: string[] };
    assert.match(ready.release, /^oci\/rendered@[0-9a-f]{40}$/);
    assert.ok(!(ready.warnings ?? []).some((w) => /eyaml private key/.test(w)), `the oci user reads the eyaml key: ${JSON.stringify(ready.warnings)}`);
    assert.equal((await stat(join(state, "status.snapshot.json"))).mode & 0o777, 0o640, "state as the unit's umask leaves it");

    const encOf = async (certname: string) => {
      const result = await asUser(puppetUser, `${join(root, "usr/local/bin/oci-enc")} ${certname}`);
      assert.equal(result.code, 0, result.output);
      return parse(result.output) as { classes: string[]; parameters: Record<string, unknown> };
    };
    assert.deepEqual((await encOf(DNS)).classes, ["oci::role::dns"], "the first wave is open");
    const controller = await encOf(CONTROLLER);
    assert.deepEqual(controller.classes, [], "the controllers wait for the infrastructure wave");
    assert.deepEqual(controller.parameters["oci_waiting_for"], [DNS, "c1-dns-2.c1.lab.test"]);

    const data = parse(await readFile(join(env, "data/nodes", `${DNS}.yaml`), "utf8")) as Record<string, string>;
    const token = await eyamlDecrypt(data["oci::node::autosign_token"]!);
    const work = await tempDir("oci-deploy-csr-");
    const signed = await asUser(puppetUser, `${join(root, "usr/local/bin/oci-autosign")} ${DNS}`, await csr(work, DNS, token));
    assert.equal(signed.code, 0, signed.output);
    const refused = await asUser(puppetUser, `${join(root, "usr/local/bin/oci-autosign")} ${DNS}`, await csr(work, DNS, "0".repeat(32)));
    assert.equal(refused.code, 1, refused.output);
    const status = await asUser(puppetUser, `set -a; . ${join(root, "etc/default/oci")}; ${oci} status`);
    assert.equal(status.code, 0, status.output);
    assert.match(status.output, new RegExp(`^${DNS.replace(/\./g, "\\.")}\\s+c1\\s+1\\s`, "m"));
  });
});
