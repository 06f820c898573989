import { open, realpath, type FileHandle } from "node:fs/promises";
import { pipeline } from "node:stream";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join, sep } from "node:path";
import { validatorFor, validatorForSchema } from "../../compiler/validate/schema-registry.js";
import { normalizeMac } from "../../compiler/net/mac.js";
import { logEvent, type Metrics } from "../observe/metrics.js";
import { instructionFor } from "../release/instructions.js";
import type { BootAnswer } from "../release/boot-answer.js";
import type { Release } from "../release/release.js";
import { parsePuppetReport, PuppetReportError, type PuppetRun } from "../puppet/puppet-report.js";
import { MACHINE_REPORTED_STATUSES, type MachineStatus } from "../state/status-store.js";
import { verifyGitHook } from "./git-hook.js";
import { clientAddress, isLocalAddress } from "./local-address.js";
import { STATUS_PAGE_ROUTES, type StatusPage } from "./status-page.js";
import { parseRange } from "./byte-range.js";

export interface HttpServerOptions {
  readonly port: number;
  readonly listen: string;
  readonly release: () => Release;
  /** Directory served under /live/ (kernel, initrd, squashfs of the live image). */
  readonly liveDir?: string;
  readonly metrics: Metrics;
  /** Stores a discovery report; the client is answered 200 only once this resolves (the report is durable). */
  readonly onDiscovery?: (report: Record<string, unknown>, from: string) => Promise<string>;
  /** Stores a status report, as onDiscovery. */
  readonly onStatus?: (report: Record<string, unknown>, from: string) => Promise<string>;
  /** Records a Puppet run reported by puppetserver's `http` report processor; resolves once durable. */
  readonly onPuppetReport?: (run: PuppetRun) => Promise<string>;
  readonly health: () => { ok: boolean; detail: Record<string, unknown> };
  /** False until every service of oci serve is bound: requests before are answered 503. Default: always serving. */
  readonly serving?: () => boolean;
  /** Connections served at once; more are closed at once (default 1,024). */
  readonly maxConnections?: number;
  /** Milliseconds: headers must arrive within `headers` (default 10 s), a whole request within `request` (60 s). */
  readonly timeouts?: { readonly headers: number; readonly request: number };
  /** Which release file answers a machine's own boot file (install, or local boot once installed); the path itself when absent. */
  readonly bootAnswer?: (release: Release, path: string) => BootAnswer;
  /** The network configuration (systemd-networkd files) of the machine whose reserved address asks; undefined when none. */
  readonly networkConfig?: (address: string) => string | undefined;
  /** The autosign token of the machine whose reserved address asks; undefined when the address is no machine's. */
  readonly autosignToken?: (address: string) => Promise<string | undefined>;
  /** The status page at `/`, its JSON (`/api/v1/overview`, `/api/v1/machines`) and its event stream. */
  readonly statusPage?: StatusPage;
  /** `POST /api/v1/hooks/git`: a forge's push webhook, signed with `secret`, makes the host fetch now. */
  readonly gitHook?: { readonly secret: string; readonly fetchNow: () => void };
}

export class HttpBindError extends Error {
  readonly code = "OCI3204";
  constructor(detail: string) {
    super(detail);
    this.name = "HttpBindError";
  }
}

/** Thrown by a handler that cannot serve in this configuration (no repository, no eyaml key): answered 503 with the reason. */
export class UnavailableError extends Error {
  readonly code = "OCI3302";
  constructor(reason: string) {
    super(reason);
    this.name = "UnavailableError";
  }
}

const MAX_BODY = 256 * 1024;
const MAX_HOOK_BODY = 8 * 1024 * 1024;
const MAX_CONNECTIONS = 1024;
/** The report APIs take JSON only: a web page cannot post that cross-origin without a preflight, which oci never answers. */
const JSON_TYPE = "application/json";
/** A whole catalog's resource statuses: a controller's report is a few MiB. */
const MAX_PUPPET_REPORT = 32 * 1024 * 1024;
const KNOWN_ROUTES = new Set(["/boot.ipxe", "/healthz", "/metrics", "/api/v1/hooks/git", "/api/v1/discovery", "/api/v1/status", "/api/v1/autosign-token", "/api/v1/puppet-report", "/api/v1/network-config", ...STATUS_PAGE_ROUTES]);

/** Boot scripts, live image files with Range, the two report APIs, metrics and health, on node's http. */
export async function startHttpServer(options: HttpServerOptions): Promise<{ close(): Promise<void>; port: number }> {
  // Bounded in every way a client could hold it: headers in 10 s, a whole request in 60 s, idle
  // keep-alive connections closed after 5 s, at most MAX_CONNECTIONS at once (a live image download
  // is one connection for minutes: enough for a rack booting at once).
  const timeouts = options.timeouts ?? { headers: 10_000, request: 60_000 };
  const server = createServer({
    headersTimeout: timeouts.headers, requestTimeout: timeouts.request, keepAliveTimeout: 5_000, connectionsCheckingInterval: Math.min(1_000, timeouts.headers / 2),
  }, (request, response) => {
    route(request, response, options).catch((error: unknown) => {
      options.metrics.count("oci_http_errors_total", "HTTP requests that failed inside the server");
      logEvent("http.error", { url: request.url, error: (error as Error).message });
      if (!response.headersSent) send(response, 500, "internal error\n");
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(new HttpBindError(`cannot listen for HTTP on ${options.listen}:${options.port}: ${error.message}`));
    server.once("error", fail);
    server.listen(options.port, options.listen, () => {
      server.off("error", fail);
      resolve();
    });
  });
  server.on("error", (error) => logEvent("http.server_error", { error: error.message }));
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // A client that closes an idle or half-sent connection is routine, not an error worth a line.
    if (error.code !== "ECONNRESET" && error.code !== "EPIPE") {
      options.metrics.count("oci_http_client_errors_total", "malformed or timed-out HTTP requests", { code: error.code ?? "unknown" });
      logEvent("http.client_error", { code: error.code, error: error.message });
    }
    if (socket.writable && !socket.destroyed) socket.end(`HTTP/1.1 ${error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400} ${error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "Request Timeout" : "Bad Request"}\r\nconnection: close\r\n\r\n`);
    else socket.destroy();
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => new Promise((resolve) => {
      options.statusPage?.close(); // its event streams would hold server.close() open
      server.close(() => resolve());
    }),
  };
}

async function route(request: IncomingMessage, response: ServerResponse, options: HttpServerOptions): Promise<void> {
  const url = new URL(request.url ?? "/", "http://oci");
  const path = url.pathname;
  const method = request.method ?? "GET";
  // A bounded set of labels: scanners probing random paths must not grow the metrics without end.
  const family = path.startsWith("/live/") ? "live" : path.startsWith("/ipxe/") ? "ipxe" : path.startsWith("/api/v1/instructions/") ? "instructions" : KNOWN_ROUTES.has(path) ? path : "other";
  options.metrics.count("oci_http_requests_total", "HTTP requests by route and method", { route: family, method });
  if (options.serving && !options.serving()) return send(response, 503, "oci serve is starting\n", "text/plain; charset=utf-8", { "retry-after": "2" });
  const release = options.release();

  if (path === "/healthz") {
    const health = options.health();
    return json(response, health.ok ? 200 : 503, { status: health.ok ? "ok" : "failing", ...health.detail });
  }
  if (path === "/metrics") return send(response, 200, options.metrics.render(), "text/plain; version=0.0.4");
  if (path === "/api/v1/puppet-report") {
    if (method !== "POST") return send(response, 405, "use POST\n", "text/plain", { allow: "POST" });
    return puppetReport(request, response, options);
  }
  if (path === "/api/v1/hooks/git") {
    if (!options.gitHook) return json(response, 404, { error: "no webhook here: oci serve follows a remote with --remote and --webhook-secret-file" });
    if (method !== "POST") return send(response, 405, "use POST\n", "text/plain", { allow: "POST" });
    // A forge's push event lists every commit pushed: bigger than a report, and signed whole.
    const body = await readBody(request, MAX_HOOK_BODY);
    if (body === "too-large") return send(response, 413, `body larger than ${MAX_HOOK_BODY} bytes\n`, "text/plain", { connection: "close" });
    if (!verifyGitHook(request.headers, body, options.gitHook.secret)) {
      options.metrics.count("oci_git_hooks_total", "forge webhooks received", { outcome: "refused" });
      return json(response, 401, { error: "the webhook's signature (X-Hub-Signature-256, X-Gitea-Signature) or token (X-Gitlab-Token) does not match this host's secret" });
    }
    options.metrics.count("oci_git_hooks_total", "forge webhooks received", { outcome: "accepted" });
    options.gitHook.fetchNow();
    return json(response, 202, { fetching: true });
  }
  if (path === "/api/v1/discovery" || path === "/api/v1/status") {
    if (method !== "POST") return send(response, 405, "use POST\n", "text/plain", { allow: "POST" });
    return report(request, response, options, path === "/api/v1/discovery" ? "discovery" : "status");
  }
  if (method !== "GET" && method !== "HEAD") return send(response, 405, "use GET or HEAD\n", "text/plain", { allow: "GET, HEAD" });
  if (path === "/boot.ipxe") return file(response, method, release.files.get("pxe/boot.ipxe"));
  if (path === "/api/v1/autosign-token") {
    const address = clientAddress(request);
    let token: string | undefined;
    try {
      token = await options.autosignToken?.(address);
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      return send(response, 503, `${error.message}\n`);
    }
    options.metrics.count("oci_autosign_tokens_total", "autosign token requests by outcome", { outcome: token ? "served" : "refused" });
    logEvent("autosign.token", { address, served: Boolean(token) });
    if (!token) return send(response, 403, "no machine of the release has this address\n");
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
    return void response.end(`${token}\n`);
  }
  if (path === "/api/v1/network-config") {
    const address = clientAddress(request);
    const config = options.networkConfig?.(address);
    logEvent("network.config", { address, served: Boolean(config) });
    if (!config) return send(response, 404, "no network configuration for this address: no machine of the release has it reserved, or its links are not all known\n");
    return send(response, 200, config, "text/plain; charset=utf-8", { "cache-control": "no-store" });
  }
  if (options.statusPage && STATUS_PAGE_ROUTES.has(path)) return options.statusPage.handle(request, response, url, method);
  const instructions = /^\/api\/v1\/instructions\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/.exec(path);
  if (instructions) return json(response, 200, instructionFor(release, instructions[1]!));
  const ipxe = /^\/ipxe\/([0-9A-Fa-f]{2}(?:[-:][0-9A-Fa-f]{2}){5})$/.exec(path);
  if (ipxe) {
    const own = `pxe/ipxe/${normalizeMac(ipxe[1]!).replace(/:/g, "-")}.ipxe`;
    if (!release.files.has(own)) return file(response, method, release.files.get("pxe/ipxe/default.ipxe"));
    const answer = options.bootAnswer?.(release, own) ?? { path: own };
    if (answer.machine) logEvent("boot.answer", { via: "http", file: own, fqdn: answer.machine.fqdn, answer: answer.machine.answer });
    return file(response, method, release.files.get(answer.path));
  }
  if (path.startsWith("/live/") && options.liveDir) return live(request, response, method, options.liveDir, path.slice("/live/".length), options.metrics);
  return send(response, 404, "not found\n");
}

function file(response: ServerResponse, method: string, content: Buffer | undefined): void {
  if (!content) return send(response, 404, "not found\n");
  response.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": content.length, "cache-control": "no-store" });
  response.end(method === "HEAD" ? undefined : content);
}

/**
 * Live image files with HEAD and single byte ranges (RFC 9110 §14), confined to the live directory.
 * The file is opened before any header is sent, so an unreadable one is a clean 403/404; a read that
 * fails later, or a client that goes away, ends this response only: every error of the stream has
 * a handler (an unhandled 'error' event would end the whole daemon, DHCP and TFTP with it).
 */
async function live(request: IncomingMessage, response: ServerResponse, method: string, dir: string, name: string, metrics: Metrics): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    return send(response, 400, "bad path encoding\n");
  }
  const parts = decoded.split("/");
  if (parts.some((p) => p === ".." || p === "" || p.includes("\0"))) return send(response, 403, "forbidden\n");
  const root = await realpath(dir).catch(() => undefined);
  const real = root ? await realpath(join(root, ...parts)).catch(() => undefined) : undefined;
  if (!root || !real) return send(response, 404, "not found\n");
  if (!real.startsWith(root + sep)) return send(response, 403, "forbidden\n");
  let handle: FileHandle;
  try {
    handle = await open(real, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    logEvent("http.live_unreadable", { file: decoded, error: (error as Error).message });
    return code === "EACCES" || code === "EPERM" ? send(response, 403, "not readable by oci serve\n") : send(response, 404, "not found\n");
  }
  const info = await handle.stat().catch(() => undefined);
  if (!info?.isFile()) {
    await handle.close().catch(() => undefined);
    return send(response, 404, "not found\n");
  }
  const range = parseRange(request.headers.range, info.size);
  if (range === "unsatisfiable") {
    await handle.close().catch(() => undefined);
    response.writeHead(416, { "content-range": `bytes */${info.size}` });
    return void response.end();
  }
  const [start, end] = range ?? [0, info.size - 1];
  const headers: Record<string, string | number> = { "content-type": "application/octet-stream", "accept-ranges": "bytes", "content-length": info.size === 0 ? 0 : end - start + 1 };
  if (range) headers["content-range"] = `bytes ${start}-${end}/${info.size}`;
  response.writeHead(range ? 206 : 200, headers);
  if (method === "HEAD" || info.size === 0) {
    await handle.close().catch(() => undefined);
    return void response.end();
  }
  // pipeline closes the file and the response whichever side fails: a read error, or the client gone.
  pipeline(handle.createReadStream({ start, end, autoClose: true }), response, (error) => {
    if (!error) return;
    const gone = (error as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE";
    metrics.count("oci_http_live_aborted_total", "live image transfers that ended early", { cause: gone ? "client" : "read" });
    if (!gone) logEvent("http.live_error", { file: decoded, error: error.message });
  });
}

async function report(request: IncomingMessage, response: ServerResponse, options: HttpServerOptions, kind: "discovery" | "status"): Promise<void> {
  if ((request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase() !== JSON_TYPE) {
    options.metrics.count("oci_reports_rejected_total", "reports refused with 400", { kind });
    response.once("finish", () => request.destroy());
    return send(response, 415, `a report is ${JSON_TYPE}\n`, "text/plain", { connection: "close" });
  }
  const body = await readBody(request);
  if (body === "too-large") {
    // Answer, then drop the connection rather than read the rest of an oversized body.
    response.once("finish", () => request.destroy());
    return send(response, 413, `body larger than ${MAX_BODY} bytes\n`, "text/plain", { connection: "close" });
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch (error) {
    return json(response, 400, { error: `not JSON: ${(error as Error).message}` });
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return json(response, 400, { error: "expected a JSON object" });
  const claimed = (value as Record<string, unknown>)["status"];
  if (kind === "status" && typeof claimed === "string" && claimed.startsWith("puppet-") && !MACHINE_REPORTED_STATUSES.includes(claimed as MachineStatus)) {
    options.metrics.count("oci_reports_rejected_total", "reports refused with 400", { kind });
    return json(response, 400, { error: `${claimed} is not taken from machines: a Puppet run's outcome comes from puppetserver's report (reports = http, reporturl = <this server>/api/v1/puppet-report), so a setup gate opens only on a real run` });
  }
  const document = kind === "discovery" ? { apiVersion: "oci/v1", kind: "DiscoveredHardware", ...(value as object) } : value;
  const validate = kind === "discovery" ? validatorFor("DiscoveredHardware") : validatorForSchema("status-report.schema.json");
  if (!validate(document)) {
    options.metrics.count("oci_reports_rejected_total", "reports refused with 400", { kind });
    return json(response, 400, { error: "report does not match its schema", details: (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`) });
  }
  const store = kind === "discovery" ? options.onDiscovery : options.onStatus;
  const serial = (document as { serial: string }).serial;
  if (!store) return json(response, 503, { error: `${kind} reports are not stored by this server (oci serve --repo stores them)` });
  // Answered only once stored: a client that got 200 may forget its report; one that did not retries.
  let outcome: string;
  try {
    outcome = await store(document as Record<string, unknown>, clientAddress(request));
  } catch (error) {
    if (!(error instanceof UnavailableError)) throw error;
    return json(response, 503, { error: error.message });
  }
  options.metrics.count("oci_reports_accepted_total", "reports accepted and stored", { kind });
  // The report's own facts, so the log alone tells a machine's progress and why it failed.
  const facts = document as { status?: string; step?: string; detail?: string };
  const failed = facts.status === "install-failed";
  logEvent(`report.${kind}`, {
    serial, outcome,
    ...(facts.status === undefined ? {} : { status: facts.status }), ...(facts.step === undefined ? {} : { step: facts.step }),
    ...(facts.detail === undefined ? {} : { detail: facts.detail.slice(0, 500) }),
  }, failed ? "error" : "info");
  return json(response, 200, { accepted: serial, outcome });
}

/**
 * A Puppet run report from puppetserver's `http` report processor. Only this host may post one
 * (puppetserver runs beside oci serve, and authenticated the agent by its certificate): a report
 * from anywhere else could open a setup gate.
 */
async function puppetReport(request: IncomingMessage, response: ServerResponse, options: HttpServerOptions): Promise<void> {
  const from = clientAddress(request);
  if (!isLocalAddress(from)) {
    options.metrics.count("oci_reports_rejected_total", "reports refused with 400", { kind: "puppet" });
    return send(response, 403, `Puppet reports are taken from this host only (puppetserver's report processor), not from ${from}\n`);
  }
  const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (!["application/x-yaml", "application/yaml", "text/yaml", "application/json"].includes(type)) {
    return send(response, 415, "a Puppet report is application/x-yaml (or JSON)\n");
  }
  const body = await readBody(request, MAX_PUPPET_REPORT);
  if (body === "too-large") {
    response.once("finish", () => request.destroy());
    return send(response, 413, `report larger than ${MAX_PUPPET_REPORT} bytes\n`, "text/plain", { connection: "close" });
  }
  let run: PuppetRun;
  try {
    run = parsePuppetReport(body.toString("utf8"));
  } catch (error) {
    if (!(error instanceof PuppetReportError)) throw error;
    options.metrics.count("oci_reports_rejected_total", "reports refused with 400", { kind: "puppet" });
    return json(response, 400, { error: error.message });
  }
  if (!options.onPuppetReport) return json(response, 503, { error: "Puppet reports are not stored by this server" });
  const outcome = await options.onPuppetReport(run);
  options.metrics.count("oci_reports_accepted_total", "reports accepted and stored", { kind: "puppet" });
  logEvent("report.puppet", { host: run.host, status: run.status, version: run.configurationVersion, outcome, failed: run.failedResources.slice(0, 5) }, run.status === "failed" ? "error" : "info");
  return json(response, 200, { accepted: run.host, outcome });
}

function readBody(request: IncomingMessage, limit = MAX_BODY): Promise<Buffer | "too-large"> {
  // An announced length past the limit is refused before a byte of the body is read.
  if (Number(request.headers["content-length"] ?? 0) > limit) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve("too-large");
        request.removeAllListeners("data");
        request.resume();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function json(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, `${JSON.stringify(value)}\n`, "application/json");
}

function send(response: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8", extra: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...extra });
  response.end(body);
}
