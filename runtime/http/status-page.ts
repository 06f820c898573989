import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_PAGE_PATH } from "../../compiler/emit/serve/render-status-page.js";
import { contains, parseCidr, parseIpv4 } from "../../compiler/net/ipv4.js";
import type { StatusPageSettings } from "../../compiler/validate/site-model.js";
import type { Overview } from "../daemon/overview.js";
import type { InventoryFilter, InventoryRow } from "../inventory/machine-inventory.js";
import type { Release } from "../release/release.js";
import { clientAddress, isLocalAddress } from "./local-address.js";
import { verifyPassword } from "./password-hash.js";

// ui/ sits at the package root; this file runs from dist/runtime/http/.
const UI_DIR = new URL("../../../ui/", import.meta.url);
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/ui/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/ui/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
  "/ui/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
};
export const STATUS_PAGE_ROUTES: ReadonlySet<string> = new Set([...Object.keys(ASSETS), "/api/v1/overview", "/api/v1/events", "/api/v1/machines"]);

/** Every answer of the page: no script but its own file, no framing, no sniffing, no referrer. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};
const MAX_EVENT_CLIENTS = 64;
const HEARTBEAT_MS = 15_000;
/** Reports that arrive together are sent as one update. */
const DEBOUNCE_MS = 100;
/** Changes nobody notifies (a refusal, the plots' next sample) are found by a check this often. */
const RECHECK_MS = 2_000;

export interface StatusPageOptions {
  readonly overview: () => Overview;
  readonly machines: (filter: InventoryFilter) => readonly InventoryRow[];
  readonly release: () => Release;
}

const settingsByRelease = new WeakMap<Release, StatusPageSettings>();

/** The release's statusPage settings (serve/status-page.json), parsed once per release. */
export function statusPageSettings(release: Release): StatusPageSettings {
  let settings = settingsByRelease.get(release);
  if (!settings) {
    const text = release.files.get(STATUS_PAGE_PATH);
    settings = text ? (JSON.parse(text.toString("utf8")) as StatusPageSettings) : {};
    settingsByRelease.set(release, settings);
  }
  return settings;
}

/**
 * The read-only status page: its three files, the overview JSON, the inventory, and a stream of
 * overviews (Server-Sent Events) sent whole on every change. Who may read it is the site's
 * statusPage setting of the release being served.
 */
export class StatusPage {
  readonly #clients = new Set<ServerResponse>();
  /** Authorization headers that passed, for the settings they passed against (a new user list forgets them). */
  #verified = { settings: {} as StatusPageSettings, headers: new Set<string>() };
  readonly #recheck: NodeJS.Timeout;
  readonly #heartbeat: NodeJS.Timeout;
  #pending: NodeJS.Timeout | undefined;
  #lastSent = "";

  constructor(private readonly options: StatusPageOptions) {
    this.#recheck = setInterval(() => this.#broadcast(), RECHECK_MS);
    this.#recheck.unref();
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients) client.write(": ping\n\n");
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Something the page shows changed (a report, a release): every open page gets it within DEBOUNCE_MS. */
  notify(): void {
    if (this.#clients.size === 0 || this.#pending) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.#broadcast();
    }, DEBOUNCE_MS);
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Answers a GET or HEAD of one of STATUS_PAGE_ROUTES. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL, method: string): void {
    const refusal = this.#refusal(request);
    if (refusal) return send(response, refusal.status, refusal.body, "text/plain; charset=utf-8", refusal.headers);
    const path = url.pathname;
    const asset = ASSETS[path];
    if (asset) return send(response, 200, readFileSync(new URL(asset.file, UI_DIR)), asset.type, { "cache-control": "no-cache" }, method);
    if (path === "/api/v1/overview") return send(response, 200, `${JSON.stringify(this.options.overview())}\n`, "application/json", { "cache-control": "no-store" }, method);
    if (path === "/api/v1/machines") {
      const query = url.searchParams;
      const filter: InventoryFilter = {
        ...(query.has("cluster") ? { cluster: query.get("cluster")! } : {}), ...(query.has("role") ? { role: query.get("role")! } : {}),
        ...(query.has("status") ? { status: query.get("status")! } : {}), ...(query.has("unassigned") ? { unassigned: true } : {}),
      };
      const body = `${JSON.stringify({ release: this.options.release().id, machines: this.options.machines(filter) })}\n`;
      return send(response, 200, body, "application/json", { "cache-control": "no-store" }, method);
    }
    if (this.#clients.size >= MAX_EVENT_CLIENTS) return send(response, 503, "too many open status pages\n", "text/plain; charset=utf-8", { "retry-after": "10" });
    response.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    // A page reconnects by itself 2 s after the daemon went away (restart, upgrade).
    response.write(`retry: 2000\nevent: overview\ndata: ${JSON.stringify(this.options.overview())}\n\n`);
    this.#clients.add(response);
    request.socket.setTimeout(0);
    response.on("close", () => this.#clients.delete(response));
  }

  close(): void {
    clearInterval(this.#recheck);
    clearInterval(this.#heartbeat);
    if (this.#pending) clearTimeout(this.#pending);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #broadcast(): void {
    if (this.#clients.size === 0) return;
    const data = JSON.stringify(this.options.overview());
    if (data === this.#lastSent) return;
    this.#lastSent = data;
    for (const client of this.#clients) client.write(`event: overview\ndata: ${data}\n\n`);
  }

  #refusal(request: IncomingMessage): Refusal | undefined {
    const from = clientAddress(request);
    const settings = statusPageSettings(this.options.release());
    if (this.#verified.settings !== settings) this.#verified = { settings, headers: new Set() };
    return pageAccess(settings, from, request.headers.authorization ?? "", this.#verified.headers);
  }

}

export interface Refusal {
  readonly status: 401 | 403;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/**
 * Who may read the page: with statusPage.allow, this host and the listed networks only (403);
 * with statusPage.users, a user's basic authentication (401). `verified` remembers the headers
 * that passed, since scrypt costs tens of milliseconds a check.
 */
export function pageAccess(settings: StatusPageSettings, from: string, authorization: string, verified: Set<string>): Refusal | undefined {
  if ((settings.allow ?? []).length > 0 && !isLocalAddress(from) && !settings.allow!.some((cidr) => inCidr(from, cidr))) {
    return { status: 403, body: `the status page is not open to ${from} (site setting statusPage.allow)\n`, headers: {} };
  }
  const users = settings.users ?? [];
  if (users.length === 0 || verified.has(authorization)) return undefined;
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization);
  const [name, ...rest] = basic ? Buffer.from(basic[1]!, "base64").toString("utf8").split(":") : [];
  const user = users.find((u) => u.name === name);
  if (user && verifyPassword(rest.join(":"), user.passwordHash)) {
    if (verified.size > 256) verified.clear();
    verified.add(authorization);
    return undefined;
  }
  return { status: 401, body: "the status page asks for a user (site setting statusPage.users)\n", headers: { "www-authenticate": 'Basic realm="oci", charset="UTF-8"' } };
}

function inCidr(address: string, cidr: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  return contains(parseCidr(cidr), parseIpv4(address));
}

function send(response: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}, method = "GET"): void {
  response.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body), ...extra });
  response.end(method === "HEAD" ? undefined : body);
}
