import type { SetupOrder } from "../../compiler/emit/setup/render-setup-order.js";
import type { RemoteState } from "../git/remote-mirror.js";
import { textTable } from "../format/text-table.js";
import { recordLookup } from "../inventory/machine-inventory.js";
import { setupGates } from "../setup/setup-gates.js";
import type { StatusSnapshot } from "../state/status-store.js";
import type { DaemonState } from "./daemon-state.js";

export interface MachineRow {
  readonly fqdn: string;
  readonly cluster: string;
  readonly wave: number;
  readonly status: string;
  readonly step?: string;
  readonly puppet: "open" | "waiting";
  readonly waitingFor: readonly string[];
  /** The rendered commit its last successful Puppet run applied, and when (milliseconds since the epoch). */
  readonly applied?: { readonly commit: string; readonly at: number };
  /** puppet-failure: the resources that failed. */
  readonly failedResources?: readonly string[];
  /** What the machine said with its last report (install-failed: why). */
  readonly detail?: string;
}

export interface StatusView {
  readonly daemon?: DaemonState;
  readonly machines: readonly MachineRow[];
  /** Serials that reported but are not machines of the release (discovered, not yet given a role). */
  readonly unassigned: readonly string[];
  /** The forge the daemon follows, as its last exchange left it (oci serve --remote). */
  readonly remote?: RemoteState;
}

/** `oci status`: the applied release, refused commits, and per machine its last report and whom it waits for. */
export function statusView(daemon: DaemonState | undefined, order: SetupOrder | undefined, status: StatusSnapshot, remote?: RemoteState): StatusView {
  const machines: MachineRow[] = [];
  const known = new Set<string>();
  if (order) {
    const gates = setupGates(order, status);
    const lookup = recordLookup(status);
    for (const m of order.machines) {
      const record = lookup(m);
      if (record) known.add(record.serial);
      const gate = gates.get(m.fqdn)!;
      const applied = record ? status.applied?.[record.serial] : undefined;
      machines.push({
        fqdn: m.fqdn, cluster: m.cluster, wave: m.wave, status: record?.status ?? "-", ...(record?.step ? { step: record.step } : {}),
        puppet: gate.open ? "open" : "waiting", waitingFor: gate.waitingFor,
        ...(applied ? { applied } : {}),
        ...(record?.failedResources?.length ? { failedResources: record.failedResources } : {}),
        ...(record?.detail ? { detail: record.detail } : {}),
      });
    }
  }
  const unassigned = Object.keys(status.machines).filter((s) => !known.has(s)).sort();
  return { ...(daemon ? { daemon } : {}), machines, unassigned, ...(remote ? { remote } : {}) };
}

export function formatStatusView(view: StatusView): string {
  const lines: string[] = [];
  const release = view.daemon?.release;
  lines.push(release ? `release: ${release.id} (source ${release.source ?? "?"}), applied ${new Date(release.appliedAt).toISOString()}` : "release: none applied");
  for (const r of view.daemon?.refusals ?? []) lines.push(`refused: ${r.commit.slice(0, 12)} at ${r.stage}: ${r.reason}`);
  for (const w of view.daemon?.warnings ?? []) lines.push(`warning: ${w}`);
  const remote = view.remote;
  if (remote) {
    const last = remote.lastSuccessAt === undefined ? "never reached" : `last exchange ${new Date(remote.lastSuccessAt).toISOString()}`;
    lines.push(remote.ok === false ? `remote: ${remote.url}: FAILING: ${remote.error ?? "?"} (${last})` : `remote: ${remote.url}: ${remote.ok ? "ok" : "first exchange under way"}, ${last}`);
  }
  if (view.machines.length > 0) {
    const rows = view.machines.map((m) => [
      m.fqdn, m.cluster, String(m.wave), m.status + (m.step ? ` (${m.step})` : ""),
      m.applied ? `${m.applied.commit.slice(0, 12)} ${new Date(m.applied.at).toISOString()}` : "-",
      m.puppet === "open" ? "open" : `waits for ${m.waitingFor.length}: ${m.waitingFor.slice(0, 3).join(", ")}${m.waitingFor.length > 3 ? ", …" : ""}`,
    ]);
    const header = ["MACHINE", "CLUSTER", "WAVE", "STATUS", "APPLIED", "PUPPET"];
    lines.push(...textTable(header, rows));
  }
  for (const m of view.machines) if (m.failedResources) lines.push(`${m.fqdn}: failed ${m.failedResources.join(", ")}`);
  for (const m of view.machines) if (m.detail && m.status.endsWith("-failed")) lines.push(`${m.fqdn}: ${m.status}${m.step ? ` at ${m.step}` : ""}: ${m.detail}`);
  if (view.unassigned.length > 0) lines.push(`reported but not in the release: ${view.unassigned.join(", ")}`);
  return `${lines.join("\n")}\n`;
}
