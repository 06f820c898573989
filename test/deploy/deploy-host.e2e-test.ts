// npm run test:deploy — not part of npm test: it needs a Debian 12 root with puppetserver
// (debootstrap, ~400 MB through the mirror, cached in OCI_E2E_CACHE, default /var/cache/oci-e2e).
// README's deployment block, as it is, in a fresh Debian 12 booted with its own systemd
// (systemd-nspawn): the unit starts, the hooks answer as the puppet user, the ports agree.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { Container } from "../helpers/container.js";
import { repoRoot } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";
import { waitFor } from "../helpers/wait-for.js";

const CACHE = process.env["OCI_E2E_CACHE"] ?? "/var/cache/oci-e2e";
const ROOT = join(CACHE, "deploy-root");
const PACKAGES = "systemd,systemd-sysv,dbus,iproute2,procps,curl,ca-certificates,git,puppetserver,hiera-eyaml,ipxe,openssl";
const CHECKOUT = "/opt/src/oci";

/** README's deployment block, between its markers: what an operator copies. */
async function deployBlock(): Promise<string> {
  const readme = await readFile(join(repoRoot, "README.md"), "utf8");
  const block = /<!-- deploy:begin[^>]*-->\n```sh\n([\s\S]*?)```\n<!-- deploy:end -->/.exec(readme)?.[1];
  assert.ok(block, "README.md has the deploy block");
  return block;
}

describe("README's deployment, followed as written on a fresh Debian 12", { timeout: 3_600_000 }, () => {
  let container: Container;
  let listen: string;

  before(async () => {
    if (!existsSync(join(ROOT, "usr/share/puppetserver"))) {
      const built = await runTool("debootstrap", ["--variant=minbase", `--include=${PACKAGES}`, "bookworm", `${ROOT}.building`, "http://deb.debian.org/debian"], { timeout: 1_800_000 });
      assert.equal(built.code, 0, built.output.slice(-3000));
      await runTool("mv", [`${ROOT}.building`, ROOT]);
    }
    const work = await tempDir("oci-deploy-host-");
    container = await Container.boot(ROOT, work, ["/usr/bin/node", `${repoRoot.replace(/\/$/, "")}:${CHECKOUT}`]);
    listen = /^LISTEN=(\S+)/m.exec(await deployBlock())![1]!;
    // The PXE address, on this container's only interface.
    const address = await container.exec(`ip addr add ${listen}/24 dev lo`);
    assert.equal(address.code, 0, address.output);
  });

  after(async () => container?.stop());

  it("the block runs as written: the unit starts, puppetserver runs with oci's hooks", async () => {
    const run = await container.exec(`set -euo pipefail\n${await deployBlock()}`, { cwd: CHECKOUT, timeout: 1_800_000 });
    if (run.code !== 0) {
      const journal = await container.exec("journalctl --no-pager -u puppetserver -u oci | grep -v '^.*   at ' | tail -40");
      assert.fail(`${run.output.slice(-3000)}\n--- journal ---\n${journal.output}`);
    }
    const active = await container.exec("systemctl is-active oci puppetserver");
    assert.equal(active.output.trim(), "active\nactive", (await container.exec("systemctl status oci --no-pager; journalctl -u oci --no-pager | tail -30")).output);
    const conf = await container.exec("puppet config print --section server node_terminus external_nodes autosign reports reporturl");
    assert.match(conf.output, /^node_terminus = exec$/m);
    assert.match(conf.output, /^external_nodes = \/usr\/local\/bin\/oci-enc$/m);
    assert.match(conf.output, new RegExp(`^reporturl = http://${listen.replace(/\./g, "\\.")}:80/api/v1/puppet-report$`, "m"));
  });

  it("a pushed site is served with no warning, and the hooks answer as the puppet user", async () => {
    // The operator's site: its eyaml key is the one puppetserver got, its provisioning address this host's.
    const push = await container.exec([
      "set -euo pipefail",
      `cp -r ${CHECKOUT}/test/fixtures/install-site /srv/oci/site-work`,
      "cp /etc/puppet/keys/public_key.pkcs7.pem /srv/oci/site-work/keys/eyaml-public.pem",
      "chown -R oci:oci /srv/oci/site-work",
      "cd /srv/oci/site-work",
      "runuser -u oci -- git init -q -b main",
      "runuser -u oci -- git add -A",
      "runuser -u oci -- git -c user.name=op -c user.email=op@lab.test commit -q -m 'The site'",
      "runuser -u oci -- git push -q /srv/oci/site.git main",
    ].join("\n"));
    assert.equal(push.code, 0, push.output);
    const health = await waitFor("the release served", async () => {
      const answer = await container.exec(`curl -s http://${listen}/healthz`);
      const json = answer.code === 0 ? (JSON.parse(answer.output) as { status: string; release: string; warnings?: string[] }) : undefined;
      return json?.release.startsWith("oci/rendered@") ? json : undefined;
    }, 120_000, 1000);
    assert.equal(health.status, "ok");
    // The live image is built separately (README): the only warning is that one.
    assert.deepEqual((health.warnings ?? []).filter((w) => !/live image is not served/.test(w)), []);

    const enc = await container.exec("runuser -u puppet -- /usr/local/bin/oci-enc c1-dns-1.c1.lab.test");
    assert.equal(enc.code, 0, enc.output);
    assert.deepEqual((parse(enc.output) as { classes: string[] }).classes, ["oci::role::dns"]);
    const status = await container.exec("runuser -u puppet -- /usr/local/bin/oci status");
    assert.equal(status.code, 0, status.output);
    assert.match(status.output, /^c1-ctl-1\.c1\.lab\.test\s+c1\s+2\s+-\s+-\s+waits for 2/m);
    const puppetserver = await container.exec(`curl -sk https://${listen}:8140/status/v1/simple`);
    assert.equal(puppetserver.output.trim(), "running");
  });
});
