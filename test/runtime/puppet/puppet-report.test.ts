import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startHttpServer } from "../../../runtime/http/http-server.js";
import { Metrics } from "../../../runtime/observe/metrics.js";
import { parsePuppetReport, PuppetReportError, type PuppetRun } from "../../../runtime/puppet/puppet-report.js";
import { puppetRunStatus } from "../../../runtime/puppet/puppet-run-status.js";
import { loadReleaseDirectory, type Release } from "../../../runtime/release/release.js";
import type { StatusSnapshot } from "../../../runtime/state/status-store.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { fixtures } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { tempDir } from "../../helpers/temp-dirs.js";

const DNS = "c1-dns-1.c1.lab.test";

/**
 * A report written by real Puppet (its `store` report processor writes the same YAML its `http`
 * processor posts), for a run of `manifest` as certname `host`.
 */
async function realReport(manifest: string, host = DNS): Promise<string> {
  const dir = await tempDir("oci-puppet-report-");
  const run = await runTool("puppet", ["apply", "--confdir", join(dir, "c"), "--vardir", join(dir, "v"), "--codedir", join(dir, "code"), "--certname", host,
    "--reports", "store", "--reportdir", join(dir, "reports"), "--config_version", "/bin/echo 0123456789abcdef0123456789abcdef01234567", "-e", manifest], { timeout: 120_000 });
  const [file] = await readdir(join(dir, "reports", host));
  assert.ok(file, run.output);
  return readFile(join(dir, "reports", host, file), "utf8");
}

const empty: StatusSnapshot = { format: 1, machines: {}, succeeded: {} };

describe("Puppet run reports: real Puppet's report, what it means for the machine", { timeout: 300_000 }, () => {
  let release: Release;
  let applied: string;
  let gated: string;
  let failed: string;

  before(async () => {
    release = await loadReleaseDirectory((await compileToDirectory(join(fixtures, "install-site"))).out);
    const dir = await tempDir("oci-puppet-files-");
    [applied, gated, failed] = await Promise.all([
      // As the module's roles are: the role only includes profiles, which hold the resources (found by npm run test:e2e-install).
      realReport(`class oci::profile::base { file { "${dir}/a": content => "x" } } class oci::role::dns { include oci::profile::base } include oci::role::dns`),
      realReport(""),
      realReport(`class oci::role::dns { exec { "broken": command => "/bin/false" } file { "${dir}/b": content => "y", require => Exec["broken"] } } include oci::role::dns`),
    ]);
  });

  it("reads host, outcome, catalog version and failed resources from the YAML Puppet writes", () => {
    const run = parsePuppetReport(failed);
    assert.equal(run.host, DNS);
    assert.equal(run.status, "failed");
    assert.equal(run.configurationVersion, "0123456789abcdef0123456789abcdef01234567");
    assert.deepEqual(run.failedResources, ["Exec[broken]"]);
    assert.match(run.errors.join("\n"), /\/bin\/false/);
    assert.equal(run.appliedRole, true);
    assert.equal(parsePuppetReport(applied).status, "changed");
    assert.equal(parsePuppetReport(applied).appliedRole, true, "a role that includes its profiles");
    assert.equal(parsePuppetReport(gated).appliedRole, false, "a catalog without any oci class");
    assert.throws(() => parsePuppetReport("just: [a, mapping"), PuppetReportError);
    assert.throws(() => parsePuppetReport("host: x\nstatus: exploded\n"), PuppetReportError);
  });

  it("a run that applied the role is puppet-success with the commit; an empty (gated) catalog is puppet-waiting; a failure names what failed", () => {
    const success = puppetRunStatus(release, empty, parsePuppetReport(applied), 5);
    assert.deepEqual(success, { record: { serial: "E2E0001", status: "puppet-success", hostname: DNS, at: 5, commit: "0123456789abcdef0123456789abcdef01234567" } });
    const waiting = puppetRunStatus(release, empty, parsePuppetReport(gated), 5);
    assert.equal("record" in waiting && waiting.record.status, "puppet-waiting");
    const failure = puppetRunStatus(release, empty, parsePuppetReport(failed), 5);
    assert.ok("record" in failure);
    assert.equal(failure.record.status, "puppet-failure");
    assert.deepEqual(failure.record.failedResources, ["Exec[broken]"]);
    const stranger = puppetRunStatus(release, empty, { ...parsePuppetReport(applied), host: "nobody.c1.lab.test" }, 5);
    assert.match("ignored" in stranger ? stranger.ignored : "", /not a machine of release/);
    const noop: PuppetRun = { ...parsePuppetReport(applied), noop: true };
    assert.ok("ignored" in puppetRunStatus(release, empty, noop, 5));
  });

  describe("POST /api/v1/puppet-report", () => {
    let base: string;
    let close: () => Promise<void>;
    const runs: PuppetRun[] = [];
    before(async () => {
      const server = await startHttpServer({
        port: 0, listen: "127.0.0.1", release: () => release, metrics: new Metrics(), health: () => ({ ok: true, detail: {} }),
        onStatus: async () => "recorded", onPuppetReport: async (run) => (runs.push(run), "puppet-success"),
      });
      base = `http://127.0.0.1:${server.port}`;
      close = server.close;
    });
    after(async () => close());

    it("takes the YAML puppetserver's http report processor posts (application/x-yaml)", async () => {
      const response = await fetch(`${base}/api/v1/puppet-report`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: applied });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { accepted: DNS, outcome: "puppet-success" });
      assert.equal(runs.at(-1)!.host, DNS);
    });

    it("refuses another content type (a web page cannot post one cross-origin without a preflight) and a body that is no report", async () => {
      assert.equal((await fetch(`${base}/api/v1/puppet-report`, { method: "POST", headers: { "content-type": "text/plain" }, body: applied })).status, 415);
      assert.equal((await fetch(`${base}/api/v1/puppet-report`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: "- not a report\n" })).status, 400);
    });

    it("machines cannot report a Puppet outcome themselves: a hand-made puppet-success is refused", async () => {
      const response = await fetch(`${base}/api/v1/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ serial: "E2E0001", status: "puppet-success" }) });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: string }).error, /puppetserver's report/);
    });
  });
});
