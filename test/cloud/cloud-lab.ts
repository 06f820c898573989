// The nodes of a cloud test: each a Debian 12 booted with its own systemd, on bridges in a network
// namespace the lab creates, installed by oci's installer for the root it boots, against a
// provisioning host (oci serve, puppetserver) in that namespace. A node is a systemd-nspawn
// container (native speed; the host kernel's features: no VLAN, no device-mapper, no kernel Open
// vSwitch), or a qemu VM where it needs Debian's own kernel (LVM for cinder), at a tenth of the
// speed. The packages are in the image ahead of time (a cached root, and a cached layer on it for
// the VMs); Puppet does all the rest.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { compile } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { StatusStore, type StatusRecord } from "../../runtime/state/status-store.js";
import { Container } from "../helpers/container.js";
import { eyamlDecrypt } from "../helpers/eyaml.js";
import { repoRoot } from "../helpers/paths.js";
import { startProvisioningHost, type ProvisioningHost } from "../helpers/provisioning-host.js";
import { must, runTool } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";
import { VirtualMachine } from "../helpers/virtual-machine.js";

export const CACHE = process.env["OCI_E2E_CACHE"] ?? "/var/cache/oci-e2e";
const BUILD_ROOT = join(repoRoot, "test/cloud/build-cloud-root.sh");
// Keyed by the build script: a changed package list builds a new root instead of reusing a stale one.
const ROOT = join(CACHE, `cloud-root-${createHash("sha256").update(readFileSync(BUILD_ROOT)).digest("hex").slice(0, 12)}`);
const BUILD_VM_LAYER = join(repoRoot, "test/cloud/build-vm-layer.sh");
const VM_LAYER = `${ROOT}-vm-${createHash("sha256").update(readFileSync(BUILD_VM_LAYER)).digest("hex").slice(0, 12)}`;
const PROVISIONING = "192.168.200.2";
export const MINUTE = 60_000;
const BRIDGES = ["brpxe", "brmgmt", "brpub", "brvm"] as const;

export interface LabNode {
  readonly hostname: string;
  readonly fqdn: string;
  readonly serial: string;
  readonly bootMac: string;
  /** Linux device → bridge in the provisioning namespace. */
  readonly links: Readonly<Record<string, (typeof BRIDGES)[number]>>;
  /** A VM instead of a container: its memory, its NICs' MACs (by device, as the site names them) and its blank disks. */
  readonly vm?: { readonly memoryMb: number; readonly macs: Readonly<Record<string, string>>; readonly dataDisksGb: readonly number[] };
}

/** A running node: a container or a VM, commands run inside as root. */
export type LabMachine = Container | VirtualMachine;

export { must };

/** The containers' root: Debian 12 with the packages the roles install, put there natively ahead of time. */
async function cloudRoot(note: (line: string) => void): Promise<string> {
  if (existsSync(join(ROOT, "usr/bin/keystone-manage"))) return ROOT;
  note(`building ${ROOT} (debootstrap and the OpenStack packages)`);
  await must("rm", "-rf", `${ROOT}.building`);
  const built = await runTool("sh", [BUILD_ROOT, `${ROOT}.building`], { timeout: 3_600_000 });
  assert.equal(built.code, 0, built.output.slice(-4000));
  await must("mv", `${ROOT}.building`, ROOT);
  return ROOT;
}

/** What a VM node adds on the root: Debian's kernel and initramfs, tgt, OpenSSH. */
async function vmLayer(note: (line: string) => void): Promise<string> {
  if (existsSync(join(VM_LAYER, "etc/kernel-cmdline"))) return VM_LAYER;
  note(`building ${VM_LAYER} (a kernel, tgt and sshd for the VM nodes)`);
  await must("rm", "-rf", `${VM_LAYER}.building`);
  const built = await runTool("sh", [BUILD_VM_LAYER, ROOT, `${VM_LAYER}.building`], { timeout: 1_800_000 });
  assert.equal(built.code, 0, built.output.slice(-4000));
  await must("mv", `${VM_LAYER}.building`, VM_LAYER);
  return VM_LAYER;
}

export class CloudLab {
  readonly machines = new Map<string, LabMachine>();
  /** Per hostname, network name → its address in the site's render. */
  readonly addresses: Map<string, Record<string, string>>;
  readonly ns: string;
  private credentials: string[] = [];
  private root = "";
  private vmLayer = "";
  private readonly id: string;
  private provisioningHost?: ProvisioningHost;

  private constructor(
    readonly site: string, readonly nodes: readonly LabNode[], readonly work: string, readonly vip: string,
    addresses: Map<string, Record<string, string>>, readonly note: (line: string) => void,
  ) {
    this.addresses = addresses;
    this.id = randomBytes(2).toString("hex");
    this.ns = `ocl-${this.id}`;
  }

  /** Compiles the site as the daemon will (the same IPAM), builds the networks, starts the provisioning host. */
  static async start(site: string, nodes: readonly LabNode[], note: (line: string) => void): Promise<CloudLab> {
    const work = await tempDir("oci-cloud-");
    const render = await compile({ tree: new DirectoryTree(site) });
    assert.ok(render.files, JSON.stringify(render.diagnostics));
    const hiera = (path: string) => parse(render.files!.find((f) => f.path === path)!.content) as Record<string, unknown>;
    const vip = String(hiera("hiera/clusters/c1.yaml")["oci::cluster::vip"]);
    const addresses = new Map(nodes.map((n) => [n.hostname, Object.fromEntries(
      (hiera(`hiera/nodes/${n.fqdn}.yaml`)["oci::node::interfaces"] as { network: string; address: string }[]).map((i) => [i.network, i.address]),
    )]));
    const lab = new CloudLab(site, nodes, work, vip, addresses, note);
    lab.root = await cloudRoot(note);
    if (nodes.some((n) => n.vm)) lab.vmLayer = await vmLayer(note);
    await lab.network();
    return lab;
  }

  get provisioning(): ProvisioningHost {
    assert.ok(this.provisioningHost, "the provisioning host is not started");
    return this.provisioningHost;
  }

  nodeNs(n: LabNode): string {
    return `ocl-${this.id}-${n.hostname.slice(-5)}`;
  }

  node(hostname: string): LabNode {
    const found = this.nodes.find((n) => n.hostname === hostname);
    assert.ok(found, hostname);
    return found;
  }

  machine(hostname: string): LabMachine {
    const found = this.machines.get(hostname);
    assert.ok(found, `${hostname} is not running`);
    return found;
  }

  private async network(): Promise<void> {
    const { ns } = this;
    await must("ip", "netns", "add", ns);
    await must("ip", "-n", ns, "link", "set", "lo", "up");
    for (const bridge of BRIDGES) {
      await must("ip", "-n", ns, "link", "add", bridge, "type", "bridge");
      await must("ip", "-n", ns, "link", "set", bridge, "up");
    }
    await must("ip", "-n", ns, "addr", "add", `${PROVISIONING}/24`, "dev", "brpxe");
    // The provisioning host on the management network too: the operator's openstack client reaches the VIP.
    await must("ip", "-n", ns, "addr", "add", "10.30.0.2/24", "dev", "brmgmt");
    await must("ip", "-n", ns, "addr", "add", "10.31.0.1/24", "dev", "brpub");
    for (const [index, n] of this.nodes.entries()) {
      await must("ip", "netns", "add", this.nodeNs(n));
      await must("ip", "-n", this.nodeNs(n), "link", "set", "lo", "up");
      for (const [device, bridge] of Object.entries(n.links)) {
        const port = `${device}n${index}${this.id}`;
        await must("ip", "link", "add", port, "netns", ns, "type", "veth", "peer", "name", device, "netns", this.nodeNs(n));
        await must("ip", "-n", ns, "link", "set", port, "master", bridge);
        await must("ip", "-n", ns, "link", "set", port, "up");
        if (device === "pxe0") await must("ip", "-n", this.nodeNs(n), "link", "set", device, "address", n.bootMac);
      }
    }
    const dns: Record<string, string> = { "puppet.cloud.test": PROVISIONING, "api.c1.cloud.test": this.vip };
    for (const n of this.nodes) {
      dns[n.fqdn] = this.addresses.get(n.hostname)!["management"]!;
      dns[n.hostname] = this.addresses.get(n.hostname)!["management"]!;
    }
    // The operator's openstack client, in the provisioning namespace, resolves with the site's DNS
    // (ip netns exec mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf).
    await mkdir(`/etc/netns/${ns}`, { recursive: true });
    await writeFile(`/etc/netns/${ns}/resolv.conf`, `nameserver ${PROVISIONING}\n`);
    this.provisioningHost = await startProvisioningHost({
      ns, address: PROVISIONING, site: this.site, dns, puppetCertname: "puppet.cloud.test", cache: CACHE, work: this.work, log: this.note,
    });
  }

  async stop(): Promise<void> {
    for (const [hostname, machine] of this.machines) {
      if (machine instanceof VirtualMachine) await machine.saveConsole(join(this.work, `${hostname}-console.log`));
      await machine.stop();
    }
    await this.provisioningHost?.stop();
    for (const n of this.nodes) await runTool("ip", ["netns", "del", this.nodeNs(n)]);
    await runTool("ip", ["netns", "del", this.ns]);
    await runTool("rm", ["-rf", `/etc/netns/${this.ns}`]);
  }

  /** Installs the node with oci's installer (its mode for an existing root) and boots it. */
  async installAndBoot(n: LabNode): Promise<LabMachine> {
    const machine = n.vm ? await this.createVm(n) : await Container.boot(this.root, join(this.work, n.hostname), ["/usr/bin/node"],
      { network: this.nodeNs(n), capabilities: "all", prepare: (root) => this.install(n, root) });
    this.machines.set(n.hostname, machine);
    return machine;
  }

  /**
   * A VM node: installed on its root tree in the node's namespace (the installer's requests come
   * from its PXE address, as on the real path), whose links then go; the VM's own NICs, with the
   * MACs the site names, are taps on the same bridges.
   */
  private async createVm(n: LabNode): Promise<VirtualMachine> {
    const vm = n.vm!;
    return VirtualMachine.create([this.vmLayer, this.root], join(this.work, n.hostname), {
      ns: this.ns, memoryMb: vm.memoryMb, dataDisksGb: vm.dataDisksGb, sshAddress: this.addresses.get(n.hostname)!["management"]!,
      nics: Object.entries(n.links).map(([device, bridge], i) => ({ bridge, mac: vm.macs[device]!, tap: `tv${i}${this.id}${n.hostname.slice(-2)}` })),
    }, async (root) => {
      await this.install(n, root);
      await must("ip", "netns", "del", this.nodeNs(n));
    });
  }

  /** Powers the node off the hard way: its PID 1 (or its qemu) killed, every process of it with it, nothing flushed. */
  async cutPower(hostname: string): Promise<void> {
    const machine = this.machine(hostname);
    if (machine instanceof VirtualMachine) {
      await machine.cutPower();
      this.machines.delete(hostname);
      return;
    }
    await must("kill", "-KILL", String(machine.pid));
    await machine.stop();
    this.machines.delete(hostname);
  }

  /** Boots the node again from its own disk (its overlay's upper layer), as a power-on does. */
  async powerOn(hostname: string): Promise<LabMachine> {
    const n = this.node(hostname);
    assert.ok(!n.vm, `${hostname} is a VM: the lab powers on containers only`);
    const container = await Container.boot(this.root, join(this.work, n.hostname), ["/usr/bin/node"], { network: this.nodeNs(n), capabilities: "all" });
    this.machines.set(n.hostname, container);
    return container;
  }

  /** What DHCP would have given it: its reservation on pxe0, for the installer's requests. */
  private async install(n: LabNode, root: string): Promise<void> {
    const pxe = this.addresses.get(n.hostname)!["pxe"]!;
    await must("ip", "-n", this.nodeNs(n), "addr", "add", `${pxe}/24`, "dev", "pxe0");
    await must("ip", "-n", this.nodeNs(n), "link", "set", "pxe0", "up");
    // The kernel command line of its install script, as iPXE would boot it.
    const script = (await this.runIn(this.ns, "curl", "-sS", "-m", "20", `http://${PROVISIONING}/ipxe/${n.bootMac.replace(/:/g, "-")}`)).output;
    const cmdline = /^kernel \S+ (.*)$/m.exec(script)?.[1];
    assert.ok(cmdline, script);
    const proc = join(this.work, `${n.hostname}-proc`);
    await mkdir(proc, { recursive: true });
    await writeFile(join(proc, "cmdline"), `${cmdline}\n`);
    const result = await runTool("ip", ["netns", "exec", this.nodeNs(n), "env", `OCI_PROC=${proc}`, `OCI_TARGET=${root}`, "OCI_CONFIGURE_ONLY=1", "OCI_NO_REBOOT=1",
      `OCI_SERIAL=${n.serial}`, `OCI_HOOK_DIR=${join(repoRoot, "puppet/modules/oci/files")}`, "sh", join(repoRoot, "live-image/installer/oci-install.sh")], { timeout: 300_000 });
    assert.equal(result.code, 0, `${result.output}\n${await readFile("/tmp/oci-install.log", "utf8").catch(() => "")}`);
    await must("ip", "-n", this.nodeNs(n), "addr", "flush", "dev", "pxe0");
  }

  runIn(namespace: string, ...command: string[]) {
    return runTool("ip", ["netns", "exec", namespace, ...command], { timeout: 600_000 });
  }

  statusOf(serial: string): StatusRecord | undefined {
    return StatusStore.read(join(this.provisioning.stateDir, "status")).machines[serial];
  }

  /** `puppet agent -t` on the node, as an operator runs it (after the agent service's own run, if one is going); the whole output when the report says it failed. */
  async agentRun(n: LabNode): Promise<void> {
    const run = await this.machine(n.hostname).exec("puppet agent --test --color=false --waitforlock 5 --maxwaitforlock 3600 2>&1 | tail -60", { timeout: 7_200_000 });
    this.note(`${n.hostname}: puppet agent -t ended; status ${this.statusOf(n.serial)?.status}`);
    if (this.statusOf(n.serial)?.status === "puppet-failure") console.log(run.output);
  }

  /** A second `puppet agent -t` on each node: what each changed, for the nodes that did not exit 0. */
  async secondRuns(): Promise<string[]> {
    const changed: string[] = [];
    for (const n of this.nodes) {
      const run = await this.machine(n.hostname).exec("puppet agent --test --color=false --waitforlock 5 --maxwaitforlock 3600 --detailed-exitcodes > /tmp/second-run.log 2>&1; echo $?; grep -E '^(Notice|Error|Warning)' /tmp/second-run.log | grep -v 'Applied catalog' | tail -40", { timeout: 3_600_000 });
      const [code, ...changes] = run.output.trim().split("\n");
      this.note(`${n.hostname}: second run, exit ${code}`);
      if (code !== "0") changed.push(`${n.hostname}: exit ${code} (2: changes, 4/6: failures)\n${changes.join("\n")}`);
    }
    return changed;
  }

  /** The site CA (from the rendered branch) and the admin's credentials (decrypted from the cluster's hiera), as the operator has them. */
  async operatorCredentials(): Promise<string> {
    const cluster = parse(await readFile(join(this.provisioning.envDir, "production/data/clusters/c1.yaml"), "utf8")) as Record<string, string>;
    const password = await eyamlDecrypt(cluster["oci::profile::keystone::admin_password"]!);
    const ca = join(this.work, "ca.pem");
    await writeFile(ca, await must("git", "--git-dir", this.provisioning.bare, "show", "oci/rendered:pki/ca.pem"));
    this.credentials = [`OS_AUTH_URL=https://api.c1.cloud.test:5000/v3`, "OS_USERNAME=admin", `OS_PASSWORD=${password}`, "OS_PROJECT_NAME=admin",
      "OS_USER_DOMAIN_NAME=Default", "OS_PROJECT_DOMAIN_NAME=Default", "OS_IDENTITY_API_VERSION=3", "OS_INTERFACE=public", `OS_CACERT=${ca}`];
    return ca;
  }

  /** `openstack …` as the operator runs it: in the provisioning namespace, against the VIP, TLS verified with the site CA. */
  async openstack(...args: string[]): Promise<string> {
    const result = await runTool("ip", ["netns", "exec", this.ns, "env", ...this.credentials, "openstack", ...args], { timeout: 600_000 });
    assert.equal(result.code, 0, `openstack ${args.join(" ")}: ${result.output}`);
    return result.output;
  }

  async openstackJson<T>(...args: string[]): Promise<T> {
    return JSON.parse(await this.openstack(...args, "-f", "json")) as T;
  }
}
