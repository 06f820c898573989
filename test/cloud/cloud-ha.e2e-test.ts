// npm run test:cloud-ha — not part of npm test: three controllers configured by Puppet (tens of
// minutes). test/fixtures/cloud-ha-site runs keystone only, so that three controllers fit this
// machine: what fails over is what every service shares — the VIP over corosync/pacemaker, HAProxy
// on each controller, Galera of three, RabbitMQ clustered. Nodes as in cloud-lab.ts. The test does
// what an operator does (push, install, `puppet agent -t`), then cuts the power of the VIP's
// holder, checks the API and the database from the others, and powers it on again.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fixtures } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait-for.js";
import { CloudLab, MINUTE, type LabNode } from "./cloud-lab.js";

const started = Date.now();
const note = (what: string) => console.log(`# cloud-ha +${((Date.now() - started) / 1000).toFixed(0)} s: ${what}`);

const controller = (i: number): LabNode => ({
  hostname: `c1-ctl-${i}`, fqdn: `c1-ctl-${i}.c1.cloud.test`, serial: `CLOUDHA00${i}`, bootMac: `52:54:00:c1:01:0${i}`,
  links: { pxe0: "brpxe", mgmt0: "brmgmt", pub0: "brpub", vm0: "brvm" },
});
const NODES: readonly LabNode[] = [controller(1), controller(2), controller(3)];

describe("a highly available control plane from the site: three controllers, configured by Puppet through oci", { timeout: 300 * MINUTE }, () => {
  let lab: CloudLab;
  const settle = <T>(what: string, probe: () => Promise<T | undefined | false>, minutes: number) => waitFor(what, probe, minutes * MINUTE, 3_000);
  const running = () => NODES.filter((n) => lab.machines.has(n.hostname));

  /** Which controller holds the VIP: the one with the address on its management interface. */
  async function vipHolder(): Promise<string | undefined> {
    for (const n of running()) {
      if ((await lab.machine(n.hostname).exec("ip -o -4 addr show dev mgmt0")).output.includes(` ${lab.vip}/`)) return n.hostname;
    }
    return undefined;
  }

  /** A Galera status variable as a member reports it, over the socket as root. */
  async function wsrep(hostname: string, variable: string): Promise<string> {
    const result = await lab.machine(hostname).exec(`mysql -N -B -e "SHOW STATUS LIKE '${variable}'" | cut -f2`);
    return result.code === 0 ? result.output.trim() : `(mysql: ${result.output.trim()})`;
  }

  async function tokenIssued(): Promise<boolean> {
    return /^\S{20,}/.test(await lab.openstack("token", "issue", "-f", "value", "-c", "id").catch(() => ""));
  }

  before(async () => {
    lab = await CloudLab.start(join(fixtures, "cloud-ha-site"), NODES, note);
    note(`controllers ${NODES.map((n) => lab.addresses.get(n.hostname)!["management"]).join(", ")}, VIP ${lab.vip}`);
  });

  after(async () => {
    await lab?.stop();
  });

  it("each controller is installed and boots; all three apply their role in the one controller wave", async () => {
    for (const n of NODES) {
      await lab.installAndBoot(n);
      note(`${n.hostname}: installed and booted`);
    }
    // The wave is open from the start: the three agents' own first runs go at once, as on a real
    // site; a run that failed is what an operator would re-run, by hand.
    await waitFor("the three controllers' first Puppet runs", () =>
      NODES.every((n) => ["puppet-success", "puppet-failure"].includes(lab.statusOf(n.serial)?.status ?? "")) || undefined, 120 * MINUTE, 5_000)
      .catch(() => undefined);
    for (const n of NODES) {
      const first = lab.statusOf(n.serial);
      note(`${n.hostname}: first run ${first?.status}${first?.status === "puppet-failure" ? `: ${JSON.stringify(first.failedResources)} ${first.detail ?? ""}` : ""}`);
      if (lab.statusOf(n.serial)?.status !== "puppet-success") await lab.agentRun(n);
    }
    for (const n of NODES) assert.equal(lab.statusOf(n.serial)?.status, "puppet-success", `${n.hostname}: ${JSON.stringify(lab.statusOf(n.serial))}`);
  });

  it("one cluster of each: Galera of three in a primary component, RabbitMQ of three, pacemaker with three online and the VIP held once", async () => {
    for (const n of NODES) {
      assert.equal(await wsrep(n.hostname, "wsrep_cluster_size"), "3", `${n.hostname}: Galera members`);
      assert.equal(await wsrep(n.hostname, "wsrep_cluster_status"), "Primary", `${n.hostname}: primary component`);
    }
    const rabbit = (await lab.machine("c1-ctl-2").exec("rabbitmqctl cluster_status --formatter json")).output;
    const running = (JSON.parse(rabbit.slice(rabbit.indexOf("{"))) as { running_nodes: string[] }).running_nodes.sort();
    assert.deepEqual(running, NODES.map((n) => `rabbit@${n.hostname}`), "RabbitMQ's running nodes");
    const crm = (await lab.machine("c1-ctl-3").exec("crm_mon -1 -r")).output;
    assert.match(crm, /3 nodes configured/, crm);
    assert.match(crm, /Online: \[ c1-ctl-1 c1-ctl-2 c1-ctl-3 \]/, crm);
    const holder = await settle("the VIP on one controller", vipHolder, 3);
    assert.ok(holder);
    note(`Galera 3 Primary, RabbitMQ 3, pacemaker 3 online, VIP on ${holder}`);
  });

  it("keystone answers on the VIP over TLS verified with the site CA, and every controller's HAProxy serves it", async () => {
    await lab.operatorCredentials();
    assert.ok(await tokenIssued(), "openstack token issue");
    // Each controller's own keystone, through the TLS it serves: a token from the VIP is valid on all (one set of fernet keys).
    const token = (await lab.openstack("token", "issue", "-f", "value", "-c", "id")).trim();
    for (const n of NODES) {
      const address = lab.addresses.get(n.hostname)!["management"]!;
      const result = await lab.runIn(lab.ns, "curl", "-sS", "-m", "20", "--cacert", join(lab.work, "ca.pem"), "-o", "/dev/null", "-w", "%{http_code}",
        "--resolve", `${n.fqdn}:5000:${address}`, "-H", `X-Auth-Token: ${token}`, "-H", `X-Subject-Token: ${token}`, `https://${n.fqdn}:5000/v3/auth/tokens`);
      assert.equal(result.output.trim().slice(-3), "200", `${n.hostname}: the VIP's token validated by its own keystone: ${result.output}`);
    }
    note("token issued on the VIP, valid on each controller");
  });

  it("the VIP's holder loses power: the VIP moves, keystone keeps answering, Galera keeps a primary component of two", async () => {
    const holder = await vipHolder();
    assert.ok(holder, "a VIP holder");
    const cut = Date.now();
    await lab.cutPower(holder);
    note(`${holder}: power cut`);
    const next = await settle("the VIP on another controller", vipHolder, 5);
    assert.notEqual(next, holder);
    note(`VIP moved to ${next} in ${((Date.now() - cut) / 1000).toFixed(0)} s`);
    await settle("a token through the VIP", async () => (await tokenIssued()) || undefined, 5);
    note(`token issued again ${((Date.now() - cut) / 1000).toFixed(0)} s after the cut`);
    for (const n of running()) {
      const state = await settle(`${n.hostname}: Galera of two, primary`, async () => {
        const [size, status] = [await wsrep(n.hostname, "wsrep_cluster_size"), await wsrep(n.hostname, "wsrep_cluster_status")];
        return size === "2" && status === "Primary" ? `${size} ${status}` : undefined;
      }, 3);
      note(`${n.hostname}: Galera ${state}`);
    }
    // Writes go on: a new project, through keystone and the VIP.
    await lab.openstack("project", "create", "during-the-outage");
  });

  it("powered on again, it rejoins: Galera of three with the outage's write, RabbitMQ and pacemaker of three", async () => {
    const down = NODES.find((n) => !lab.machines.has(n.hostname));
    assert.ok(down);
    const on = Date.now();
    await lab.powerOn(down.hostname);
    note(`${down.hostname}: booted again`);
    await settle(`${down.hostname}: back in Galera`, async () => (await wsrep(down.hostname, "wsrep_cluster_size")) === "3" || undefined, 10);
    assert.equal(await wsrep(down.hostname, "wsrep_local_state_comment"), "Synced");
    const projects = (await lab.machine(down.hostname).exec("mysql -N -B -e \"SELECT name FROM keystone.project\"")).output;
    assert.match(projects, /^during-the-outage$/m, "the write made while it was down");
    note(`${down.hostname}: Galera synced in ${((Date.now() - on) / 1000).toFixed(0)} s`);
    await settle(`${down.hostname}: back in RabbitMQ`, async () => {
      const status = (await lab.machine(down.hostname).exec("rabbitmqctl cluster_status --formatter json")).output;
      const nodes = status.includes("{") ? (JSON.parse(status.slice(status.indexOf("{"))) as { running_nodes: string[] }).running_nodes : [];
      return nodes.length === 3 || undefined;
    }, 10);
    await settle(`${down.hostname}: online in pacemaker`, async () =>
      /Online: \[ c1-ctl-1 c1-ctl-2 c1-ctl-3 \]/.test((await lab.machine(down.hostname).exec("crm_mon -1 -r")).output) || undefined, 10);
    assert.ok(await tokenIssued(), "a token through the VIP");
    note(`${down.hostname}: rejoined everything in ${((Date.now() - on) / 1000).toFixed(0)} s`);
  });

  it("a second Puppet run changes nothing on any controller", async () => {
    assert.deepEqual(await lab.secondRuns(), []);
  });
});
