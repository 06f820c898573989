import { DurableLog } from "./durable-log.js";

export const MACHINE_STATUSES = ["discovered", "installing", "installed", "install-failed", "puppet-running", "puppet-success", "puppet-failure"] as const;
export type MachineStatus = (typeof MACHINE_STATUSES)[number];

/** What `POST /api/v1/status` accepted, as kept. */
export interface StatusRecord {
  readonly serial: string;
  readonly status: MachineStatus;
  readonly hostname?: string;
  readonly step?: string;
  readonly detail?: string;
  /** Milliseconds since the epoch, when the daemon accepted it. */
  readonly at: number;
}

export interface StatusSnapshot {
  readonly format: 1;
  /** The latest record per serial. */
  readonly machines: Readonly<Record<string, StatusRecord>>;
  /** Serials that have ever reported puppet-success: a later puppet run does not close the next wave again. */
  readonly succeeded: Readonly<Record<string, true>>;
}

export const STATUS_BASENAME = "status";

function emptySnapshot(): StatusSnapshot {
  return { format: 1, machines: {}, succeeded: {} };
}

interface MutableSnapshot { format: 1; machines: Record<string, StatusRecord>; succeeded: Record<string, true> }

/** Sets the latest record in place (a copy per report would be quadratic); idempotent, as the journal replay requires. */
function applyStatus(state: StatusSnapshot, record: StatusRecord): StatusSnapshot {
  const mutable = state as MutableSnapshot;
  mutable.machines[record.serial] = record;
  if (record.status === "puppet-success") mutable.succeeded[record.serial] = true;
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
