import { SETUP_ORDER_PATH, type SetupOrder } from "../../compiler/emit/setup/render-setup-order.js";
import type { Release } from "../release/release.js";
import type { MachineStatus, StatusRecord, StatusSnapshot } from "../state/status-store.js";
import type { PuppetRun } from "./puppet-report.js";

export type PuppetRunOutcome = { readonly record: StatusRecord } | { readonly ignored: string };

/**
 * What a Puppet run means for the machine's status. A failed run is puppet-failure with its
 * failed resources; a run that applied the machine's role is puppet-success, which opens the next
 * setup wave; a run whose catalog held no role (the setup gate was closed) is puppet-waiting and
 * opens nothing. Noop runs change nothing. The machine is the release's one with that FQDN.
 */
export function puppetRunStatus(release: Release, status: StatusSnapshot, run: PuppetRun, at: number): PuppetRunOutcome {
  if (run.noop) return { ignored: "a noop run applies nothing" };
  const machine = orderOf(release).get(run.host);
  if (!machine) return { ignored: `${run.host} is not a machine of release ${release.id}` };
  const serial = machine.serial ?? Object.values(status.machines).find((r) => r.hostname === run.host)?.serial ?? run.host;
  const state: MachineStatus = run.status === "failed" ? "puppet-failure" : run.appliedRole ? "puppet-success" : "puppet-waiting";
  return {
    record: {
      serial, status: state, hostname: run.host, at,
      ...(run.configurationVersion ? { commit: run.configurationVersion } : {}),
      ...(state === "puppet-failure" ? { failedResources: run.failedResources.slice(0, 50), detail: run.errors.join("\n").slice(0, 2000) } : {}),
    },
  };
}

const orders = new WeakMap<Release, ReadonlyMap<string, SetupOrder["machines"][number]>>();

function orderOf(release: Release): ReadonlyMap<string, SetupOrder["machines"][number]> {
  let byFqdn = orders.get(release);
  if (!byFqdn) {
    const text = release.files.get(SETUP_ORDER_PATH);
    const order = text ? (JSON.parse(text.toString("utf8")) as SetupOrder) : { machines: [] };
    orders.set(release, (byFqdn = new Map(order.machines.map((m) => [m.fqdn, m]))));
  }
  return byFqdn;
}
