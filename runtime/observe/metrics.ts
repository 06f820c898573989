/** Counters and gauges, written in the Prometheus text exposition format (version 0.0.4). */
export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
  readonly #gauges = new Map<string, { help: string; read: () => number | ReadonlyMap<string, number>; label?: string }>();

  count(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
    let metric = this.#counters.get(name);
    if (!metric) this.#counters.set(name, (metric = { help, values: new Map() }));
    const key = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, "_")}"`).join(",");
    metric.values.set(key, (metric.values.get(key) ?? 0) + by);
  }

  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.set(name, { help, read });
  }

  /** A gauge with one label, e.g. machines by status: `read` gives the value of each label value. */
  labeledGauge(name: string, help: string, label: string, read: () => ReadonlyMap<string, number>): void {
    this.#gauges.set(name, { help, read, label });
  }

  value(name: string, labels: Record<string, string> = {}): number {
    const key = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}="${v}"`).join(",");
    return this.#counters.get(name)?.values.get(key) ?? 0;
  }

  /** A counter summed over all its labels. */
  total(name: string): number {
    let sum = 0;
    for (const value of this.#counters.get(name)?.values.values() ?? []) sum += value;
    return sum;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, { help, values }] of [...this.#counters].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of [...values].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`${name}${labels ? `{${labels}}` : ""} ${value}`);
    }
    for (const [name, { help, read, label }] of [...this.#gauges].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      const value = read();
      if (typeof value === "number") lines.push(`${name} ${value}`);
      else for (const [key, n] of [...value].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`${name}{${label}="${key.replace(/[\\"\n]/g, "_")}"} ${n}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

let pending: string[] = [];
let scheduled = false;

/** Writes the lines logged so far; runs once per event-loop turn, so a burst of DHCP replies costs one write(2), not one each. */
export function flushLogs(): void {
  scheduled = false;
  if (pending.length === 0) return;
  const text = pending.join("");
  pending = [];
  process.stdout.write(text);
}
process.on("exit", flushLogs);
// A closed stdout (journald restarted, a pipe gone) is an 'error' event: unhandled, it would end the
// daemon and DHCP, TFTP and HTTP with it. Lines are lost then; serving goes on.
process.stdout.on("error", () => undefined);

let sink = (line: string): void => {
  pending.push(line);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushLogs);
};

/** Where log lines go: stdout, unless a benchmark printing its own table on stdout redirects them. */
export function setLogSink(write: (line: string) => void): void {
  sink = write;
}

export type LogLevel = "error" | "warn" | "info";

// Events that need an operator's look without being failures of oci itself.
const WARN_EVENTS = new Set(["commit.refused", "serve.warning", "inventory.disabled", "release.none", "http.live_unreadable", "git.stale_lock_removed", "dhcp.send_queue_full"]);

/** An event's level: `*error` events are errors, the WARN_EVENTS warnings, the rest information. */
export function levelOf(event: string): LogLevel {
  return /error$/.test(event) ? "error" : WARN_EVENTS.has(event) ? "warn" : "info";
}

export const LOG_FORMATS = ["json", "text"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
let format: LogFormat = "json";

/** json (the default): one object per line, for journald and log shippers; text: for a person at a terminal. */
export function setLogFormat(next: LogFormat): void {
  format = next;
}

/** One line on stdout: when, how serious (`level`), what happened, and its facts. */
export function logEvent(event: string, fields: Record<string, unknown> = {}, level: LogLevel = levelOf(event)): void {
  const time = new Date().toISOString();
  sink(format === "json" ? `${JSON.stringify({ time, level, event, ...fields })}\n` : `${textLine(time, level, event, fields)}\n`);
}

/** `TIME LEVEL event key=value …`: a string quoted when it has a space, quote, backslash or `=` or is empty; numbers bare; objects and lists as quoted JSON. */
export function textLine(time: string, level: LogLevel, event: string, fields: Record<string, unknown>): string {
  const value = (v: unknown): string => {
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    const text = typeof v === "string" ? v : JSON.stringify(v);
    return typeof v === "string" && /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
  };
  const pairs = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${value(v)}`);
  return [time, level.toUpperCase().padEnd(5), event, ...pairs].join(" ");
}
