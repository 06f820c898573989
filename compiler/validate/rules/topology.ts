import { Code } from "../../diagnostics/codes.js";
import type { ClusterDoc, LocatedMachine, Role, Service } from "../site-model.js";
import type { Rule } from "./rule.js";

/** The service a role cannot work without (OCI installs the role's daemons from that service's modules). */
const ROLE_NEEDS_SERVICE: Partial<Record<Role, Service>> = {
  compute: "nova",
  network: "neutron",
  volume: "cinder",
  swiftproxy: "swift",
  swiftstore: "swift",
};

const SERVICE_NEEDS_SERVICES: Partial<Record<Service, Service[]>> = {
  nova: ["glance", "neutron"],
  aodh: ["ceilometer"],
  panko: ["ceilometer"],
};

const ROLE_OPTIONS: Record<string, readonly Role[]> = { compute: ["compute"], swift: ["swiftstore", "swiftproxy", "controller"], ceph: ["cephosd"], volume: ["volume"] };

/** Roles only where the cluster can hold them, as OCI's setup order requires. */
export const checkTopology: Rule = (index, diagnostics) => {
  for (const [name, located] of index.clusters) {
    const { doc: cluster, source } = located;
    const machines = index.machinesByCluster.get(name) ?? [];
    const roles = new Map<Role, number>();
    for (const m of machines) roles.set(m.doc.role, (roles.get(m.doc.role) ?? 0) + 1);
    const count = (role: Role) => roles.get(role) ?? 0;
    const services = new Set(cluster.services);
    const controllers = count("controller");

    if (!services.has("keystone")) {
      diagnostics.error(Code.KeystoneMissing, source.valueAt(["services"]), `cluster ${name} does not run keystone`, "every OpenStack service authenticates through keystone: add it to services");
    }
    for (const service of cluster.services) {
      for (const needed of SERVICE_NEEDS_SERVICES[service] ?? []) {
        if (!services.has(needed)) {
          diagnostics.error(Code.ServiceNeedsService, source.valueAt(["services"]), `service ${service} needs service ${needed}, which cluster ${name} does not run`, `add ${needed} to services`);
        }
      }
    }
    // With a machine file that failed its schema, the role counts are short: a "no controller" or
    // "needs cephosd machines" would be false. They are checked once that file is fixed.
    if (!index.model.clustersWithBrokenMachines.has(name)) {
      if (controllers === 0) {
        diagnostics.error(Code.NoController, source.valueAt(["name"]), `cluster ${name} has no controller`, "add at least one machine with role controller (three for HA)");
      } else if (controllers < 3) {
        diagnostics.warning(Code.FewControllers, source.valueAt(["name"]), `cluster ${name} has ${controllers} controller(s); Galera and RabbitMQ need 3 for HA`);
      }
      if (count("cephosd") > 0 && count("cephmon") === 0 && controllers === 0) {
        const first = machines.find((m) => m.doc.role === "cephosd")!;
        diagnostics.error(Code.CephOsdWithoutMons, first.source.valueAt(["role"]), `cephosd ${first.doc.hostname} has no ceph monitors: cluster ${name} has neither cephmon nodes nor controllers to act as mons`);
      }
      if (count("swiftstore") > 0 && count("swiftproxy") === 0 && controllers === 0) {
        const first = machines.find((m) => m.doc.role === "swiftstore")!;
        diagnostics.error(Code.SwiftStoreWithoutProxy, first.source.valueAt(["role"]), `swiftstore ${first.doc.hostname} has no swift proxy: cluster ${name} has neither swiftproxy nodes nor controllers to run it`);
      }
      checkBackends(cluster, located.source, machines, diagnostics);
    }

    for (const machine of machines) {
      const { doc, source: file } = machine;
      const service = ROLE_NEEDS_SERVICE[doc.role];
      if (service && !services.has(service)) {
        diagnostics.error(Code.RoleNeedsService, file.valueAt(["role"]), `role ${doc.role} needs service ${service}, which cluster ${name} does not run`, `add ${service} to the services of clusters/${name}/cluster.yaml, or change the role`);
      }
      checkRoleOptions(cluster, machine, count("cephosd") > 0, diagnostics);
    }
  }
};

function checkBackends(cluster: ClusterDoc, source: LocatedMachine["source"], machines: LocatedMachine[], diagnostics: Parameters<Rule>[1]): void {
  const has = (role: Role) => machines.some((m) => m.doc.role === role);
  const services = new Set(cluster.services);
  const backends = cluster.backends ?? {};
  const need = (key: "cinder" | "nova" | "glance", role: Role) => {
    if (!has(role)) {
      diagnostics.error(Code.BackendNeedsRole, source.valueAt(["backends", key]), `${key} backend ${backends[key]} needs ${role} machines in cluster ${cluster.name}`);
    }
  };
  if (backends.cinder === "ceph" && services.has("cinder")) need("cinder", "cephosd");
  if (backends.cinder === "lvm" && services.has("cinder")) need("cinder", "volume");
  if (backends.nova === "ceph") need("nova", "cephosd");
  if (backends.glance === "ceph") need("glance", "cephosd");
  if (backends.glance === "swift") {
    if (!services.has("swift")) {
      diagnostics.error(Code.BackendNeedsRole, source.valueAt(["backends", "glance"]), `glance backend swift needs the swift service in cluster ${cluster.name}`);
    } else need("glance", "swiftstore");
  }
}

function checkRoleOptions(cluster: ClusterDoc, machine: LocatedMachine, hasCeph: boolean, diagnostics: Parameters<Rule>[1]): void {
  const { doc, source } = machine;
  for (const key of Object.keys(doc.options ?? {})) {
    const roles = ROLE_OPTIONS[key] ?? [];
    if (!roles.includes(doc.role)) {
      diagnostics.warning(Code.OptionsForOtherRole, source.keyAt(["options"], key), `options.${key} is for role ${roles.join(" or ")}; ${doc.hostname} is a ${doc.role}, so it is ignored`);
    }
  }
  if (doc.role === "compute" && doc.options?.compute?.storage === "ceph" && !hasCeph) {
    diagnostics.error(Code.BackendNeedsRole, source.valueAt(["options", "compute", "storage"]), `ceph instance storage needs cephosd machines in cluster ${cluster.name}`);
  }
  const swift = doc.options?.swift;
  if (doc.role !== "swiftstore" && !(swift && (doc.role === "swiftproxy" || doc.role === "controller"))) return;
  if (swift && doc.role !== "swiftstore") {
    // A proxy's place: where it reads from and writes to first (affinity). Disks and weight are a store's.
    for (const key of ["weight", "disks"] as const) {
      if (swift[key] !== undefined) diagnostics.warning(Code.OptionsForOtherRole, source.keyAt(["options", "swift"], key), `options.swift.${key} is for swift stores; ${doc.hostname} is a ${doc.role}, so it is ignored`);
    }
  }
  if (!swift) {
    diagnostics.error(Code.SwiftStoreWithoutZone, source.valueAt(["role"]), `swiftstore ${doc.hostname} has no swift zone`, "set options.swift.zone (and region when the cluster has several)");
    return;
  }
  const regions = cluster.swift?.regions;
  if (!regions) return;
  const region = regions.find((r) => r.id === (swift.region ?? 1));
  if (!region || !region.zones.some((z) => z.id === swift.zone)) {
    const declared = regions.flatMap((r) => r.zones.map((z) => `${r.id}/${z.id}`)).join(", ");
    diagnostics.error(Code.UnknownSwiftZone, source.valueAt(["options", "swift", "zone"]), `swift region ${swift.region ?? 1} zone ${swift.zone} is not declared in cluster ${cluster.name}`, `declared region/zone pairs: ${declared}`);
  }
}
