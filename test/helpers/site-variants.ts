import assert from "node:assert/strict";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fixtures, sampleSite } from "./paths.js";
import { copySite } from "./temp-dirs.js";

/**
 * The base test site plus: a routed rack segment (pxe network with a relay) holding one compute,
 * and a controller with two boot NICs whose MACs are written in other notations.
 */
export async function siteWithRelayAndTwoNics(): Promise<string> {
  const site = await copySite(join(fixtures, "base-site"));
  await writeFile(join(site, "networks/pxe-rack2.yaml"), [
    "apiVersion: oci/v1", "kind: Network", "name: pxe-rack2", "cidr: 192.168.20.0/24", "gateway: 192.168.20.1",
    "relay: 192.168.20.1", "purpose: pxe", "discoveryPool:", "  start: 192.168.20.200", "  end: 192.168.20.220", "",
  ].join("\n"));
  const cmp = join(site, "clusters/c1/machines/c1-cmp-1.yaml");
  await writeFile(cmp, (await readFile(cmp, "utf8")).replace("  - network: pxe\n", "  - network: pxe-rack2\n"));
  const ctl = join(site, "clusters/c1/machines/c1-ctl-1.yaml");
  await writeFile(ctl, (await readFile(ctl, "utf8")).replace('  - "52:54:00:10:00:01"', '  - "52-54-00-10-00-01"\n  - "5254.00AA.BB01"'));
  return site;
}

/**
 * sample-site without Ceph: no cephmon/cephosd machines, every compute on local storage (cinder lvm,
 * glance swift); the VIP announced by BGP instead of moved by corosync; and a network node, which
 * takes neutron's agents from the controllers, its OVS bridges on the userspace (netdev) datapath; instances emulated (qemu).
 */
export async function sampleSiteWithoutCephBgp(): Promise<string> {
  const site = await copySite(sampleSite);
  const cluster = join(site, "clusters/cl1/cluster.yaml");
  await writeFile(join(site, "clusters/cl1/machines/cl1-network-1.yaml"), [
    "apiVersion: oci/v1", "kind: Machine", "hostname: cl1-network-1", "role: network", 'serial: "CZ309001"', "bootMacs:", '  - "52:54:00:00:09:01"',
    "interfaces:", "  - network: pxe", "    device: eno1", '    mac: "52:54:00:00:09:01"', "  - network: management", "    device: eno2.10",
    "  - network: vm", "    device: eno2.50", "install: true", "",
  ].join("\n"));
  await writeFile(cluster, (await readFile(cluster, "utf8")).replace("  mode: l2\n", "  mode: bgp\n  bgp:\n    asn: 65010\n    peers:\n      - { address: 10.10.0.1, asn: 65000 }\n      - { address: 10.10.0.2, asn: 65000 }\n")
    + "nova:\n  virtType: qemu\nneutron:\n  ovsDatapath: netdev\n");
  const machines = join(site, "clusters/cl1/machines");
  for (const file of await readdir(machines)) {
    if (file.startsWith("cl1-ceph")) await rm(join(machines, file));
    else await writeFile(join(machines, file), (await readFile(join(machines, file), "utf8")).replace("storage: ceph", "storage: local"));
  }
  return site;
}

/**
 * sample-site as an object store only, the way OCI's swift deployments span two datacenters: keystone
 * and swift on the controllers, which are the proxies (no swiftproxy machine), each placed in a
 * region and zone for affinity; region 1 (par1) with zones 1 and 2, region 2 (par2) with zone 3.
 */
export async function sampleSiteSwiftOnly(): Promise<string> {
  const site = await copySite(sampleSite);
  const machines = join(site, "clusters/cl1/machines");
  for (const file of await readdir(machines)) if (!/^cl1-(controller|swiftstore)-/.test(file)) await rm(join(machines, file));
  const cluster = join(site, "clusters/cl1/cluster.yaml");
  const regions = "  regions:\n    - id: 1\n      name: par1\n      zones:\n        - { id: 1, name: room-a }\n        - { id: 2, name: room-b }\n"
    + "    - id: 2\n      name: par2\n      zones:\n        - { id: 3, name: room-c }\n";
  const text = (await readFile(cluster, "utf8")).replace(/^services: .*$/m, "services: [keystone, swift]").replace(/^  regions:\n(    .*\n)+/m, regions);
  assert.match(text, /name: par2/);
  await writeFile(cluster, text);
  const place = async (file: string, region: number, zone: number) => {
    const path = join(machines, file);
    const before = await readFile(path, "utf8");
    const after = /^  swift:\n/m.test(before)
      ? before.replace(/^    region: \d+\n    zone: \d+$/m, `    region: ${region}\n    zone: ${zone}`)
      : before.replace(/^install: /m, `options:\n  swift: { region: ${region}, zone: ${zone} }\ninstall: `);
    assert.notEqual(after, before, file);
    await writeFile(path, after);
  };
  await place("cl1-controller-1.yaml", 1, 1);
  await place("cl1-controller-2.yaml", 1, 2);
  await place("cl1-controller-3.yaml", 2, 3);
  await place("cl1-swiftstore-5.yaml", 2, 3);
  await place("cl1-swiftstore-6.yaml", 2, 3);
  return site;
}

/** sample-site with Ceph OSDs but no cephmon machines: the controllers are the monitors, as in OCI. */
export async function sampleSiteMonsOnControllers(): Promise<string> {
  const site = await copySite(sampleSite);
  const machines = join(site, "clusters/cl1/machines");
  for (const file of await readdir(machines)) if (file.startsWith("cl1-cephmon-")) await rm(join(machines, file));
  return site;
}
