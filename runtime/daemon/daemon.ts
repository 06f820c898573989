import git from "isomorphic-git";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import type { CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import { commitSignatureProblem } from "../git/commit-signature.js";
import { readRef, removeStaleLock, STALE_LOCK_MS } from "../git/compare-and-swap-ref.js";
import { logEvent, type Metrics } from "../observe/metrics.js";
import type { Progress } from "../observe/progress.js";
import { publishEnvironment, type PuppetEnvironmentOptions } from "../puppet/publish-environment.js";
import { releaseFromCheckedFiles, type Release } from "../release/release.js";
import { BackgroundRenderer } from "../render/background-renderer.js";
import { DEFAULT_RENDERED_BRANCH, renderedBranchOf, renderStatementOf, SOURCE_TRAILER } from "../render/render-branch.js";
import { descends, HISTORY_TRAILER, historyAdvice } from "../render/render-history.js";
import type { RenderSigner, RenderVerifier } from "../render/render-signature.js";
import { watchRefs, type RefWatcher } from "../watch/ref-watcher.js";
import { ApplyLoop } from "./apply-loop.js";
import { refusalReason } from "./refusal-reason.js";
import { readDaemonState, writeDaemonState, type DaemonState, type Refusal } from "./daemon-state.js";

export interface DaemonOptions {
  readonly repo: GitRepository;
  /** The branch people commit the site to. */
  readonly sourceBranch: string;
  /** The rendered branch when no source commit names one (site.yaml git.renderedBranch). */
  readonly renderedBranch?: string;
  /** When this host holds the keystore, it compiles each source commit and commits the render. */
  readonly ca?: CertificateAuthority;
  readonly compile: boolean;
  readonly puppet?: PuppetEnvironmentOptions;
  readonly stateDir: string;
  readonly recheckMs: number;
  readonly metrics: Metrics;
  /** Signs the renders this host commits (the keystore's key). */
  readonly signer?: RenderSigner;
  /** The keys whose renders are applied; none: renders are applied unverified (a warning says so). */
  readonly verifier?: RenderVerifier;
  /** Where a long compile says how far it is (a first compile issues every certificate). */
  readonly progress?: Progress;
  /** An allowed-signers file (OpenSSH's format): only source commits whose own signature is by one of its keys are compiled. */
  readonly allowedSigners?: string;
  /** Called with each newly applied release, after the puppet environment is published. */
  readonly onRelease: (release: Release) => void;
  readonly now?: () => number;
}

const MAX_REFUSALS = 20;

/**
 * The watcher of the design: when the source branch moves it compiles and commits the render;
 * when the rendered branch moves it checks the commit, publishes its puppet data and swaps it in.
 * A commit that fails any of that is refused and remembered; the last good release keeps serving.
 */
export class Daemon {
  #release: Release | undefined;
  #renderedCommit: string | undefined;
  #renderedBranch: string;
  #triedSource: string | undefined;
  /** The rendered tip when #triedSource was tried. */
  #triedSourceTip: string | undefined;
  #triedRendered: string | undefined;
  #branchReadFrom: string | undefined;
  /** The render this process just committed: applied from memory instead of read back from Git. */
  #justRendered: { commit: string; files: ReadonlyMap<string, Buffer> } | undefined;
  #refusals: Refusal[];
  #state: DaemonState;
  #watcher: RefWatcher | undefined;
  readonly #loop: ApplyLoop;
  /** Compiles and reads releases on a worker thread, which keeps the compile caches: a commit costs about what it changed. */
  readonly #renderer: BackgroundRenderer;
  readonly #now: () => number;

  constructor(private readonly options: DaemonOptions) {
    this.#now = options.now ?? Date.now;
    this.#renderer = new BackgroundRenderer(options.repo);
    this.#renderedBranch = options.renderedBranch ?? DEFAULT_RENDERED_BRANCH;
    this.#state = readDaemonState(options.stateDir) ?? { format: 1, refusals: [] };
    this.#refusals = [...this.#state.refusals];
    this.#loop = new ApplyLoop(() => this.#reconcile(), (error) => {
      options.metrics.count("oci_daemon_errors_total", "apply runs that failed unexpectedly");
      logEvent("daemon.error", { error: error.message });
    });
    const { metrics } = options;
    metrics.gauge("oci_release_failing", "1 when the newest source or rendered commit was refused", () => (this.failing ? 1 : 0));
  }

  /** The rendered branch this host writes (site.yaml git.renderedBranch of the last source commit read). */
  get renderedBranch(): string {
    return this.#renderedBranch;
  }

  get release(): Release | undefined {
    return this.#release;
  }

  /** What the daemon applied last: release id, rendered commit, source, when (kept across restarts). */
  get state(): DaemonState {
    return this.#state;
  }

  /** Refusals of the newest commits: cleared once a later commit of the same branch applies. */
  get refusals(): readonly Refusal[] {
    return this.#refusals;
  }

  /** The newest source commit compiled (or found already rendered), whatever the outcome. */
  get compiledSource(): string | undefined {
    return this.#triedSource;
  }

  get failing(): boolean {
    return this.#refusals.some((r) => r.commit === this.#triedSource || r.commit === this.#triedRendered);
  }

  /** The first apply, then watching. Resolves once the first apply has run (whether or not anything could be applied). */
  async start(): Promise<void> {
    await this.#loop.kick();
    this.#watcher = watchRefs(this.options.repo.gitdir, () => void this.#loop.kick(), this.options.recheckMs);
  }

  /** Runs an apply now (tests and `kill -HUP`), looking again at commits refused before; resolves when one has run after this call. */
  async applyNow(): Promise<void> {
    this.#triedSource = undefined;
    this.#triedRendered = undefined;
    await this.#loop.kick();
    await this.#loop.kick();
  }

  /** Records the serve checks' warnings in daemon.json, where `oci status` shows them. */
  setWarnings(warnings: readonly string[]): void {
    const before = this.#state.warnings ?? [];
    if (before.length === warnings.length && before.every((w, i) => w === warnings[i])) return;
    this.#state = { ...this.#state, warnings: [...warnings] };
    this.#persist();
  }

  async close(): Promise<void> {
    await this.#watcher?.close();
    await this.#loop.close();
    await this.#renderer.close();
  }

  async #reconcile(): Promise<void> {
    const { repo } = this.options;
    await this.#removeStaleLocks();
    const source = await readRef(repo.gitdir, `refs/heads/${this.options.sourceBranch}`);
    // Which branch the render goes to is read from the source's site.yaml, once per source commit.
    if (source && source !== this.#branchReadFrom) {
      this.#renderedBranch = await renderedBranchOf(await GitTree.open(repo, source)).catch(() => this.#renderedBranch);
      this.#branchReadFrom = source;
    }
    const before = await readRef(repo.gitdir, `refs/heads/${this.#renderedBranch}`);
    // A source is compiled again when the rendered branch moved since: an operator restored it, say.
    if (source && this.options.compile && (source !== this.#triedSource || before !== this.#triedSourceTip)) await this.#compileSource(source, before);
    const rendered = await readRef(repo.gitdir, `refs/heads/${this.#renderedBranch}`);
    if (rendered && rendered !== this.#renderedCommit && rendered !== this.#triedRendered) await this.#applyRendered(rendered);
  }

  /** A writer killed while holding a ref lock (kill -9, power loss) would block every later update: see removeStaleLock. */
  async #removeStaleLocks(): Promise<void> {
    for (const branch of [this.options.sourceBranch, this.#renderedBranch]) {
      if (await removeStaleLock(this.options.repo.gitdir, `refs/heads/${branch}`, STALE_LOCK_MS, this.#now)) {
        logEvent("git.stale_lock_removed", { ref: `refs/heads/${branch}` });
      }
    }
  }

  async #compileSource(source: string, tip: string | undefined): Promise<void> {
    const { repo } = this.options;
    this.#triedSourceTip = tip;
    // After a restart, a source commit already rendered (and vouched for) is not compiled again.
    if (tip && (await sourceOf(repo, tip)) === source && (await this.#trustProblem(tip)) === undefined) {
      this.#triedSource = source;
      return;
    }
    // The commit applied is the one vouched for: its signer answers for the whole tree (a reviewed
    // merge vouches for the commits it brings), so the tip is checked, not each commit before it.
    if (this.options.allowedSigners) {
      const problem = await commitSignatureProblem(repo.gitdir, source, this.options.allowedSigners);
      if (problem) {
        this.#triedSource = source;
        this.#refuse({ commit: source, stage: "signature", reason: problem, at: this.#now() });
        return;
      }
    }
    const started = this.#now();
    const outcome = await this.#renderer.commitRender(source, {
      removeStaleLocks: true, ...(this.options.ca ? { ca: this.options.ca } : {}), ...(this.options.signer ? { signer: this.options.signer } : {}),
      ...(this.options.verifier ? { verifier: this.options.verifier } : {}),
      ...(this.#state.release?.commit ? { known: this.#state.release.commit } : {}),
      ...(this.options.progress ? { progress: this.options.progress.sink } : {}),
    });
    this.options.progress?.finish();
    this.#triedSource = source;
    if (outcome.status === "invalid") {
      this.#refuse({ commit: source, stage: "compile", reason: refusalReason(outcome.diagnostics), at: this.#now() });
      return;
    }
    if (outcome.status === "history") {
      // Nothing compiled: a render from nothing would make every secret anew. The last good release keeps serving.
      this.#refuse({ commit: source, stage: outcome.problem.problem === "untrusted" ? "signature" : "history", reason: outcome.advice, at: this.#now() });
      return;
    }
    this.#clearRefusals("compile", "history", "signature");
    if (outcome.status === "committed" && outcome.files) this.#justRendered = { commit: outcome.commit, files: outcome.files };
    this.options.metrics.count("oci_source_compiled_total", "source commits compiled", { outcome: outcome.status });
    logEvent("source.compiled", { source, outcome: outcome.status, rendered: outcome.commit, ms: this.#now() - started });
  }

  async #applyRendered(commit: string): Promise<void> {
    const { repo } = this.options;
    const started = this.#now();
    this.#triedRendered = commit;
    const untrusted = await this.#trustProblem(commit);
    if (untrusted) return this.#refuse({ commit, stage: "signature", reason: `rendered commit ${commit} is not applied: ${untrusted}`, at: this.#now() });
    const known = this.#state.release?.commit;
    if (known && known !== commit && !(await descends(repo, commit, known)) && !(await this.#startsAcceptedHistory(commit, known))) {
      return this.#refuse({ commit, stage: "history", reason: historyAdvice(this.#renderedBranch, { problem: "rewound", known, tip: commit }), at: this.#now() });
    }
    let release: Release;
    const id = `${this.#renderedBranch}@${commit}`;
    const inMemory = this.#justRendered?.commit === commit ? this.#justRendered.files : undefined;
    this.#justRendered = undefined;
    try {
      release = releaseFromCheckedFiles(inMemory ?? (await this.#renderer.releaseFiles(commit, id)), id);
    } catch (error) {
      return this.#refuse({ commit, stage: "release", reason: (error as Error).message, at: this.#now() });
    }
    if (this.options.puppet) {
      try {
        await publishEnvironment(this.options.puppet, release.id, release.files);
      } catch (error) {
        // Not marked as tried: a full disk or a permission fixed by the operator is retried on the next re-check.
        this.#triedRendered = undefined;
        return this.#refuse({ commit, stage: "publish", reason: (error as Error).message, at: this.#now() });
      }
    }
    this.#release = release;
    this.#renderedCommit = commit;
    this.options.onRelease(release);
    this.#clearRefusals("release", "publish", "signature", "history");
    this.options.metrics.count("oci_releases_applied_total", "rendered commits applied");
    const source = await sourceOf(repo, commit);
    const about = source ? await commitSummary(repo, source) : undefined;
    this.#state = { ...this.#state, release: { id: release.id, commit, ...(source ? { source } : {}), appliedAt: this.#now(), ...about } };
    this.#persist();
    logEvent("release.applied", { release: release.id, source, ms: this.#now() - started });
  }

  /** Why a rendered commit is not vouched for by a trusted key; undefined when it is, or when no key is configured. */
  async #trustProblem(commit: string): Promise<string | undefined> {
    const { verifier } = this.options;
    if (!verifier || verifier.size === 0) return undefined;
    const read = await renderStatementOf(this.options.repo, commit);
    return read ? verifier.problem(read.message, read.statement) : "it is no rendered commit (no Source-Commit trailer)";
  }

  /**
   * A branch that does not descend from the last applied render is taken only when an oci run
   * with the signing key said so: a commit between the tip and the old history carries a signed
   * History trailer (--bootstrap-history, --accept-rewind).
   */
  async #startsAcceptedHistory(tip: string, known: string): Promise<boolean> {
    const entries = await git.log({ ...this.options.repo, ref: tip, depth: 100 }).catch(() => []);
    for (const entry of entries) {
      if (entry.oid === known || (await descends(this.options.repo, known, entry.oid))) return false;
      if (new RegExp(`^${HISTORY_TRAILER}: `, "m").test(entry.commit.message) && (await this.#trustProblem(entry.oid)) === undefined) return true;
    }
    return false;
  }

  #refuse(refusal: Refusal): void {
    this.#refusals = [refusal, ...this.#refusals.filter((r) => r.commit !== refusal.commit)].slice(0, MAX_REFUSALS);
    this.options.metrics.count("oci_commits_refused_total", "commits not applied, by stage", { stage: refusal.stage });
    logEvent("commit.refused", { ...refusal });
    this.#persist();
  }

  #clearRefusals(...stages: Refusal["stage"][]): void {
    const before = this.#refusals.length;
    this.#refusals = this.#refusals.filter((r) => !stages.includes(r.stage));
    if (this.#refusals.length !== before) this.#persist();
  }

  #persist(): void {
    this.#state = { ...this.#state, format: 1, ...(this.#triedSource ? { sourceCommit: this.#triedSource } : {}), refusals: this.#refusals };
    writeDaemonState(this.options.stateDir, this.#state);
  }
}

/** The source commit a rendered commit names in its trailer. */
async function commitSummary(repo: GitRepository, oid: string): Promise<{ sourceAuthor: string; sourceSubject: string; sourceTime: number } | undefined> {
  try {
    const { commit } = await git.readCommit({ ...repo, oid });
    return { sourceAuthor: commit.author.name, sourceSubject: commit.message.split("\n")[0]!, sourceTime: commit.author.timestamp * 1000 };
  } catch {
    return undefined; // a shallow clone without the source commit: the page shows its id only
  }
}

async function sourceOf(repo: GitRepository, rendered: string): Promise<string | undefined> {
  try {
    const { commit } = await git.readCommit({ ...repo, oid: rendered });
    return new RegExp(`^${SOURCE_TRAILER}: ([0-9a-f]{40})$`, "m").exec(commit.message)?.[1];
  } catch {
    return undefined;
  }
}
