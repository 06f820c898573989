import { parseCidr, parseIpv4, type Ipv4Network, type Ipv4Range } from "../net/ipv4.js";
import type { ClusterDoc, Located, LocatedMachine, NetworkDoc, SiteModel } from "./site-model.js";

export interface IndexedNetwork {
  readonly located: Located<NetworkDoc>;
  readonly net: Ipv4Network;
  readonly gateway?: number;
  readonly pool?: Ipv4Range;
  readonly reserved: readonly Ipv4Range[];
}

/** Lookups every rule needs, built once per validation. The first definition of a duplicated name wins. */
export class SiteIndex {
  readonly networks = new Map<string, IndexedNetwork>();
  readonly clusters = new Map<string, Located<ClusterDoc>>();
  readonly machinesByCluster = new Map<string, LocatedMachine[]>();
  /**
   * Addresses the site already gives to equipment oci does not allocate, whether or not a reserved
   * range covers them: the provisioning host, DNS and NTP servers, every gateway and relay, the BGP
   * peers. Never allocated; a literal address on one is an error.
   */
  readonly infrastructure = new Map<number, string>();

  constructor(readonly model: SiteModel) {
    for (const located of model.networks) {
      const { doc } = located;
      if (this.networks.has(doc.name)) continue;
      this.networks.set(doc.name, {
        located,
        net: parseCidr(doc.cidr),
        ...(doc.gateway === undefined ? {} : { gateway: parseIpv4(doc.gateway) }),
        ...(doc.discoveryPool === undefined ? {} : { pool: toRange(doc.discoveryPool) }),
        reserved: (doc.reserved ?? []).map(toRange),
      });
    }
    for (const located of model.clusters) {
      if (!this.clusters.has(located.doc.name)) this.clusters.set(located.doc.name, located);
    }
    const claim = (address: string | undefined, what: string) => {
      if (address !== undefined && IPV4.test(address) && !this.infrastructure.has(parseIpv4(address))) this.infrastructure.set(parseIpv4(address), what);
    };
    const site = model.site?.doc;
    claim(site?.provisioning.address, "the provisioning host");
    for (const server of site?.dns?.servers ?? []) claim(server, "a DNS server of the site");
    for (const server of site?.ntp ?? []) claim(server, "an NTP server of the site");
    for (const { located: { doc } } of this.networks.values()) {
      claim(doc.gateway, `the gateway of ${doc.name}`);
      claim(doc.relay, `the relay of ${doc.name}`);
    }
    for (const { doc } of this.clusters.values()) {
      for (const peer of doc.vip.bgp?.peers ?? []) claim(peer.address, `a BGP peer of cluster ${doc.name}`);
    }
    for (const machine of model.machines) {
      const list = this.machinesByCluster.get(machine.cluster) ?? [];
      list.push(machine);
      this.machinesByCluster.set(machine.cluster, list);
    }
  }

  /** Clusters by folder name, including folders whose cluster.yaml is missing or invalid. */
  clusterFolders(): string[] {
    return [...new Set([...this.clusters.keys(), ...this.machinesByCluster.keys()])].sort();
  }

  networksWithPurpose(purpose: NetworkDoc["purpose"]): IndexedNetwork[] {
    return [...this.networks.values()].filter((n) => n.located.doc.purpose === purpose);
  }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function toRange(range: { start: string; end: string }): Ipv4Range {
  return { start: parseIpv4(range.start), end: parseIpv4(range.end) };
}

/** A cluster's DNS domain: its own, or `<cluster>.<site domain>`. */
export function clusterDomain(cluster: ClusterDoc | undefined, clusterName: string, siteDomain: string | undefined): string {
  return cluster?.domain ?? `${clusterName}.${siteDomain ?? "invalid"}`;
}

export type VipNetworkChoice = { readonly name: string } | { readonly problem: "none" | "several" };

/** The network a cluster's VIP lives on: the one it names, or the site's only management network. */
export function vipNetworkOf(cluster: ClusterDoc, index: SiteIndex): VipNetworkChoice {
  if (cluster.vip.network !== undefined) return { name: cluster.vip.network };
  const candidates = index.networksWithPurpose("management");
  if (candidates.length === 1) return { name: candidates[0]!.located.doc.name };
  return { problem: candidates.length === 0 ? "none" : "several" };
}
