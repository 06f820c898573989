import { DurableLog } from "./durable-log.js";

export const MACHINE_STATUSES = [
  "discovered", "installing", "installed", "install-failed", "puppet-running", "puppet-waiting", "puppet-success", "puppet-failure",
] as const;
export type MachineStatus = (typeof MACHINE_STATUSES)[number];

/** What machines may say themselves (`POST /api/v1/status`): a Puppet run's outcome comes only from puppetserver's report. */
export const MACHINE_REPORTED_STATUSES: readonly MachineStatus[] = ["installing", "installed", "install-failed", "puppet-running"];

/** A status report or Puppet run outcome, as kept. */
export interface StatusRecord {
  readonly serial: string;
  readonly status: MachineStatus;
  readonly hostname?: string;
  readonly step?: string;
  readonly detail?: string;
  /** installing / installed / install-failed: the install generation (Machine.installGeneration) the installer ran. */
  readonly generation?: number;
  /** Puppet outcomes: the catalog version the run applied, i.e. the rendered commit. Install reports: the rendered commit served when the report arrived. */
  readonly commit?: string;
  /** discovered: the MACs the machine reported, and the address it reported from. */
  readonly macs?: readonly string[];
  readonly address?: string;
  /** puppet-failure: the resources that failed, `Type[title]`. */
  readonly failedResources?: readonly string[];
  /** Milliseconds since the epoch, when the daemon accepted it. */
  readonly at: number;
}

export interface StatusSnapshot {
  readonly format: 1;
  /** The latest record per serial. */
  readonly machines: Readonly<Record<string, StatusRecord>>;
  /** Serials that have ever reported puppet-success: a later puppet run does not close the next wave again. */
  readonly succeeded: Readonly<Record<string, true>>;
  /** The highest install generation each serial reported `installed` for: its PXE boots then answer local boot. */
  readonly installed?: Readonly<Record<string, number>>;
  /** The same by the FQDN the installer named, for machines the site gives no serial. */
  readonly installedHosts?: Readonly<Record<string, number>>;
  /** The last successful Puppet run per serial: the rendered commit it applied, and when. */
  readonly applied?: Readonly<Record<string, { readonly commit: string; readonly at: number }>>;
  /** The last install per serial that reported `installed`: the rendered commit served then, and when. */
  readonly installedFrom?: Readonly<Record<string, { readonly commit: string; readonly at: number }>>;
  /** The last discovery report per serial: what `oci machines` shows of a machine the site does not have yet. */
  readonly discovered?: Readonly<Record<string, { readonly macs: readonly string[]; readonly address?: string; readonly at: number }>>;
  /** Since when each serial has had its latest status (a report of the same status keeps the time). */
  readonly since?: Readonly<Record<string, number>>;
}

export const STATUS_BASENAME = "status";

function emptySnapshot(): StatusSnapshot {
  return { format: 1, machines: {}, succeeded: {}, installed: {}, installedHosts: {}, applied: {}, installedFrom: {}, discovered: {}, since: {} };
}

interface MutableSnapshot {
  format: 1;
  machines: Record<string, StatusRecord>;
  succeeded: Record<string, true>;
  installed?: Record<string, number>;
  installedHosts?: Record<string, number>;
  applied?: Record<string, { commit: string; at: number }>;
  installedFrom?: Record<string, { commit: string; at: number }>;
  discovered?: Record<string, { macs: readonly string[]; address?: string; at: number }>;
  since?: Record<string, number>;
}

/** Sets the latest record in place (a copy per report would be quadratic); idempotent, as the journal replay requires. */
function applyStatus(state: StatusSnapshot, record: StatusRecord): StatusSnapshot {
  const mutable = state as MutableSnapshot;
  if (mutable.machines[record.serial]?.status !== record.status) (mutable.since ??= {})[record.serial] = record.at;
  mutable.machines[record.serial] = record;
  if (record.status === "puppet-success") {
    mutable.succeeded[record.serial] = true;
    if (record.commit) (mutable.applied ??= {})[record.serial] = { commit: record.commit, at: record.at };
  }
  if (record.status === "discovered") {
    (mutable.discovered ??= {})[record.serial] = { macs: record.macs ?? [], ...(record.address ? { address: record.address } : {}), at: record.at };
  }
  if (record.status === "installed") {
    if (record.commit) (mutable.installedFrom ??= {})[record.serial] = { commit: record.commit, at: record.at };
    const generation = record.generation ?? 1;
    const installed = (mutable.installed ??= {});
    installed[record.serial] = Math.max(installed[record.serial] ?? 0, generation);
    if (record.hostname) {
      const hosts = (mutable.installedHosts ??= {});
      hosts[record.hostname] = Math.max(hosts[record.hostname] ?? 0, generation);
    }
  }
  return state;
}

/** Install and puppet status per machine, durable before the report is acknowledged. */
export class StatusStore {
  private constructor(private readonly log: DurableLog<StatusSnapshot, StatusRecord>) {}

  static async open(base: string): Promise<StatusStore> {
    return new StatusStore(await DurableLog.open<StatusSnapshot, StatusRecord>(base, emptySnapshot(), applyStatus));
  }

  /** Read-only, for commands run beside the daemon. */
  static read(base: string): StatusSnapshot {
    return DurableLog.read<StatusSnapshot, StatusRecord>(base, emptySnapshot(), applyStatus);
  }

  get snapshot(): StatusSnapshot {
    return this.log.current;
  }

  get syncs(): number {
    return this.log.syncs;
  }

  record(record: StatusRecord): Promise<void> {
    return this.log.append(record);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
