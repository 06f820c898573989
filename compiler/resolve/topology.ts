import type { ClusterDoc, LocatedMachine, Role } from "../validate/site-model.js";
import type { CinderBackend, ClusterTopology, GlanceBackend, InstanceStorage, SetupWave } from "./site-ir.js";

/** Who does what in a cluster, with OCI's fallbacks: controllers are the mons, proxies, broker and database when no dedicated machine is. */
export function clusterTopology(machines: readonly LocatedMachine[]): ClusterTopology {
  const withRole = (role: Role) => machines.filter((m) => m.doc.role === role).map((m) => m.doc.hostname).sort();
  const controllers = withRole("controller");
  const orControllers = (list: string[]) => (list.length > 0 ? list : controllers);
  return {
    controllers,
    cephMons: orControllers(withRole("cephmon")),
    cephOsds: withRole("cephosd"),
    swiftProxies: orControllers(withRole("swiftproxy")),
    swiftStores: withRole("swiftstore"),
    computes: withRole("compute"),
    volumes: withRole("volume"),
    networkNodes: withRole("network"),
    messaging: orControllers(withRole("messaging")),
    sql: orControllers(withRole("sql")),
  };
}

export interface Backends {
  readonly cinder: CinderBackend;
  readonly glance: GlanceBackend;
  readonly nova: InstanceStorage;
}

/** OCI's choice of backends: ceph when there are OSDs; glance falls back to swift, then to files on the first controller. */
export function chooseBackends(cluster: ClusterDoc, topology: ClusterTopology): Backends {
  const hasCeph = topology.cephOsds.length > 0;
  const hasSwift = cluster.services.includes("swift") && topology.swiftStores.length > 0;
  const wanted = cluster.backends ?? {};
  const cinder: CinderBackend = !cluster.services.includes("cinder")
    ? "none"
    : wanted.cinder === "lvm" || wanted.cinder === "ceph" ? wanted.cinder : hasCeph ? "ceph" : "lvm";
  const glance: GlanceBackend = wanted.glance && wanted.glance !== "auto" ? wanted.glance : hasCeph ? "ceph" : hasSwift ? "swift" : "file";
  const nova: InstanceStorage = wanted.nova === "local" || wanted.nova === "ceph" ? wanted.nova : hasCeph ? "ceph" : "local";
  return { cinder, glance, nova };
}

/**
 * OCI's setup order: ceph monitors, then OSDs, then controllers, then everything else. When the
 * controllers are the monitors they come first. The site's own infrastructure (its DNS servers
 * and Debian mirrors, which every later machine uses) goes before all of them. Empty waves are
 * left out.
 */
export function setupWaves(machines: readonly LocatedMachine[], topology: ClusterTopology): SetupWave[] {
  const hostnamesOf = (roles: ReadonlySet<Role>) => machines.filter((m) => roles.has(m.doc.role)).map((m) => m.doc.hostname).sort();
  const infrastructure = hostnamesOf(new Set<Role>(["dns", "debmirror"]));
  const dedicatedMons = hostnamesOf(new Set<Role>(["cephmon"]));
  const others = machines.filter((m) => !WAVED_ROLES.has(m.doc.role)).map((m) => m.doc.hostname).sort();
  const order: [SetupWave["name"], readonly string[]][] =
    dedicatedMons.length > 0
      ? [["infrastructure", infrastructure], ["cephmon", dedicatedMons], ["cephosd", topology.cephOsds], ["controller", topology.controllers], ["other", others]]
      : [["infrastructure", infrastructure], ["controller", topology.controllers], ["cephosd", topology.cephOsds], ["other", others]];
  return order.filter(([, list]) => list.length > 0).map(([name, list], i) => ({ number: i + 1, name, machines: list }));
}

const WAVED_ROLES = new Set<Role>(["dns", "debmirror", "cephmon", "cephosd", "controller"]);
