import type { ClusterIR, MachineIR, NetworkIR, SiteIR } from "../../resolve/site-ir.js";
import { certificateKeyLocation, type Credentials } from "../../secrets/credentials.js";
import { networkdFiles } from "../networkd-files.js";
import { yamlText, type OutputFile } from "../output-file.js";
import type { KeyedMemo } from "../../memo/keyed-memo.js";
import type { DataMemo } from "../../memo/data-memo.js";

// Keys are in the `oci::` namespace: the Puppet module's classes read them by automatic parameter
// lookup (`oci::cluster::vip` is parameter `vip` of class `oci::cluster`). Hierarchy:
// nodes/<fqdn> → clusters/<cluster> → common.

/** What hiera keeps between compiles: each node's file by its machine, the shared files by their data. */
export interface HieraMemo {
  readonly nodes: KeyedMemo<MachineIR, OutputFile>;
  /** hiera/common.yaml and the clusters' files, by their data. */
  readonly shared: DataMemo;
}

/** hiera/common.yaml, hiera/clusters/<name>.yaml and hiera/nodes/<fqdn>.yaml, with the encrypted secrets and TLS material. */
export function renderHiera(ir: SiteIR, credentials: Credentials, memo?: HieraMemo): OutputFile[] {
  const extra = credentialData(credentials);
  const file = (path: string, data: Record<string, unknown>): OutputFile => ({ path, content: yamlText({ ...data, ...extra.get(path) }) });
  const shared = (path: string, data: Record<string, unknown>): OutputFile => {
    const all = { ...data, ...extra.get(path) };
    return { path, content: memo ? memo.shared.text(path, all, () => yamlText(all)) : yamlText(all) };
  };
  const files: OutputFile[] = [shared("hiera/common.yaml", commonData(ir))];
  const members = new Map<string, MachineIR[]>();
  for (const m of ir.machines) (members.get(m.cluster) ?? members.set(m.cluster, []).get(m.cluster)!).push(m);
  for (const cluster of ir.clusters) files.push(shared(`hiera/clusters/${cluster.name}.yaml`, clusterData(cluster, members.get(cluster.name) ?? [])));
  memo?.shared.retain(new Set(files.map((f) => f.path)));
  const networks = new Map(ir.networks.map((n) => [n.name, n]));
  // A node's file is its machine, the networks and its secrets and certificates: the same three, the same file.
  const networksKey = memo ? JSON.stringify(ir.networks) : "";
  for (const machine of ir.machines) {
    const path = `hiera/nodes/${machine.fqdn}.yaml`;
    const make = () => file(path, nodeData(machine, networks));
    const values = extra.get(path);
    const parts: unknown[] = [networksKey];
    if (values) for (const key in values) parts.push(key, values[key]);
    files.push(memo ? memo.nodes.get(machine, parts, make) : make());
  }
  return files;
}

/** Secrets (already encrypted) and certificates, by the hiera file they belong in. */
function credentialData(credentials: Credentials): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const put = (file: string, key: string, value: string) => {
    const data = out.get(file) ?? {};
    data[key] = value;
    out.set(file, data);
  };
  for (const secret of credentials.secrets) put(secret.hieraFile, secret.hieraKey, secret.encrypted);
  for (const cert of credentials.certificates) {
    const [file, keyKey] = certificateKeyLocation(cert.request);
    put(file, keyKey, cert.encryptedKey);
    put(file, cert.request.fqdn ? "oci::profile::tls::certificate" : "oci::profile::haproxy::public_certificate", cert.chainPem);
  }
  for (const byo of credentials.publicEndpoints) {
    const file = `hiera/clusters/${byo.cluster}.yaml`;
    put(file, "oci::profile::haproxy::public_private_key", byo.encryptedKey);
    if (byo.chainPem) put(file, "oci::profile::haproxy::public_certificate", byo.chainPem);
  }
  if (credentials.caPem) put("hiera/common.yaml", "oci::profile::tls::ca_certificate", credentials.caPem);
  return out;
}

function commonData(ir: SiteIR): Record<string, unknown> {
  const { site } = ir;
  return {
    "oci::site::site_name": site.name, // not `name`: Puppet reserves $name in classes
    "oci::site::domain": site.domain,
    "oci::base::debian_release": site.debianRelease,
    "oci::base::debian_mirror": site.debianMirror,
    "oci::base::ntp_servers": site.ntpServers,
    "oci::base::dns_servers": site.dnsServers,
    "oci::base::dns_search": site.dnsSearch,
    "oci::base::puppet_server": site.puppetServer,
    "oci::base::provisioning_url": site.provisioningUrl,
  };
}

function clusterData(cluster: ClusterIR, members: readonly MachineIR[]): Record<string, unknown> {
  const byHost = new Map(members.map((m) => [m.hostname, m]));
  const hosts = (names: readonly string[]) =>
    names.map((name) => {
      const m = byHost.get(name)!;
      return { hostname: m.hostname, fqdn: m.fqdn, address: m.managementAddress };
    });
  const t = cluster.topology;
  return {
    "oci::cluster::cluster_name": cluster.name,
    "oci::cluster::vip": cluster.vip.address,
    "oci::cluster::vip_network": cluster.vip.network,
    "oci::cluster::vip_mode": cluster.vip.mode,
    ...(cluster.vip.bgp ? { "oci::cluster::bgp": { asn: cluster.vip.bgp.asn, peers: cluster.vip.bgp.peers } } : {}),
    "oci::cluster::public_endpoint": cluster.publicEndpoint,
    "oci::cluster::services": cluster.services,
    "oci::cluster::cinder_backend": cluster.backends.cinder,
    "oci::cluster::glance_backend": cluster.backends.glance,
    "oci::cluster::ovs_datapath": cluster.neutron.ovsDatapath,
    "oci::cluster::virt_type": cluster.nova.virtType,
    "oci::cluster::controllers": hosts(t.controllers),
    "oci::cluster::ceph_mons": hosts(t.cephMons),
    "oci::cluster::ceph_osds": hosts(t.cephOsds),
    "oci::cluster::swift_proxies": hosts(t.swiftProxies),
    "oci::cluster::swift_stores": t.swiftStores.map((name) => {
      const m = byHost.get(name)!;
      return { hostname: m.hostname, address: m.managementAddress, ...m.swift };
    }),
    "oci::cluster::swift_part_power": cluster.swift.partPower,
    "oci::cluster::swift_replicas": cluster.swift.replicas,
    "oci::cluster::messaging_hosts": hosts(t.messaging),
    "oci::cluster::sql_hosts": hosts(t.sql),
    "oci::cluster::computes": hosts(t.computes),
    "oci::cluster::network_nodes": hosts(t.networkNodes),
    "oci::cluster::volume_nodes": hosts(t.volumes),
  };
}

function nodeData(machine: MachineIR, networks: ReadonlyMap<string, NetworkIR>): Record<string, unknown> {
  return {
    "oci::node::hostname": machine.hostname,
    "oci::node::fqdn": machine.fqdn,
    "oci::node::cluster": machine.cluster,
    "oci::node::role": machine.role,
    "oci::node::management_address": machine.managementAddress,
    "oci::node::setup_wave": machine.setupWave,
    "oci::node::interfaces": machine.interfaces.map((i) => {
      const n = networks.get(i.network)!;
      return {
        network: i.network,
        address: i.address,
        prefix: i.prefix,
        mtu: n.mtu,
        purpose: n.purpose,
        ...(n.vlan === undefined ? {} : { vlan: n.vlan }),
        ...(n.gateway === undefined ? {} : { gateway: n.gateway }),
        ...(i.device === undefined ? {} : { device: i.device }),
        ...(i.link === undefined ? {} : { link: i.link }),
        ...(i.mac === undefined ? {} : { mac: i.mac }),
      };
    }),
    ...(machine.network ? { "oci::network::files": Object.fromEntries(networkdFiles(machine.network)) } : {}),
    ...(machine.serial === undefined ? {} : { "oci::node::serial": machine.serial }),
    ...(machine.ipmi ? { "oci::node::ipmi": ipmiData(machine.ipmi, networks) } : {}),
    ...(machine.compute ? { "oci::node::instance_storage": machine.compute.storage } : {}),
    ...(machine.swift ? { "oci::node::swift": machine.swift } : {}),
    ...(machine.ceph ? { "oci::node::ceph_disks": machine.ceph.disks } : {}),
    ...(machine.volume ? { "oci::node::volume_disks": machine.volume.disks } : {}),
  };
}

/** The BMC's LAN settings, as ipmitool sets them (address, netmask, and the gateway when the network has one), and its admin user's name. */
function ipmiData(ipmi: NonNullable<MachineIR["ipmi"]>, networks: ReadonlyMap<string, NetworkIR>): Record<string, string> {
  const n = networks.get(ipmi.network)!;
  return { address: ipmi.address, netmask: n.netmask, ...(n.gateway === undefined ? {} : { gateway: n.gateway }), user: ipmi.user };
}
