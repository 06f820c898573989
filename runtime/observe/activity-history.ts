import type { Metrics } from "./metrics.js";

export interface ActivitySample {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** Machines by their latest status. */
  readonly machines: Readonly<Record<string, number>>;
  /** Requests per second since the previous sample. */
  readonly rates: { readonly dhcp: number; readonly tftp: number; readonly http: number };
}

const COUNTERS = { dhcp: "oci_dhcp_requests_total", tftp: "oci_tftp_transfers_total", http: "oci_http_requests_total" } as const;

/**
 * What the status page plots: machines per status and the DHCP/TFTP/HTTP request rates, sampled
 * every `intervalMs` over the last `keep` samples (by default a minute each, six hours), in memory:
 * a restart starts the plots again.
 */
export class ActivityHistory {
  readonly #samples: ActivitySample[] = [];
  readonly #timer: NodeJS.Timeout;
  #last: { at: number; totals: Record<keyof typeof COUNTERS, number> };

  constructor(
    private readonly metrics: Metrics,
    private readonly machines: () => ReadonlyMap<string, number>,
    private readonly now: () => number,
    readonly intervalMs = 60_000,
    private readonly keep = 360,
  ) {
    this.#last = { at: now(), totals: this.#totals() };
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  get samples(): readonly ActivitySample[] {
    return this.#samples;
  }

  sample(): void {
    const at = this.now();
    const totals = this.#totals();
    const seconds = Math.max((at - this.#last.at) / 1000, 0.001);
    const rate = (key: keyof typeof COUNTERS) => Math.round(((totals[key] - this.#last.totals[key]) / seconds) * 100) / 100;
    this.#samples.push({ at, machines: Object.fromEntries(this.machines()), rates: { dhcp: rate("dhcp"), tftp: rate("tftp"), http: rate("http") } });
    if (this.#samples.length > this.keep) this.#samples.splice(0, this.#samples.length - this.keep);
    this.#last = { at, totals };
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #totals(): Record<keyof typeof COUNTERS, number> {
    return { dhcp: this.metrics.total(COUNTERS.dhcp), tftp: this.metrics.total(COUNTERS.tftp), http: this.metrics.total(COUNTERS.http) };
  }
}
