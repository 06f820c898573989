import { renameSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A commit the daemon would not apply, and why. */
export interface Refusal {
  readonly commit: string;
  readonly stage: "compile" | "release" | "publish";
  readonly reason: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** What `oci status` reads beside the running daemon: `<state-dir>/daemon.json`, replaced whole. */
export interface DaemonState {
  readonly format: 1;
  readonly release?: { readonly id: string; readonly commit?: string; readonly source?: string; readonly appliedAt: number };
  readonly sourceCommit?: string;
  readonly refusals: readonly Refusal[];
  /** What would make machines fail although the daemon runs: a port that does not match, no live image, no eyaml key. */
  readonly warnings?: readonly string[];
}

export const DAEMON_STATE_FILE = "daemon.json";

export function writeDaemonState(stateDir: string, state: DaemonState): void {
  const path = join(stateDir, DAEMON_STATE_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function readDaemonState(stateDir: string): DaemonState | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, DAEMON_STATE_FILE), "utf8")) as DaemonState;
  } catch {
    return undefined;
  }
}
