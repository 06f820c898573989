// TypeScript mirror of schemas/*.schema.json: the shape of a document once its schema check passed.
// Defaults are applied later, by resolve; optional here means "may be absent in the file".

import type { SourceFile } from "../load/source-file.js";

export type Role =
  | "controller" | "compute" | "network" | "volume" | "cephmon" | "cephosd" | "swiftproxy"
  | "swiftstore" | "messaging" | "sql" | "dns" | "tempest" | "debmirror";

export type Service =
  | "keystone" | "glance" | "nova" | "neutron" | "cinder" | "swift" | "heat" | "aodh" | "barbican" | "panko" | "ceilometer";

export type NetworkPurpose = "pxe" | "management" | "public" | "ipmi" | "vm" | "ceph" | "storage";

export interface AddressRange { start: string; end: string; comment?: string }

export interface SiteDoc {
  apiVersion: "oci/v1";
  kind: "Site";
  name: string;
  domain: string;
  debian?: { release?: "bookworm" | "trixie"; mirror?: string };
  openstack?: { release?: string };
  ntp?: string[];
  dns?: { servers?: string[]; search?: string[] };
  provisioning: { address: string; httpPort?: number; serialConsole?: string };
  puppet: { server: string; environment?: string };
  git?: { renderedBranch?: string };
  secrets?: { eyamlPublicKey?: string };
  pki?: { renewBeforeDays?: number; validityDays?: number };
  statusPage?: StatusPageSettings;
}

export interface StatusPageSettings {
  readonly commitUrl?: string;
  readonly allow?: readonly string[];
  readonly users?: readonly { readonly name: string; readonly passwordHash: string }[];
}

export interface LocationDoc {
  apiVersion: "oci/v1";
  kind: "Location";
  name: string;
  networks?: string[];
  racks?: { name: string; networks: string[]; switches?: { chassis: string; networks?: string[] }[] }[];
}

export interface NetworkDoc {
  apiVersion: "oci/v1";
  kind: "Network";
  name: string;
  cidr: string;
  vlan?: number;
  gateway?: string;
  mtu?: number;
  purpose: NetworkPurpose;
  discoveryPool?: AddressRange;
  reserved?: AddressRange[];
  relay?: string;
}

export interface ClusterDoc {
  apiVersion: "oci/v1";
  kind: "Cluster";
  name: string;
  domain?: string;
  vip: {
    address: string;
    network?: string;
    mode?: "l2" | "bgp";
    bgp?: { asn: number; peers: { address: string; asn: number }[] };
  };
  publicEndpoint?: string;
  services: Service[];
  networks?: { network: string; roles?: Role[] }[];
  backends?: { cinder?: "auto" | "lvm" | "ceph"; nova?: "auto" | "local" | "ceph"; glance?: "auto" | "ceph" | "swift" | "file" };
  ipmi?: { user?: string };
  nova?: { virtType?: "kvm" | "qemu" };
  neutron?: { ovsDatapath?: "system" | "netdev" };
  swift?: { partPower?: number; replicas?: number; regions?: { id: number; name?: string; zones: { id: number; name?: string }[] }[] };
  tls?: { publicCertificate?: "site-ca" | "byo" };
}

export interface InterfaceDoc { network: string; ip?: string; device?: string; mac?: string; bond?: string; parent?: string }

export interface BondDoc { name: string; mode?: "802.3ad" | "active-backup"; members: string[] }

export interface MachineDoc {
  apiVersion: "oci/v1";
  kind: "Machine";
  hostname: string;
  role: Role;
  serial?: string;
  bootMacs?: string[];
  interfaces: InterfaceDoc[];
  bonds?: BondDoc[];
  defaultRoute?: string;
  ipmi?: { network: string; ip?: string; user?: string };
  location?: { dc?: string; row?: string; rack?: string; u?: number };
  options?: {
    compute?: { storage?: "local" | "ceph" };
    swift?: { region?: number; zone: number; weight?: number; disks?: string[] };
    ceph?: { disks?: string[] };
    volume?: { disks?: string[] };
  };
  install?: boolean;
  installGeneration?: number;
  systemDisks?: string[];
}

export interface HardwareProfileDoc {
  apiVersion: "oci/v1";
  kind: "HardwareProfile";
  name: string;
  match: { product?: string; vendor?: string; minRamMiB?: number; minDisks?: number; minDiskGiB?: number };
  role: Role;
  raid?: { level?: 0 | 1; disks?: string[] };
}

export interface DiscoveredHardwareDoc {
  apiVersion: "oci/v1";
  kind: "DiscoveredHardware";
  serial: string;
  uuid?: string;
  vendor?: string;
  product?: string;
  cpu?: { model?: string; count?: number };
  ramMiB?: number;
  disks?: { name: string; sizeBytes: number; model?: string; rotational?: boolean }[];
  nics: { name: string; mac: string; speedMbps?: number; link?: boolean; lldp?: { chassis?: string; port?: string } }[];
  ipmi?: { address?: string };
}

/** A schema-valid document and the file it came from. */
export interface Located<T> {
  readonly doc: T;
  readonly source: SourceFile;
}

export interface LocatedMachine extends Located<MachineDoc> {
  /** The cluster folder the file is in. */
  readonly cluster: string;
}

/** Every schema-valid document of a site. Documents that failed their schema are not here. */
export interface SiteModel {
  readonly site?: Located<SiteDoc>;
  readonly networks: Located<NetworkDoc>[];
  readonly locations: Located<LocationDoc>[];
  readonly clusters: Located<ClusterDoc>[];
  readonly machines: LocatedMachine[];
  readonly profiles: Located<HardwareProfileDoc>[];
  readonly discovered: Located<DiscoveredHardwareDoc>[];
  /** Folders under clusters/ that have a cluster.yaml, valid or not: a missing one is a different error from a broken one. */
  readonly clusterFilesPresent: ReadonlySet<string>;
  /** Names of networks whose file failed its schema: references to them are not reported again as unknown. */
  readonly brokenNetworkNames: ReadonlySet<string>;
  /** What can still be told of machine files that failed their schema, so a mistake elsewhere in one does not hide a duplicate. */
  readonly machineIdentities: readonly MachineIdentity[];
  /** Clusters with a machine file that failed its schema: their role counts are incomplete, so count-based findings wait. */
  readonly clustersWithBrokenMachines: ReadonlySet<string>;
}

/** The identity fields of a machine file that failed its schema, each kept only where it is valid itself. */
export interface MachineIdentity {
  readonly source: SourceFile;
  readonly cluster: string;
  readonly hostname?: string;
  readonly serial?: string;
  /** Valid boot MACs with their index in the file. */
  readonly bootMacs: readonly { readonly mac: string; readonly index: number }[];
}
