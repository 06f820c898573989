import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startHttpServer } from "../../runtime/http/http-server.js";
import { Metrics } from "../../runtime/observe/metrics.js";
import { EMPTY_RELEASE } from "../../runtime/release/release.js";
import { startIpmiSim } from "../helpers/ipmi-sim.js";
import { repoRoot } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";

const installer = join(repoRoot, "live-image/installer/oci-install.sh");
const FQDN = "cl1-compute-1.cl1.example.com";
const PASSWORD = "Bmc0penIpmiTest1";

// The installer talks to the BMC in-band (/dev/ipmi0); here the same ipmitool commands reach
// ipmi_sim over the LAN (OCI_IPMITOOL), whose LAN settings a program of the test keeps in files.
describe("installer: the BMC's address from IPAM (oci.ipmi), set with ipmitool when it differs, and reported", { timeout: 120_000 }, () => {
  let work: string;
  let sim: ChildProcess | undefined;
  let close: () => Promise<void>;
  let url: string;
  const reports: Record<string, unknown>[] = [];
  const port = String(20_000 + Math.floor(Math.random() * 20_000));
  const address = `127.0.0.${10 + Math.floor(Math.random() * 200)}`;

  before(async () => {
    work = await tempDir("oci-installer-bmc-");
    sim = await startIpmiSim(join(work, "bmc"), { address, port, user: "root", password: PASSWORD, lanConfig: join(work, "lan") });
    const server = await startHttpServer({
      port: 0, listen: "127.0.0.1", release: () => EMPTY_RELEASE, metrics: new Metrics(), health: () => ({ ok: true, detail: {} }),
      onStatus: async (report) => (reports.push(report), "recorded"),
    });
    close = server.close;
    url = `http://127.0.0.1:${server.port}`;
  });

  after(async () => {
    sim?.kill();
    await close?.();
  });

  async function runBmcStep(ipmi: string, bmcPort: string | "in-band" = port): Promise<{ code: number; reports: Record<string, unknown>[] }> {
    const proc = join(work, `proc-${reports.length}`);
    await mkdir(proc, { recursive: true });
    await writeFile(join(proc, "cmdline"), `boot=live oci.url=${url} oci.mode=install oci.hostname=${FQDN} oci.mirror=http://deb.debian.org/debian oci.release=bookworm oci.serial=BMC1 oci.generation=1 oci.ipmi=${ipmi}\n`);
    const from = reports.length;
    const ipmitool = bmcPort === "in-band" ? {} : { OCI_IPMITOOL: `ipmitool -I lanplus -C 3 -H ${address} -p ${bmcPort} -U root -E -N 1 -R 2` };
    const result = await runTool("sh", [installer, "bmc"], { env: { ...process.env, OCI_PROC: proc, IPMI_PASSWORD: PASSWORD, ...ipmitool } });
    return { code: result.code, reports: reports.slice(from) };
  }
  const lan = async (parameter: string) => (await readFile(join(work, "lan", parameter), "utf8")).trim();

  it("sets a BMC that has another address (here none, from DHCP): static, address, netmask, gateway", async () => {
    const run = await runBmcStep("10.20.0.8,255.255.255.0,10.20.0.1");
    assert.equal(run.code, 0);
    assert.deepEqual(run.reports.map((r) => [r["status"], r["step"]]), [["installing", "bmc"], ["installing", "bmc"]]);
    assert.equal(run.reports[1]!["detail"], "BMC set to 10.20.0.8/255.255.255.0 via 10.20.0.1 (was 0.0.0.0/0.0.0.0, DHCP Address)");
    assert.deepEqual([await lan("ip_addr_src"), await lan("ip_addr"), await lan("subnet_mask"), await lan("default_gw_ip_addr")], ["static", "10.20.0.8", "255.255.255.0", "10.20.0.1"]);
  });

  it("leaves a BMC alone that already has the address, and says so", async () => {
    const run = await runBmcStep("10.20.0.8,255.255.255.0,10.20.0.1");
    assert.equal(run.code, 0);
    assert.equal(run.reports.at(-1)!["detail"], "BMC already at 10.20.0.8/255.255.255.0 via 10.20.0.1");
  });

  it("moves it when IPAM gave another address; a network without a gateway leaves the gateway alone", async () => {
    const run = await runBmcStep("10.20.0.9,255.255.254.0");
    assert.equal(run.code, 0);
    assert.match(String(run.reports.at(-1)!["detail"]), /^BMC set to 10\.20\.0\.9\/255\.255\.254\.0 \(was 10\.20\.0\.8\/255\.255\.255\.0, Static Address\)$/);
    assert.deepEqual([await lan("ip_addr"), await lan("subnet_mask"), await lan("default_gw_ip_addr")], ["10.20.0.9", "255.255.254.0", "10.20.0.1"]);
  });

  it("a machine whose BMC does not answer installs all the same: the report says so", async () => {
    const run = await runBmcStep("10.20.0.8,255.255.255.0", String(Number(port) + 1));
    assert.equal(run.code, 0);
    assert.equal(run.reports.at(-1)!["detail"], "no BMC answers in-band: its address is left as it is");
  });

  it("in-band on a machine with no BMC (this host: no IPMI driver to load, no /dev/ipmi0): the step says so and the install goes on", async () => {
    const run = await runBmcStep("10.20.0.8,255.255.255.0", "in-band");
    assert.equal(run.code, 0, "never fatal");
    assert.equal(run.reports.at(-1)!["detail"], "no BMC answers in-band: its address is left as it is");
  });
});
