// npm run test:cloud — not part of npm test: it deploys OpenStack with Puppet (tens of minutes).
// A controller and a compute of test/fixtures/cloud-site, each a Debian 12 booted with its own
// systemd in a systemd-nspawn container (native speed; the host kernel's features: no VLAN, no
// device-mapper, no kernel Open vSwitch), on bridges in a network namespace the test creates. The
// packages are in the containers' image ahead of time (a cached root); Puppet does all the rest:
// every node's catalog from puppetserver with oci's ENC, hiera and eyaml, setup waves opened by the
// reports. The test does what an operator does: pushes the site, installs (oci's installer, in its
// mode for an existing root), runs `puppet agent -t`, and checks the cloud with openstack's client.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { compile } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { StatusStore } from "../../runtime/state/status-store.js";
import { Container } from "../helpers/container.js";
import { eyamlDecrypt } from "../helpers/eyaml.js";
import { fixtures, repoRoot } from "../helpers/paths.js";
import { startProvisioningHost, type ProvisioningHost } from "../helpers/provisioning-host.js";
import { runTool } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";
import { waitFor } from "../helpers/wait-for.js";

const CACHE = process.env["OCI_E2E_CACHE"] ?? "/var/cache/oci-e2e";
const BUILD_ROOT = join(repoRoot, "test/cloud/build-cloud-root.sh");
// Keyed by the build script: a changed package list builds a new root instead of reusing a stale one.
const ROOT = join(CACHE, `cloud-root-${createHash("sha256").update(readFileSync(BUILD_ROOT)).digest("hex").slice(0, 12)}`);
const SITE = join(fixtures, "cloud-site");
const PROVISIONING = "192.168.200.2";
const MINUTE = 60_000;
const started = Date.now();
const note = (what: string) => console.log(`# cloud +${((Date.now() - started) / 1000).toFixed(0)} s: ${what}`);

interface Node {
  readonly hostname: string;
  readonly fqdn: string;
  readonly serial: string;
  readonly bootMac: string;
  /** Linux device → bridge in the provisioning namespace. */
  readonly links: Readonly<Record<string, string>>;
}

const NODES: readonly Node[] = [
  { hostname: "c1-ctl-1", fqdn: "c1-ctl-1.c1.cloud.test", serial: "CLOUD001", bootMac: "52:54:00:c1:00:01", links: { pxe0: "brpxe", mgmt0: "brmgmt", pub0: "brpub", vm0: "brvm" } },
  { hostname: "c1-cmp-1", fqdn: "c1-cmp-1.c1.cloud.test", serial: "CLOUD002", bootMac: "52:54:00:c1:00:02", links: { pxe0: "brpxe", mgmt0: "brmgmt", vm0: "brvm" } },
];

async function must(...command: string[]): Promise<string> {
  const result = await runTool(command[0]!, command.slice(1), { timeout: 600_000 });
  if (result.code !== 0) throw new Error(`${command.join(" ")}: ${result.output}`);
  return result.output;
}

/** The containers' root: Debian 12 with the packages the roles install, put there natively ahead of time. */
async function cloudRoot(): Promise<string> {
  if (existsSync(join(ROOT, "usr/bin/keystone-manage"))) return ROOT;
  note(`building ${ROOT} (debootstrap and the OpenStack packages: about 15 minutes)`);
  await must("rm", "-rf", `${ROOT}.building`);
  const built = await runTool("sh", [BUILD_ROOT, `${ROOT}.building`], { timeout: 3_600_000 });
  assert.equal(built.code, 0, built.output.slice(-4000));
  await must("mv", `${ROOT}.building`, ROOT);
  return ROOT;
}

describe("a working OpenStack from the site: a controller and a compute, configured by Puppet through oci", { timeout: 300 * MINUTE }, () => {
  const id = randomBytes(2).toString("hex");
  const ns = `ocl-${id}`;
  const nodeNs = (n: Node) => `ocl-${id}-${n.hostname.slice(-5)}`;
  let work: string;
  let provisioning: ProvisioningHost;
  let vip: string;
  let addresses: Map<string, Record<string, string>>;
  const containers = new Map<string, Container>();

  before(async () => {
    work = await tempDir("oci-cloud-");
    const root = await cloudRoot();
    // Every address is the site's: compile it here as the daemon will (no previous render, the same IPAM).
    const render = await compile({ tree: new DirectoryTree(SITE) });
    assert.ok(render.files, JSON.stringify(render.diagnostics));
    const hiera = (path: string) => parse(render.files!.find((f) => f.path === path)!.content) as Record<string, unknown>;
    vip = String(hiera("hiera/clusters/c1.yaml")["oci::cluster::vip"]);
    addresses = new Map(NODES.map((n) => [n.hostname, Object.fromEntries(
      (hiera(`hiera/nodes/${n.fqdn}.yaml`)["oci::node::interfaces"] as { network: string; address: string }[]).map((i) => [i.network, i.address]),
    )]));

    await must("ip", "netns", "add", ns);
    await must("ip", "-n", ns, "link", "set", "lo", "up");
    for (const bridge of ["brpxe", "brmgmt", "brpub", "brvm"]) {
      await must("ip", "-n", ns, "link", "add", bridge, "type", "bridge");
      await must("ip", "-n", ns, "link", "set", bridge, "up");
    }
    await must("ip", "-n", ns, "addr", "add", `${PROVISIONING}/24`, "dev", "brpxe");
    // The provisioning host on the management network too: the operator's openstack client reaches the VIP.
    await must("ip", "-n", ns, "addr", "add", "10.30.0.2/24", "dev", "brmgmt");
    await must("ip", "-n", ns, "addr", "add", "10.31.0.1/24", "dev", "brpub");
    for (const [index, n] of NODES.entries()) {
      await must("ip", "netns", "add", nodeNs(n));
      await must("ip", "-n", nodeNs(n), "link", "set", "lo", "up");
      for (const [device, bridge] of Object.entries(n.links)) {
        const port = `${device}n${index}${id}`;
        await must("ip", "link", "add", port, "netns", ns, "type", "veth", "peer", "name", device, "netns", nodeNs(n));
        await must("ip", "-n", ns, "link", "set", port, "master", bridge);
        await must("ip", "-n", ns, "link", "set", port, "up");
        if (device === "pxe0") await must("ip", "-n", nodeNs(n), "link", "set", device, "address", n.bootMac);
      }
    }
    const dns: Record<string, string> = { "puppet.cloud.test": PROVISIONING, "api.c1.cloud.test": vip };
    for (const n of NODES) {
      dns[n.fqdn] = addresses.get(n.hostname)!["management"]!;
      dns[n.hostname] = addresses.get(n.hostname)!["management"]!;
    }
    // The operator's openstack client, in the provisioning namespace, resolves with the site's DNS
    // (ip netns exec mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf).
    await mkdir(`/etc/netns/${ns}`, { recursive: true });
    await writeFile(`/etc/netns/${ns}/resolv.conf`, `nameserver ${PROVISIONING}\n`);
    provisioning = await startProvisioningHost({ ns, address: PROVISIONING, site: SITE, dns, puppetCertname: "puppet.cloud.test", cache: CACHE, work, log: note });
    note(`controller ${addresses.get("c1-ctl-1")!["management"]}, compute ${addresses.get("c1-cmp-1")!["management"]}, VIP ${vip}`);
  });

  after(async () => {
    for (const container of containers.values()) await container.stop();
    await provisioning?.stop();
    for (const n of NODES) await runTool("ip", ["netns", "del", nodeNs(n)]);
    await runTool("ip", ["netns", "del", ns]);
    await runTool("rm", ["-rf", `/etc/netns/${ns}`]);
  });

  /** What DHCP would have given it: its reservation on pxe0, for the installer's requests. */
  async function install(n: Node, root: string): Promise<void> {
    const pxe = addresses.get(n.hostname)!["pxe"]!;
    await must("ip", "-n", nodeNs(n), "addr", "add", `${pxe}/24`, "dev", "pxe0");
    await must("ip", "-n", nodeNs(n), "link", "set", "pxe0", "up");
    // The kernel command line of its install script, as iPXE would boot it.
    const script = await (await fetchIn(ns, `http://${PROVISIONING}/ipxe/${n.bootMac.replace(/:/g, "-")}`)).text;
    const cmdline = /^kernel \S+ (.*)$/m.exec(script)?.[1];
    assert.ok(cmdline, script);
    const proc = join(work, `${n.hostname}-proc`);
    await mkdir(proc, { recursive: true });
    await writeFile(join(proc, "cmdline"), `${cmdline}\n`);
    const result = await runTool("ip", ["netns", "exec", nodeNs(n), "env", `OCI_PROC=${proc}`, `OCI_TARGET=${root}`, "OCI_CONFIGURE_ONLY=1", "OCI_NO_REBOOT=1",
      `OCI_SERIAL=${n.serial}`, `OCI_HOOK_DIR=${join(repoRoot, "puppet/modules/oci/files")}`, "sh", join(repoRoot, "live-image/installer/oci-install.sh")], { timeout: 300_000 });
    assert.equal(result.code, 0, `${result.output}\n${await readFile("/tmp/oci-install.log", "utf8").catch(() => "")}`);
    await must("ip", "-n", nodeNs(n), "addr", "flush", "dev", "pxe0");
  }

  async function fetchIn(namespace: string, url: string): Promise<{ code: number; text: string }> {
    const result = await runTool("ip", ["netns", "exec", namespace, "curl", "-sS", "-m", "20", url]);
    return { code: result.code, text: result.output };
  }

  const statusOf = (serial: string) => StatusStore.read(join(provisioning.stateDir, "status")).machines[serial];

  async function agentRun(n: Node): Promise<void> {
    const container = containers.get(n.hostname)!;
    const run = await container.exec("puppet agent --test --color=false 2>&1 | tail -60", { timeout: 7_200_000 });
    note(`${n.hostname}: puppet agent -t ended; status ${statusOf(n.serial)?.status}`);
    if (statusOf(n.serial)?.status === "puppet-failure") console.log(run.output);
  }

  it("each node is installed (oci's installer, for the root it boots) and boots: its agent asks for a certificate, signed by its token", async () => {
    for (const n of NODES) {
      const container = await Container.boot(await cloudRoot(), join(work, n.hostname), ["/usr/bin/node"], { network: nodeNs(n), capabilities: "all", prepare: (root) => install(n, root) });
      containers.set(n.hostname, container);
      note(`${n.hostname}: installed and booted`);
    }
    for (const n of NODES) assert.equal(statusOf(n.serial)?.status === undefined ? "none" : "reported", "reported");
  });

  it("the controller applies its role: the first wave", async () => {
    const ctl = NODES[0]!;
    await waitFor("the controller's first Puppet run", () => ["puppet-success", "puppet-failure"].includes(statusOf(ctl.serial)?.status ?? "") || undefined, 120 * MINUTE, 5_000)
      .catch(async () => agentRun(ctl));
    if (statusOf(ctl.serial)?.status !== "puppet-success") await agentRun(ctl);
    assert.equal(statusOf(ctl.serial)?.status, "puppet-success", JSON.stringify(statusOf(ctl.serial)));
    note("controller: puppet-success");
  });

  it("the compute's gate opens on the controller's report; it applies its role", async () => {
    const cmp = NODES[1]!;
    await agentRun(cmp);
    assert.equal(statusOf(cmp.serial)?.status, "puppet-success", JSON.stringify(statusOf(cmp.serial)));
    note("compute: puppet-success");
  });

  /** `openstack …` as the operator runs it: in the provisioning namespace, against the VIP, TLS verified with the site CA. */
  let credentials: string[] = [];
  async function openstack(...args: string[]): Promise<string> {
    const result = await runTool("ip", ["netns", "exec", ns, "env", ...credentials, "openstack", ...args], { timeout: 600_000 });
    assert.equal(result.code, 0, `openstack ${args.join(" ")}: ${result.output}`);
    return result.output;
  }
  const openstackJson = async <T>(...args: string[]) => JSON.parse(await openstack(...args, "-f", "json")) as T;
  const settle = <T>(what: string, probe: () => Promise<T | undefined | false>, minutes: number) => waitFor(what, probe, minutes * MINUTE, 3_000);

  it("keystone answers on the VIP over TLS verified with the site CA", async () => {
    const node = parse(await readFile(join(provisioning.envDir, "production/data/clusters/c1.yaml"), "utf8")) as Record<string, string>;
    const password = await eyamlDecrypt(node["oci::profile::keystone::admin_password"]!);
    await writeFile(join(work, "ca.pem"), await must("git", "--git-dir", provisioning.bare, "show", "oci/rendered:pki/ca.pem"));
    credentials = [`OS_AUTH_URL=https://api.c1.cloud.test:5000/v3`, "OS_USERNAME=admin", `OS_PASSWORD=${password}`, "OS_PROJECT_NAME=admin",
      "OS_USER_DOMAIN_NAME=Default", "OS_PROJECT_DOMAIN_NAME=Default", "OS_IDENTITY_API_VERSION=3", "OS_INTERFACE=public", `OS_CACERT=${join(work, "ca.pem")}`];
    assert.match(await openstack("token", "issue", "-f", "value", "-c", "id"), /^\S{20,}/);
    note("openstack token issue: ok");
  });

  it("every public endpoint of the catalog answers through HAProxy on the VIP", async () => {
    const endpoints = await openstackJson<{ "Service Name": string; URL: string }[]>("endpoint", "list", "--interface", "public");
    const names = new Set(endpoints.map((e) => e["Service Name"]));
    for (const service of ["keystone", "glance", "nova", "placement", "neutron", "heat", "heat-cfn", "barbican", "aodh"]) assert.ok(names.has(service), `${service} registered: ${[...names].join(", ")}`);
    const failed: string[] = [];
    for (const endpoint of endpoints) {
      const origin = new URL(endpoint.URL.replace(/%\([a-z_]+\)s/g, "x")).origin;
      const result = await runTool("ip", ["netns", "exec", ns, "curl", "-sS", "-m", "30", "--cacert", join(work, "ca.pem"), "-o", "/dev/null", "-w", "%{http_code}", `${origin}/`]);
      const code = Number(result.output.trim().slice(-3));
      if (!(code >= 200 && code < 500)) failed.push(`${endpoint["Service Name"]} ${origin}: ${result.output.trim()}`);
    }
    assert.deepEqual(failed, []);
    note(`${endpoints.length} public endpoints answer`);
  });

  it("glance takes an image from a local file, and it becomes active", async () => {
    // A guest that shows it booted: Debian's kernel and a busybox initramfs (the PXE tests' image),
    // booted directly by libvirt from the image's kernel_id and ramdisk_id, its console on ttyS0.
    // Its shell as PID 1 keeps it running (its own init powers off without a network), and nova
    // shows the console log of a running guest only.
    const boot = join(work, "guest");
    const built = await runTool("sh", [join(repoRoot, "live-image/mini/build.sh"), boot], { timeout: 600_000 });
    assert.equal(built.code, 0, built.output);
    const kernel = (await openstackJson<{ id: string }>("image", "create", "--disk-format", "aki", "--container-format", "aki", "--public", "--file", join(boot, "vmlinuz"), "oci-tiny-kernel")).id;
    const ramdisk = (await openstackJson<{ id: string }>("image", "create", "--disk-format", "ari", "--container-format", "ari", "--public", "--file", join(boot, "initrd.img"), "oci-tiny-initrd")).id;
    const file = join(work, "tiny.raw");
    await must("truncate", "-s", "16M", file);
    await openstack("image", "create", "--disk-format", "raw", "--container-format", "bare", "--public", "--file", file,
      "--property", `kernel_id=${kernel}`, "--property", `ramdisk_id=${ramdisk}`, "--property", "os_command_line=console=ttyS0 rdinit=/bin/sh", "oci-tiny");
    const status = await settle("the image active", async () => {
      const s = (await openstackJson<{ status: string }>("image", "show", "oci-tiny")).status;
      return ["active", "killed", "deleted"].includes(s) ? s : undefined;
    }, 5);
    assert.equal(status, "active");
    note("image oci-tiny: active");
  });

  it("neutron: an external flat network on br-ex, a VXLAN tenant network, a router between them, a security group rule", async () => {
    await openstack("network", "create", "--external", "--provider-network-type", "flat", "--provider-physical-network", "external", "public");
    await openstack("subnet", "create", "--network", "public", "--subnet-range", "10.31.0.0/24", "--gateway", "10.31.0.1", "--no-dhcp",
      "--allocation-pool", "start=10.31.0.200,end=10.31.0.220", "public-subnet");
    const tenant = await openstackJson<{ "provider:network_type": string }>("network", "create", "net1");
    assert.equal(tenant["provider:network_type"], "vxlan");
    await openstack("subnet", "create", "--network", "net1", "--subnet-range", "192.168.77.0/24", "net1-subnet");
    await openstack("router", "create", "r1");
    await openstack("router", "set", "--external-gateway", "public", "r1");
    await openstack("router", "add", "subnet", "r1", "net1-subnet");
    const router = await openstackJson<{ external_gateway_info: { external_fixed_ips: { ip_address: string }[] } | string }>("router", "show", "r1");
    const info = typeof router.external_gateway_info === "string" ? JSON.parse(router.external_gateway_info) as { external_fixed_ips: { ip_address: string }[] } : router.external_gateway_info;
    const gateway = info.external_fixed_ips[0]?.ip_address;
    assert.match(gateway ?? "", /^10\.31\.0\.2[0-2]\d$/);
    // Each project has a group named default: the admin project's, by id.
    const group = (await openstack("security", "group", "list", "--project", "admin", "-f", "value", "-c", "ID")).trim().split("\n")[0]!;
    await openstack("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22", "--ingress", group);
    const rules = await openstackJson<{ "Port Range": string }[]>("security", "group", "rule", "list", group);
    assert.ok(rules.some((r) => r["Port Range"] === "22:22"), JSON.stringify(rules));
    note(`router r1: gateway ${gateway}`);
    // The L3 agent plugs the router's gateway into br-ex, which holds the controller's public interface.
    await settle(`the router's gateway ${gateway} answering ping from the public network`, async () =>
      (await runTool("ip", ["netns", "exec", ns, "busybox", "ping", "-c", "1", "-W", "2", gateway!])).code === 0, 5);
    note("router gateway answers on the public network");
  });

  it("nova boots an instance on the compute: ACTIVE", async () => {
    await openstack("flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1", "oci-tiny");
    // The first controller's scheduler maps a new compute to the cell within a minute (discover_hosts_in_cells_interval).
    await settle("the compute mapped to the cell", async () =>
      (await containers.get("c1-ctl-1")!.exec("nova-manage cell_v2 list_hosts")).output.includes("c1-cmp-1") || undefined, 3);
    await openstack("server", "create", "--image", "oci-tiny", "--flavor", "oci-tiny", "--network", "net1", "vm1");
    const server = await settle("the server ACTIVE or ERROR", async () => {
      const s = await openstackJson<{ status: string; fault?: unknown; "OS-EXT-SRV-ATTR:host"?: string }>("server", "show", "vm1");
      return ["ACTIVE", "ERROR"].includes(s.status) ? s : undefined;
    }, 15);
    assert.equal(server.status, "ACTIVE", JSON.stringify(server));
    // nova names a compute by its short hostname.
    assert.equal(server["OS-EXT-SRV-ATTR:host"], "c1-cmp-1");
    note("server vm1: ACTIVE");
    const consoleLog = await settle("the guest kernel's first lines on the console log", async () => {
      const log = await openstack("console", "log", "show", "vm1");
      return /Linux version \d/.test(log) ? log : undefined;
    }, 5);
    note(`console log: ${/Linux version \S+/.exec(consoleLog)![0]}`);
  });

  it("heat creates a stack", async () => {
    const template = join(work, "stack.yaml");
    await writeFile(template, "heat_template_version: 2018-08-31\nresources:\n  word:\n    type: OS::Heat::RandomString\n    properties: { length: 12 }\noutputs:\n  word: { value: { get_attr: [word, value] } }\n");
    await openstack("stack", "create", "-t", template, "--wait", "s1");
    const stack = await openstackJson<{ stack_status: string }>("stack", "show", "s1");
    assert.equal(stack.stack_status, "CREATE_COMPLETE");
    note("stack s1: CREATE_COMPLETE");
  });

  it("barbican stores a secret and gives it back", async () => {
    const href = (await openstack("secret", "store", "--name", "s1", "--payload", "oci-cloud-proof", "-f", "value", "-c", "Secret href")).trim();
    assert.match(href, /^https:\/\/api\.c1\.cloud\.test:9311\/v1\/secrets\//);
    assert.equal((await openstack("secret", "get", "--payload", "-f", "value", "-c", "Payload", href)).trim(), "oci-cloud-proof");
    note("barbican: secret stored and read back");
  });

  it("aodh takes an alarm; ceilometer's agents run", async () => {
    await openstack("alarm", "create", "--name", "a1", "--type", "event", "--event-type", "compute.instance.update");
    assert.ok((await openstackJson<{ name: string }[]>("alarm", "list")).some((a) => a.name === "a1"));
    const ctl = containers.get("c1-ctl-1")!;
    const cmp = containers.get("c1-cmp-1")!;
    // Debian 12's ceilometer polls from one service, ceilometer-polling (central namespace on the controllers, compute on the computes).
    assert.equal((await ctl.exec("systemctl is-active ceilometer-agent-notification ceilometer-polling")).output.trim(), "active\nactive");
    assert.equal((await cmp.exec("systemctl is-active ceilometer-polling")).output.trim(), "active");
    note("aodh alarm a1; ceilometer agents active");
  });

  it("a second Puppet run changes nothing on either node", async () => {
    // Every node runs, so one report shows what each changed.
    const changed: string[] = [];
    for (const n of NODES) {
      const run = await containers.get(n.hostname)!.exec("puppet agent --test --color=false --detailed-exitcodes > /tmp/second-run.log 2>&1; echo $?; grep -E '^(Notice|Error|Warning)' /tmp/second-run.log | grep -v 'Applied catalog' | tail -40", { timeout: 3_600_000 });
      const [code, ...changes] = run.output.trim().split("\n");
      note(`${n.hostname}: second run, exit ${code}`);
      if (code !== "0") changed.push(`${n.hostname}: exit ${code} (2: changes, 4/6: failures)\n${changes.join("\n")}`);
    }
    assert.deepEqual(changed, []);
  });
});
