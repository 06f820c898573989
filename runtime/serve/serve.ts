import { createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { openRepository } from "../../compiler/load/git-repository.js";
import { Daemon } from "../daemon/daemon.js";
import { startDhcpServer } from "../dhcp/dhcp-server.js";
import { LeaseStore } from "../dhcp/lease-store.js";
import { UnavailableError, startHttpServer } from "../http/http-server.js";
import { RemoteMirror, remoteStateFile } from "../git/remote-mirror.js";
import { DEFAULT_INVENTORY_BRANCH, InventoryCommitter } from "../inventory/inventory-committer.js";
import { discoveredRecord, machineInventory } from "../inventory/machine-inventory.js";
import { overview } from "../daemon/overview.js";
import { StatusPage, statusPageSettings } from "../http/status-page.js";
import { ActivityHistory } from "../observe/activity-history.js";
import { logEvent, Metrics } from "../observe/metrics.js";
import { progressOn } from "../observe/progress.js";
import { loadKeystore, loadRenderSigner } from "../pki/keystore.js";
import { autosignTokenFor } from "../puppet/autosign-token.js";
import type { PuppetEnvironmentOptions } from "../puppet/publish-environment.js";
import { puppetRunStatus } from "../puppet/puppet-run-status.js";
import { bootAnswer } from "../release/boot-answer.js";
import { RenderVerifier } from "../render/render-signature.js";
import { DEFAULT_RENDERED_BRANCH } from "../render/render-branch.js";
import { networkConfigFor } from "../release/network-config.js";
import { EMPTY_RELEASE, loadReleaseDirectory, type Release } from "../release/release.js";
import { setupOrderOf } from "../release/setup-order.js";
import { MACHINE_STATUSES, STATUS_BASENAME, StatusStore, type MachineStatus } from "../state/status-store.js";
import { resolveTftpName } from "../tftp/tftp-files.js";
import { serveWarnings } from "./serve-warnings.js";
import { serviceHealth } from "./service-health.js";
import { startTftpServer } from "../tftp/tftp-server.js";

export interface ServeOptions {
  readonly render?: string;
  readonly repo?: string;
  /** The rendered branch, when site.yaml does not name one. */
  readonly branch?: string;
  /** The branch the site is committed to: compiled on each move (with a keystore). */
  readonly sourceBranch: string;
  /** Where discoveries are committed (default oci/inventory): a branch of their own, so they never race people on the source branch. */
  readonly inventoryBranch?: string;
  /** Only source commits signed by a key of this allowed-signers file (OpenSSH's format) are compiled. */
  readonly allowedSigners?: string;
  /** A forge to follow: its source branch fetched every `fetchIntervalMs` and on a signed webhook; this host's branches pushed back. */
  readonly remote?: { readonly url: string; readonly fetchIntervalMs: number; readonly webhookSecret?: string; readonly timeoutMs?: number };
  /** The CA keystore: with it, this host compiles source commits and commits their render. */
  readonly keystore?: string;
  /** Compile source commits even without a keystore (certificates are then listed, not issued). */
  readonly compile?: boolean;
  readonly puppet?: PuppetEnvironmentOptions;
  readonly recheckMs: number;
  readonly listen: string;
  readonly dhcp: boolean;
  readonly dhcpPort: number;
  readonly tftp: boolean;
  readonly tftpPort: number;
  /** auto: the native TFTP data pump when built; js: the JavaScript engine only. */
  readonly tftpEngine?: "auto" | "js";
  readonly httpPort: number;
  readonly stateDir: string;
  readonly bootDirs: readonly string[];
  readonly liveDir?: string;
  /** puppetserver's hiera-eyaml private key: decrypts a node's autosign token for its installer. */
  readonly eyamlPrivateKey?: string;
  /** Public keys (PEM files) of the hosts whose signed renders this one applies, besides its own keystore's. */
  readonly renderSigners?: readonly string[];
  /** How often the status page's plots take a sample (default a minute). */
  readonly activitySampleMs?: number;
}

export interface RunningServer {
  readonly httpPort: number;
  readonly metrics: Metrics;
  readonly daemon?: Daemon;
  /** What would make machines fail although the daemon runs (see serveWarnings); refreshed with each release. */
  warnings(): readonly string[];
  close(): Promise<void>;
}

/**
 * Starts the daemon. Every enabled service binds first: a port taken or an address this host does
 * not have ends the start there (an error, so the process exits non-zero and systemd restarts it),
 * before anything is published to puppet or answered. Then, with --repo, it follows the repository
 * (compile, apply, publish, commit discoveries); with --render it serves one render directory.
 * Every protocol server reads the one current release through a function, so a new release is
 * swapped in by one assignment.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  let current: Release = EMPTY_RELEASE;
  let serving = false;
  let warnings: readonly string[] = [];
  const metrics = new Metrics();
  const now = () => Date.now();
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  const status = await StatusStore.open(join(options.stateDir, STATUS_BASENAME));
  closers.push(() => status.close());
  metrics.labeledGauge("oci_machines", "machines by their latest reported status", "status", () => countByStatus(status.snapshot.machines));
  metrics.gauge("oci_serve_warnings", "start-up and release checks that failed (see /healthz)", () => warnings.length);
  const history = new ActivityHistory(metrics, () => countByStatus(status.snapshot.machines), now, options.activitySampleMs);
  closers.push(async () => history.close());
  const started = now();
  const bootAnswerNow = (release: Release, path: string) => bootAnswer(release, status.snapshot, path);
  let daemon: Daemon | undefined;
  let inventory: InventoryCommitter | undefined;
  let inventoryRefusal = "discovery reports need a repository: run oci serve --repo";
  const served = { httpPort: options.httpPort, listen: options.listen, ...(options.liveDir ? { liveDir: options.liveDir } : {}), ...(options.eyamlPrivateKey ? { eyamlPrivateKey: options.eyamlPrivateKey } : {}) };
  let bindWarnings: string[] = [];
  const recheck = () => {
    const next = [...bindWarnings, ...serveWarnings(current, served)];
    for (const warning of next.filter((w) => !warnings.includes(w))) logEvent("serve.warning", { warning });
    warnings = next;
    daemon?.setWarnings(warnings);
  };

  let ready: Record<string, unknown>;
  let notifyPage = (): void => undefined;
  // Following a forge: the exchange runs beside serving and never holds it up (an unreachable remote is shown, not waited for).
  let mirror: RemoteMirror | undefined;
  const syncRemote = () => void mirror?.sync();
  try {
    if (options.remote && options.repo) {
      const followed = new RemoteMirror({
        gitdir: openRepository(options.repo).gitdir, url: options.remote.url, sourceBranch: options.sourceBranch,
        hostBranches: () => [daemon?.renderedBranch ?? options.branch ?? DEFAULT_RENDERED_BRANCH, options.inventoryBranch ?? DEFAULT_INVENTORY_BRANCH],
        stateFile: remoteStateFile(options.stateDir), now, ...(options.remote.timeoutMs ? { timeoutMs: options.remote.timeoutMs } : {}),
        onState: (state, before) => {
          metrics.count("oci_remote_syncs_total", "exchanges with the followed remote (fetch the source branch, push this host's branches)", { outcome: state.ok ? "ok" : "failed" });
          // A line when something changed (a new source commit, the remote lost or back), not every minute.
          if (state.ok && (before.ok !== true || before.source !== state.source)) logEvent("remote.synced", { url: state.url, ...(state.source ? { source: state.source } : {}) });
          if (!state.ok && (before.ok !== false || before.error !== state.error)) logEvent("remote.sync_error", { url: state.url, error: state.error });
          notifyPage();
        },
      });
      metrics.gauge("oci_remote_up", "1 when the last exchange with the followed remote succeeded, 0 when it failed, -1 before the first", () => (followed.state.ok === undefined ? -1 : followed.state.ok ? 1 : 0));
      closers.push(() => followed.close());
      mirror = followed;
    }
    const leases = new LeaseStore(join(options.stateDir, "dhcp-leases.jsonl"), now);
    closers.push(async () => leases.close());
    metrics.gauge("oci_dhcp_leases", "DHCP leases currently held", () => leases.size);
    let dhcp: Record<string, unknown> | false = false;
    if (options.dhcp) {
      const server = await startDhcpServer({ port: options.dhcpPort, listen: options.listen, release: () => current, leases, metrics, now, serving: () => serving });
      closers.push(server.close);
      dhcp = { ...server.binding };
      if (server.binding.warning) bindWarnings.push(server.binding.warning);
    }
    let tftp: Record<string, unknown> | false = false;
    if (options.tftp) {
      const server = await startTftpServer({
        port: options.tftpPort, listen: options.listen, metrics, engine: options.tftpEngine ?? "auto", serving: () => serving,
        resolve: (name) => resolveTftpName(name, current, options.bootDirs, bootAnswerNow),
      });
      metrics.gauge("oci_tftp_sessions", "TFTP transfers in progress", server.sessions);
      closers.push(server.close);
      tftp = { port: server.port, engine: server.engine, ...(server.engineReason ? { reason: server.engineReason } : {}) };
    }
    const statusPage = new StatusPage({
      release: () => current,
      machines: (filter) => machineInventory(setupOrderOf(current), status.snapshot, filter),
      overview: () => {
        const commitUrl = statusPageSettings(current).commitUrl;
        const state = daemon?.state ?? (current === EMPTY_RELEASE ? undefined : { format: 1 as const, release: { id: current.id, appliedAt: started }, refusals: [] });
        return overview({
          ...(state ? { daemon: { ...state, warnings } } : {}), order: setupOrderOf(current), status: status.snapshot,
          health: serviceHealth({
            dhcp, tftp, httpPort: options.httpPort, release: current, refusals: daemon?.refusals ?? [],
            ...(options.puppet ? { puppetDirectory: options.puppet.directory } : {}), ...(options.repo ? { repo: options.repo } : {}),
            ...(mirror ? { remote: mirror.state } : {}),
          }),
          history: history.samples, ...(commitUrl ? { commitUrl } : {}),
        });
      },
    });
    notifyPage = () => statusPage.notify();
    const http = await startHttpServer({
      statusPage,
      ...(mirror && options.remote?.webhookSecret ? { gitHook: { secret: options.remote.webhookSecret, fetchNow: syncRemote } } : {}),
      port: options.httpPort, listen: options.listen, release: () => current, metrics, bootAnswer: bootAnswerNow, serving: () => serving,
      ...(options.liveDir ? { liveDir: options.liveDir } : {}),
      onDiscovery: async (report, from) => {
        if (!inventory) throw new UnavailableError(inventoryRefusal);
        const outcome = await inventory.submit(report);
        await status.record(discoveredRecord(report, from, now()));
        statusPage.notify();
        if (outcome === "committed") syncRemote();
        return outcome;
      },
      onStatus: async (report) => {
        // Install reports carry the rendered commit served now: the one the installer's instructions came from.
        const commit = daemon?.state.release?.commit;
        const installing = ["installing", "installed", "install-failed"].includes(String(report["status"]));
        await status.record({ ...(report as { serial: string; status: MachineStatus }), ...(installing && commit ? { commit } : {}), at: now() });
        statusPage.notify();
        return "recorded";
      },
      onPuppetReport: async (run) => {
        const outcome = puppetRunStatus(current, status.snapshot, run, now());
        if ("ignored" in outcome) return `ignored: ${outcome.ignored}`;
        await status.record(outcome.record);
        statusPage.notify();
        return outcome.record.status;
      },
      networkConfig: (address) => networkConfigFor(current, address),
      autosignToken: async (address) => autosignTokenFor(current, address, options.eyamlPrivateKey),
      health: () => {
        const ok = current !== EMPTY_RELEASE && !(daemon?.failing ?? false);
        return {
          ok,
          detail: {
            release: current.id, ...(daemon?.compiledSource ? { source: daemon.compiledSource } : {}),
            ...(daemon && daemon.refusals.length > 0 ? { refused: daemon.refusals } : {}), ...(warnings.length > 0 ? { warnings } : {}),
            ...(mirror ? { remote: mirror.state } : {}),
          },
        };
      },
    });
    closers.push(http.close);
    ready = { listen: options.listen, dhcp, tftp, http: http.port };

    if (options.render) {
      current = await loadReleaseDirectory(options.render);
    } else {
      const repo = openRepository(options.repo ?? ".");
      const ca = options.keystore ? await loadKeystore(options.keystore) : undefined;
      const signer = options.keystore ? await loadRenderSigner(options.keystore) : undefined;
      const trusted = [...(signer ? [signer.publicKey] : []), ...(await Promise.all((options.renderSigners ?? []).map(readRenderSigner)))];
      const verifier = trusted.length > 0 ? new RenderVerifier(trusted) : undefined;
      if (!verifier) bindWarnings.push("renders are applied without checking who made them: give this host the keystore, or --render-signer with the compiling host's render-signing.pub");
      const checkedOut = await checkedOutBranch(repo.gitdir);
      const inventoryBranch = options.inventoryBranch ?? DEFAULT_INVENTORY_BRANCH;
      if (checkedOut === `refs/heads/${inventoryBranch}`) {
        inventoryRefusal = `discovery reports are not committed: ${options.repo} has ${inventoryBranch} checked out in a work tree, whose next commit would drop them; serve a bare repository (git clone --bare) that people push to`;
        logEvent("inventory.disabled", { reason: inventoryRefusal });
      } else {
        inventory = new InventoryCommitter(repo, inventoryBranch, now);
      }
      daemon = new Daemon({
        repo, sourceBranch: options.sourceBranch, ...(options.branch ? { renderedBranch: options.branch } : {}), ...(ca ? { ca } : {}),
        ...(signer ? { signer } : {}), ...(verifier ? { verifier } : {}),
        compile: Boolean(ca) || Boolean(options.compile), ...(options.puppet ? { puppet: options.puppet } : {}),
        stateDir: options.stateDir, recheckMs: options.recheckMs, metrics, now, progress: progressOn(process.stderr),
        ...(options.allowedSigners ? { allowedSigners: options.allowedSigners } : {}),
        onRelease: (release) => {
          current = release;
          recheck();
          statusPage.notify();
          // A new rendered commit goes back to the forge.
          syncRemote();
        },
      });
      closers.push(() => daemon!.close());
      await daemon.start();
      if (mirror && options.remote) {
        const timer = setInterval(syncRemote, options.remote.fetchIntervalMs);
        closers.push(async () => clearInterval(timer));
        syncRemote();
      }
      if (current === EMPTY_RELEASE) logEvent("release.none", { detail: "nothing could be applied yet: serving no DHCP reservation until a rendered commit applies", refusals: daemon.refusals });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  recheck();
  serving = true;
  logEvent("ready", { release: current.id, ...ready, ...(warnings.length > 0 ? { warnings } : {}) });
  return {
    httpPort: ready["http"] as number,
    metrics,
    ...(daemon ? { daemon } : {}),
    warnings: () => warnings,
    close: closeAll,
  };
}

/** The branch HEAD names when the repository has a work tree; undefined for a bare one. */
async function checkedOutBranch(gitdir: string): Promise<string | undefined> {
  if (basename(gitdir) !== ".git") return undefined;
  const head = await readFile(join(gitdir, "HEAD"), "utf8").catch(() => "");
  return /^ref: (\S+)/.exec(head)?.[1];
}

function countByStatus(machines: Readonly<Record<string, { status: MachineStatus }>>): Map<string, number> {
  const counts = new Map<string, number>(MACHINE_STATUSES.map((s) => [s, 0]));
  for (const record of Object.values(machines)) counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
  return counts;
}

async function readRenderSigner(path: string): Promise<KeyObject> {
  try {
    return createPublicKey(await readFile(path, "utf8"));
  } catch (error) {
    throw new RenderSignerError(path, (error as Error).message);
  }
}

export class RenderSignerError extends Error {
  readonly code = "OCI3205";
  constructor(readonly path: string, detail: string) {
    super(`--render-signer ${path}: ${detail} (a render-signing.pub from the compiling host's keystore)`);
    this.name = "RenderSignerError";
  }
}
