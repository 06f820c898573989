import type { SetupOrder } from "../../compiler/emit/setup/render-setup-order.js";
import type { StatusSnapshot } from "../state/status-store.js";

export interface SetupGate {
  /** Puppet may configure this machine now. */
  readonly open: boolean;
  readonly wave: number;
  /** FQDNs of earlier waves of its cluster that have not reported puppet success yet, sorted. */
  readonly waitingFor: readonly string[];
}

/**
 * Which machines puppet may configure: within a cluster, a machine of wave n is open once every
 * machine of waves 1..n-1 has reported puppet-success at least once (ceph mons before OSDs before
 * controllers before the rest, as OCI orders them). A machine is known by its serial, or by the
 * hostname a report names when the site gives no serial.
 */
export function setupGates(order: SetupOrder, status: StatusSnapshot): Map<string, SetupGate> {
  const succeeded = new Set<string>();
  const bySerial = new Map(order.machines.filter((m) => m.serial).map((m) => [m.serial!, m.fqdn]));
  for (const serial of Object.keys(status.succeeded)) {
    const fqdn = bySerial.get(serial) ?? status.machines[serial]?.hostname;
    if (fqdn) succeeded.add(fqdn);
  }
  const pendingByCluster = new Map<string, { wave: number; fqdn: string }[]>();
  for (const m of order.machines) {
    if (succeeded.has(m.fqdn)) continue;
    const list = pendingByCluster.get(m.cluster) ?? [];
    list.push({ wave: m.wave, fqdn: m.fqdn });
    pendingByCluster.set(m.cluster, list);
  }
  const gates = new Map<string, SetupGate>();
  // Machines of one cluster and wave share one list: a 1,000-compute wave costs one filter, not 1,000.
  const shared = new Map<string, readonly string[]>();
  for (const m of order.machines) {
    const key = `${m.cluster}\n${m.wave}`;
    let waitingFor = shared.get(key);
    if (!waitingFor) {
      waitingFor = (pendingByCluster.get(m.cluster) ?? []).filter((p) => p.wave < m.wave).map((p) => p.fqdn).sort();
      shared.set(key, waitingFor);
    }
    gates.set(m.fqdn, { open: waitingFor.length === 0, wave: m.wave, waitingFor });
  }
  return gates;
}
