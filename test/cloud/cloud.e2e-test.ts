// npm run test:cloud — not part of npm test: it deploys OpenStack with Puppet (tens of minutes).
// A controller and a compute of test/fixtures/cloud-site, each a Debian 12 booted with its own
// systemd in a systemd-nspawn container, and a volume node (cinder on LVM) in a qemu VM, whose
// kernel has the device-mapper the host's lacks (cloud-lab.ts). The test does what an operator does: pushes
// the site, installs (oci's installer, in its mode for an existing root), runs `puppet agent -t`,
// and checks the cloud with openstack's client.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fixtures, repoRoot } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { waitFor } from "../helpers/wait-for.js";
import { CloudLab, MINUTE, must, type LabNode } from "./cloud-lab.js";

const started = Date.now();
const note = (what: string) => console.log(`# cloud +${((Date.now() - started) / 1000).toFixed(0)} s: ${what}`);

const NODES: readonly LabNode[] = [
  { hostname: "c1-ctl-1", fqdn: "c1-ctl-1.c1.cloud.test", serial: "CLOUD001", bootMac: "52:54:00:c1:00:01", links: { pxe0: "brpxe", mgmt0: "brmgmt", pub0: "brpub", vm0: "brvm" } },
  { hostname: "c1-cmp-1", fqdn: "c1-cmp-1.c1.cloud.test", serial: "CLOUD002", bootMac: "52:54:00:c1:00:02", links: { pxe0: "brpxe", mgmt0: "brmgmt", vm0: "brvm" } },
  {
    hostname: "c1-vol-1", fqdn: "c1-vol-1.c1.cloud.test", serial: "CLOUD003", bootMac: "52:54:00:c1:00:03", links: { pxe0: "brpxe", mgmt0: "brmgmt" },
    vm: { memoryMb: 2048, macs: { pxe0: "52:54:00:c1:00:03", mgmt0: "52:54:00:c1:01:03" }, dataDisksGb: [4] },
  },
];

describe("a working OpenStack from the site: a controller, a compute and a volume node, configured by Puppet through oci", { timeout: 300 * MINUTE }, () => {
  let lab: CloudLab;
  let work: string;
  const statusOf = (serial: string) => lab.statusOf(serial);
  const openstack = (...args: string[]) => lab.openstack(...args);
  const openstackJson = <T>(...args: string[]) => lab.openstackJson<T>(...args);
  const settle = <T>(what: string, probe: () => Promise<T | undefined | false>, minutes: number) => waitFor(what, probe, minutes * MINUTE, 3_000);

  before(async () => {
    lab = await CloudLab.start(join(fixtures, "cloud-site"), NODES, note);
    work = lab.work;
    note(`controller ${lab.addresses.get("c1-ctl-1")!["management"]}, compute ${lab.addresses.get("c1-cmp-1")!["management"]}, VIP ${lab.vip}`);
  });

  after(async () => {
    await lab?.stop();
  });

  it("each node is installed (oci's installer, for the root it boots) and boots: its agent asks for a certificate, signed by its token", async () => {
    for (const n of NODES) {
      await lab.installAndBoot(n);
      note(`${n.hostname}: installed and booted`);
    }
    for (const n of NODES) assert.equal(statusOf(n.serial)?.status === undefined ? "none" : "reported", "reported");
  });

  it("the controller applies its role: the first wave", async () => {
    const ctl = NODES[0]!;
    await waitFor("the controller's first Puppet run", () => ["puppet-success", "puppet-failure"].includes(statusOf(ctl.serial)?.status ?? "") || undefined, 120 * MINUTE, 5_000)
      .catch(async () => lab.agentRun(ctl));
    if (statusOf(ctl.serial)?.status !== "puppet-success") await lab.agentRun(ctl);
    assert.equal(statusOf(ctl.serial)?.status, "puppet-success", JSON.stringify(statusOf(ctl.serial)));
    note("controller: puppet-success");
  });

  it("the gates of the compute and the volume node open on the controller's report; they apply their roles", async () => {
    // Both in wave 2, each run going at once, as on a site; the VM's at a tenth of the speed.
    await Promise.all(NODES.slice(1).map(async (n) => {
      await lab.agentRun(n);
      note(`${n.hostname}: first run ended`);
    }));
    for (const n of NODES.slice(1)) assert.equal(statusOf(n.serial)?.status, "puppet-success", `${n.hostname}: ${JSON.stringify(statusOf(n.serial))}`);
  });

  it("keystone answers on the VIP over TLS verified with the site CA", async () => {
    await lab.operatorCredentials();
    assert.match(await openstack("token", "issue", "-f", "value", "-c", "id"), /^\S{20,}/);
    note("openstack token issue: ok");
  });

  it("every public endpoint of the catalog answers through HAProxy on the VIP", async () => {
    const endpoints = await openstackJson<{ "Service Name": string; URL: string }[]>("endpoint", "list", "--interface", "public");
    const names = new Set(endpoints.map((e) => e["Service Name"]));
    for (const service of ["keystone", "glance", "nova", "placement", "neutron", "cinderv3", "heat", "heat-cfn", "barbican", "aodh"]) assert.ok(names.has(service), `${service} registered: ${[...names].join(", ")}`);
    const failed: string[] = [];
    for (const endpoint of endpoints) {
      const origin = new URL(endpoint.URL.replace(/%\([a-z_]+\)s/g, "x")).origin;
      const result = await runTool("ip", ["netns", "exec", lab.ns, "curl", "-sS", "-m", "30", "--cacert", join(work, "ca.pem"), "-o", "/dev/null", "-w", "%{http_code}", `${origin}/`]);
      const code = Number(result.output.trim().slice(-3));
      if (!(code >= 200 && code < 500)) failed.push(`${endpoint["Service Name"]} ${origin}: ${result.output.trim()}`);
    }
    assert.deepEqual(failed, []);
    note(`${endpoints.length} public endpoints answer`);
  });

  it("glance takes an image from a local file, and it becomes active", async () => {
    // A guest that shows it booted: Debian's kernel and a busybox initramfs (the PXE tests' image),
    // booted directly by libvirt from the image's kernel_id and ramdisk_id, its console on ttyS0.
    // Its init in guest mode asks DHCP for an address (virtio-net) and stays up; nova shows the
    // console log of a running guest only.
    const boot = join(work, "guest");
    const built = await runTool("sh", [join(repoRoot, "live-image/mini/build.sh"), boot], { timeout: 600_000 });
    assert.equal(built.code, 0, built.output);
    const kernel = (await openstackJson<{ id: string }>("image", "create", "--disk-format", "aki", "--container-format", "aki", "--public", "--file", join(boot, "vmlinuz"), "oci-tiny-kernel")).id;
    const ramdisk = (await openstackJson<{ id: string }>("image", "create", "--disk-format", "ari", "--container-format", "ari", "--public", "--file", join(boot, "initrd.img"), "oci-tiny-initrd")).id;
    const file = join(work, "tiny.raw");
    await must("truncate", "-s", "16M", file);
    await openstack("image", "create", "--disk-format", "raw", "--container-format", "bare", "--public", "--file", file,
      "--property", `kernel_id=${kernel}`, "--property", `ramdisk_id=${ramdisk}`, "--property", "os_command_line=console=ttyS0 oci.mode=guest oci.dhcp_tries=90", "oci-tiny");
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
      (await runTool("ip", ["netns", "exec", lab.ns, "busybox", "ping", "-c", "1", "-W", "2", gateway!])).code === 0, 5);
    note("router gateway answers on the public network");
  });

  it("nova boots an instance on the compute: ACTIVE", async () => {
    await openstack("flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1", "oci-tiny");
    // The first controller's scheduler maps a new compute to the cell within a minute (discover_hosts_in_cells_interval).
    await settle("the compute mapped to the cell", async () =>
      (await lab.machine("c1-ctl-1").exec("nova-manage cell_v2 list_hosts")).output.includes("c1-cmp-1") || undefined, 3);
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

  it("the instance's network: its address from neutron's DHCP over VXLAN, a floating IP answering ping from the public network", async () => {
    const server = await openstackJson<{ addresses: Record<string, string[]> | string }>("server", "show", "vm1");
    const fixed = JSON.stringify(server.addresses).match(/192\.168\.77\.\d+/)?.[0];
    assert.ok(fixed, JSON.stringify(server.addresses));
    // The DHCP agent's dnsmasq is on the controller: the guest's request crosses the VXLAN tunnel.
    const leased = await settle("the guest's DHCP lease on its console", async () => {
      const log = await openstack("console", "log", "show", "vm1");
      return /oci-mini: network: (\S+)/.exec(log)?.[1] || undefined;
    }, 5);
    assert.equal(leased, `${fixed}/24`);
    note(`guest leased ${leased} from neutron's DHCP`);
    const group = (await openstack("security", "group", "list", "--project", "admin", "-f", "value", "-c", "ID")).trim().split("\n")[0]!;
    await openstack("security", "group", "rule", "create", "--protocol", "icmp", "--ingress", group);
    const floating = (await openstack("floating", "ip", "create", "-f", "value", "-c", "floating_ip_address", "public")).trim();
    await openstack("server", "add", "floating", "ip", "vm1", floating);
    // From the public network, through the router's NAT and the tunnel, to the guest's own stack.
    await settle(`the guest answering ping on its floating IP ${floating}`, async () =>
      (await runTool("ip", ["netns", "exec", lab.ns, "busybox", "ping", "-c", "1", "-W", "3", floating])).code === 0, 5);
    note(`guest answers ping on ${floating}`);
  });

  it("cinder on LVM: the volume node's service is up, a volume becomes available, a logical volume in its volume group", async () => {
    const services = await settle("cinder-volume up on the volume node", async () => {
      const list = await openstackJson<{ Binary: string; Host: string; State: string }[]>("volume", "service", "list");
      return list.some((s) => s.Binary === "cinder-volume" && /^c1-vol-1(\.[a-z0-9.-]+)?@lvm$/.test(s.Host) && s.State === "up") ? list : undefined;
    }, 5);
    note(`volume services: ${services.map((s) => `${s.Binary} ${s.Host} ${s.State}`).join(", ")}`);
    const id = (await openstack("volume", "create", "--size", "1", "-f", "value", "-c", "id", "v1")).trim();
    const status = await settle("the volume available or in error", async () => {
      const s = (await openstackJson<{ status: string }>("volume", "show", id)).status;
      return ["available", "error"].includes(s) ? s : undefined;
    }, 10);
    assert.equal(status, "available");
    const lvs = (await lab.machine("c1-vol-1").exec("lvs --noheadings -o lv_name,lv_size cinder-volumes")).output;
    assert.match(lvs, new RegExp(`volume-${id}\\s+1\\.00g`));
    note(`volume v1 available; on c1-vol-1: ${lvs.split("\n").find((l) => l.includes(id))?.trim()}`);
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
    const ctl = lab.machine("c1-ctl-1");
    const cmp = lab.machine("c1-cmp-1");
    // Debian 12's ceilometer polls from one service, ceilometer-polling (central namespace on the controllers, compute on the computes).
    assert.equal((await ctl.exec("systemctl is-active ceilometer-agent-notification ceilometer-polling")).output.trim(), "active\nactive");
    assert.equal((await cmp.exec("systemctl is-active ceilometer-polling")).output.trim(), "active");
    note("aodh alarm a1; ceilometer agents active");
  });

  it("a second Puppet run changes nothing on any node", async () => {
    // Every node runs, so one report shows what each changed.
    const changed = await lab.secondRuns();
    assert.deepEqual(changed, []);
  });
});
