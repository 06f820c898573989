import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileDurably } from "../fs/durable.js";

/** A commit the daemon would not apply, and why. */
export interface Refusal {
  readonly commit: string;
  /** compile: the source does not compile; history: the rendered branch does not continue the last render; signature: a render no trusted key signed; release: a render that is not whole; publish: puppet's environment could not be written. */
  readonly stage: "compile" | "history" | "signature" | "release" | "publish";
  readonly reason: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** What `oci status` reads beside the running daemon: `<state-dir>/daemon.json`, replaced whole. */
export interface DaemonState {
  readonly format: 1;
  readonly release?: {
    readonly id: string; readonly commit?: string; readonly source?: string; readonly appliedAt: number;
    /** The source commit's author, subject line and time (ms): what the status page shows of the change served. */
    readonly sourceAuthor?: string; readonly sourceSubject?: string; readonly sourceTime?: number;
  };
  readonly sourceCommit?: string;
  readonly refusals: readonly Refusal[];
  /** What would make machines fail although the daemon runs: a port that does not match, no live image, no eyaml key. */
  readonly warnings?: readonly string[];
}

export const DAEMON_STATE_FILE = "daemon.json";

/** Written whole, fsynced, renamed: after a crash or a power loss, the old state or the new one. */
export function writeDaemonState(stateDir: string, state: DaemonState): void {
  writeFileDurably(join(stateDir, DAEMON_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export function readDaemonState(stateDir: string): DaemonState | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, DAEMON_STATE_FILE), "utf8")) as DaemonState;
  } catch {
    return undefined;
  }
}
