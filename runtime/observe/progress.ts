import type { ProgressSink } from "../../compiler/index.js";

/** A progress display on a stream (stderr): a bar on a terminal, a line now and then otherwise. */
export interface Progress {
  readonly sink: ProgressSink;
  /** Ends a piece of work: the bar's line cleared; the next step starts a new quiet time. */
  finish(): void;
}

export interface ProgressOptions {
  /** Whether to draw a bar (a terminal) or print lines. Default: the stream's isTTY. */
  readonly bar?: boolean;
  /** Nothing is shown for work done within this many milliseconds of its first step. Default 2,000. */
  readonly quietMs?: number;
  /** Milliseconds between lines (without a bar). Default 5,000. */
  readonly everyMs?: number;
  readonly now?: () => number;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

/**
 * Long work tells how far it is, on stderr, so a 20-second first compile is not 20 seconds of
 * silence; short work prints nothing. `OCI_PROGRESS=off` silences it, `lines` forces lines; and
 * `OCI_PROGRESS_EVERY_MS` sets the interval (0: a line per step, for tests and logs).
 */
export function progressOn(stream: NodeJS.WritableStream & { isTTY?: boolean }, options: ProgressOptions = {}): Progress {
  const mode = process.env["OCI_PROGRESS"];
  const envEvery = process.env["OCI_PROGRESS_EVERY_MS"];
  const everyMs = envEvery !== undefined && /^\d+$/.test(envEvery) ? Number(envEvery) : options.everyMs ?? 5_000;
  const quietMs = envEvery !== undefined ? everyMs : options.quietMs ?? 2_000;
  const bar = mode === "lines" ? false : options.bar ?? stream.isTTY === true;
  const now = options.now ?? Date.now;
  // The quiet time runs from the first step of each piece of work (a daemon's compiles come and go).
  let started: number | undefined;
  let last = -Infinity;
  let drawn = false;
  let shown: { phase: string; done: number } | undefined;
  if (mode === "off") return { sink: () => undefined, finish: () => undefined };
  const line = (phase: string, done: number, total: number) => `${phase} ${done}/${total}${total > 0 ? ` (${Math.floor((done * 100) / total)}%)` : ""}`;
  return {
    sink: (phase, done, total) => {
      const t = now();
      started ??= t;
      if (t - started < quietMs) return;
      // A phase that was shown is shown ending, whatever the interval.
      const closesShown = done === total && shown?.phase === phase && shown.done !== done;
      if (t - last < (bar ? REDRAW_MS : everyMs) && !closesShown) return;
      if (bar) {
        const filled = total > 0 ? Math.round((done * BAR_WIDTH) / total) : 0;
        stream.write(`\r\x1b[2Koci: [${"#".repeat(filled)}${" ".repeat(BAR_WIDTH - filled)}] ${line(phase, done, total)}`);
        drawn = true;
      } else {
        stream.write(`oci: ${line(phase, done, total)}\n`);
      }
      shown = { phase, done };
      last = t;
    },
    finish: () => {
      if (drawn) stream.write("\r\x1b[2K");
      drawn = false;
      started = undefined;
      shown = undefined;
      last = -Infinity;
    },
  };
}
