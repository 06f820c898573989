import type { SetupOrder, SetupOrderMachine } from "../../compiler/emit/setup/render-setup-order.js";
import { normalizeMac } from "../../compiler/net/mac.js";
import { textTable } from "../format/text-table.js";
import type { StatusRecord, StatusSnapshot } from "../state/status-store.js";

/** One machine the host knows: a machine of the release, or one that reported but has no role yet. */
export interface InventoryRow {
  /** Absent for a discovered machine the site does not have yet. */
  readonly fqdn?: string;
  readonly serial?: string;
  readonly cluster?: string;
  readonly role?: string;
  /** The site's boot MACs; for a discovered machine, every MAC it reported. */
  readonly macs: readonly string[];
  /** The reserved PXE address; for a discovered machine, the address it reported from. */
  readonly address?: string;
  /** Its latest report, `-` before any. */
  readonly status: string;
  readonly step?: string;
  /** When its latest report arrived, ISO 8601. */
  readonly lastReport?: string;
  /** Since when it has had this status, ISO 8601. */
  readonly since?: string;
  /** The rendered commit served when it last reported `installed`. */
  readonly installedFrom?: string;
  /** The rendered commit its last successful Puppet run applied. */
  readonly applied?: string;
  /** What it said with a failed install or Puppet run. */
  readonly detail?: string;
  readonly failedResources?: readonly string[];
}

export interface InventoryFilter {
  readonly cluster?: string;
  readonly role?: string;
  readonly status?: string;
  /** Only the machines the site has no file for. */
  readonly unassigned?: boolean;
}

/** The latest report of a machine of the release: by its serial, or by the FQDN it installed as when the site gives no serial. */
export function recordLookup(status: StatusSnapshot): (machine: SetupOrderMachine) => StatusRecord | undefined {
  const byHostname = new Map(Object.values(status.machines).filter((r) => r.hostname).map((r) => [r.hostname!, r]));
  return (machine) => (machine.serial ? status.machines[machine.serial] : undefined) ?? byHostname.get(machine.fqdn);
}

/** `oci machines` and `GET /api/v1/machines`: the release's machines by FQDN, then the unassigned by serial. */
export function machineInventory(order: SetupOrder | undefined, status: StatusSnapshot, filter: InventoryFilter = {}): InventoryRow[] {
  const rows: InventoryRow[] = [];
  const lookup = recordLookup(status);
  const known = new Set<string>();
  for (const machine of order?.machines ?? []) {
    const record = lookup(machine);
    if (record) known.add(record.serial);
    const serial = machine.serial ?? record?.serial;
    rows.push({
      fqdn: machine.fqdn, ...(serial ? { serial } : {}), cluster: machine.cluster, role: machine.role,
      macs: machine.bootMacs ?? [], ...(machine.pxeAddress ? { address: machine.pxeAddress } : {}),
      ...reported(record, status),
    });
  }
  for (const serial of Object.keys(status.machines).filter((s) => !known.has(s)).sort()) {
    const record = status.machines[serial]!;
    const discovered = status.discovered?.[serial];
    rows.push({ serial, macs: discovered?.macs ?? [], ...(discovered?.address ? { address: discovered.address } : {}), ...reported(record, status) });
  }
  return rows.filter((row) =>
    (filter.cluster === undefined || row.cluster === filter.cluster) && (filter.role === undefined || row.role === filter.role) &&
    (filter.status === undefined || row.status === filter.status) && (!filter.unassigned || row.fqdn === undefined));
}

function reported(record: StatusRecord | undefined, status: StatusSnapshot): Pick<InventoryRow, "status" | "step" | "lastReport" | "since" | "installedFrom" | "applied" | "detail" | "failedResources"> {
  if (!record) return { status: "-" };
  const installedFrom = status.installedFrom?.[record.serial]?.commit;
  const applied = status.applied?.[record.serial]?.commit;
  const failed = record.status === "install-failed" || record.status === "puppet-failure";
  const since = status.since?.[record.serial] ?? record.at;
  return {
    status: record.status, ...(record.step ? { step: record.step } : {}), lastReport: new Date(record.at).toISOString(), since: new Date(since).toISOString(),
    ...(installedFrom ? { installedFrom } : {}), ...(applied ? { applied } : {}),
    ...(failed && record.detail ? { detail: record.detail } : {}),
    ...(failed && record.failedResources?.length ? { failedResources: record.failedResources } : {}),
  };
}

/** The status record of a discovery report: its MACs and the address it came from. */
export function discoveredRecord(report: Record<string, unknown>, from: string, at: number): StatusRecord {
  const nics = Array.isArray(report["nics"]) ? (report["nics"] as { mac?: unknown }[]) : [];
  // The report passed its schema: every NIC has a MAC.
  const macs = nics.map((n) => normalizeMac(String(n.mac)));
  return { serial: String(report["serial"]), status: "discovered", macs, ...(from ? { address: from } : {}), at };
}

/** The table `oci machines` prints; failure details under it, one line each. */
export function formatInventory(rows: readonly InventoryRow[]): string {
  if (rows.length === 0) return "no machines\n";
  const table = rows.map((r) => [
    r.fqdn ?? "(unassigned)", r.serial ?? "-", r.cluster ?? "-", r.role ?? "-", r.address ?? "-", r.macs.join(",") || "-",
    r.status + (r.step ? ` (${r.step})` : ""), r.lastReport ?? "-", r.installedFrom?.slice(0, 12) ?? "-", r.applied?.slice(0, 12) ?? "-",
  ]);
  const header = ["MACHINE", "SERIAL", "CLUSTER", "ROLE", "ADDRESS", "MACS", "STATUS", "LAST REPORT", "INSTALLED FROM", "APPLIED"];
  const lines = textTable(header, table);
  for (const r of rows) {
    const who = r.fqdn ?? r.serial ?? "?";
    if (r.detail) lines.push(`${who}: ${r.status}${r.step ? ` at ${r.step}` : ""}: ${r.detail}`);
    if (r.failedResources) lines.push(`${who}: failed ${r.failedResources.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}
