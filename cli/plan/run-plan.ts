import { compile, CompileCache, type CompileResult, type PreviousRender, type ProgressSink } from "../../compiler/index.js";
import { openRepository, resolveRevision, type GitRepository } from "../../compiler/load/git-repository.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import { formatPlan, type PlanFormat } from "../../compiler/plan/format-plan.js";
import { planChanges } from "../../compiler/plan/plan.js";
import { previousRenderInMemory, renderedBranchOf } from "../../runtime/render/render-branch.js";
import { hostBranchTip } from "../branch-tip.js";
import { Exit } from "../exit-codes.js";
import { HeldCompiles } from "./held-compiles.js";
import { readPlanCache, writePlanCache } from "./plan-cache.js";

export interface PlanRequest {
  /** The repository's work tree or Git directory. */
  readonly repo: string;
  readonly base: string;
  readonly head: string;
  readonly format: PlanFormat;
  readonly allFiles: boolean;
  /** Read and keep the certificate verdicts of earlier runs (plan-cache.json). */
  readonly cache: boolean;
}

/** Where a plan writes: its output, its messages, and how far its compiles are. */
export interface PlanOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly progress: ProgressSink;
}

/**
 * What one process keeps between the plans it makes: the compile cache, its last compiles, and the
 * rendered state BASE compiled on, with the files read from it. A one-shot `oci plan` makes one plan
 * with it; a warm plan process (`--keep-warm`) makes every plan of its repository with the same session.
 */
export class PlanSession {
  readonly cache = new CompileCache();
  readonly compiles = new HeldCompiles();
  #rendered?: { readonly commit: string; readonly previous: PreviousRender; readonly texts: ReadonlyMap<string, Promise<string | undefined>> };
  #verdictsRead = false;
  #verdictsWritten?: number;

  /**
   * The rendered commit's files as a previous render, each blob read once: the next rendered commit
   * (the host's render of one more change) shares all but a few blobs with the last, and a
   * 10,000-machine plan reads 30,000 of them.
   */
  async renderedAt(repo: GitRepository, commit: string, label: string): Promise<PreviousRender> {
    if (this.#rendered?.commit === commit) return { ...this.#rendered.previous, label };
    const tree = await GitTree.open(repo, commit);
    const earlier = this.#rendered?.texts ?? new Map<string, Promise<string | undefined>>();
    const texts = new Map<string, Promise<string | undefined>>();
    const previous: PreviousRender = {
      label,
      readFile: (path) => {
        const oid = tree.contentId(path);
        if (oid === undefined) return Promise.resolve(undefined);
        return texts.get(oid) ?? texts.set(oid, earlier.get(oid) ?? tree.readFile(path)).get(oid)!;
      },
    };
    this.#rendered = { commit, previous, texts };
    return previous;
  }

  /** The verdicts of earlier runs, read into the cache once per session (later plans of a warm process have them in memory). */
  takeStoredVerdicts(gitdir: string): void {
    if (this.#verdictsRead) return;
    this.#verdictsRead = true;
    this.cache.credentials.reuse.takeStoredVerdicts(readPlanCache(gitdir)?.certificates ?? {});
  }

  /** Stores the verdicts for the next run, when they changed since this session last stored them. */
  keepVerdicts(gitdir: string, warn: (message: string) => void): void {
    const { reuse } = this.cache.credentials;
    if (this.#verdictsWritten === reuse.changes) return;
    writePlanCache(gitdir, { certificates: reuse.storedVerdicts() }, warn);
    this.#verdictsWritten = reuse.changes;
  }
}

/** Compiles BASE and HEAD and writes the plan; the exit code: 0, or 1 when HEAD does not compile. */
export async function runPlan(request: PlanRequest, session: PlanSession, out: PlanOutput): Promise<number> {
  const repo = openRepository(request.repo);
  const [baseCommit, headCommit] = [await resolveRevision(repo, request.base), await resolveRevision(repo, request.head)];
  const baseTree = await GitTree.open(repo, baseCommit);
  // BASE compiles on top of what the host last rendered, HEAD on top of BASE: the plan shows what HEAD would change.
  const labelled = (which: string): ProgressSink => (phase, done, total) => out.progress(`${which}: ${phase}`, done, total);
  const rendered = await renderedState(repo, baseTree, session);
  if (rendered.state) out.stderr(`oci: plan: BASE compiled on the rendered state of ${rendered.state.ref} (${rendered.state.commit.slice(0, 12)})\n`);
  else out.stderr(`oci: plan: WARNING: no rendered branch here (${rendered.branch}, nor a remote's): addresses, certificates and secrets are allocated from nothing, a guess, not what the provisioning host will give; fetch it first: git fetch origin ${rendered.branch}\n`);
  // One cache for both: HEAD parses and checks only the files it changed.
  const { cache } = session;
  if (request.cache) session.takeStoredVerdicts(repo.gitdir);
  const compileOn = (tree: GitTree, on: PreviousRender | undefined, which: string) =>
    session.compiles.compile(tree.treeId, on, (previous) => compile({ tree, ...(previous ? { previous } : {}), progress: labelled(which), cache }));
  const base = await compileOn(baseTree, rendered.previous, request.base);
  const head = await compileOn(await GitTree.open(repo, headCommit), (await previousFor(repo, baseTree, base, session)).previous, request.head);
  if (request.cache) session.keepVerdicts(repo.gitdir, (message) => out.stderr(`${message}\n`));
  const plan = planChanges({ revision: request.base, commit: baseCommit, result: base }, { revision: request.head, commit: headCommit, result: head }, rendered.state ?? null);
  out.stdout(formatPlan(plan, request.format, { allFiles: request.allFiles }));
  return plan.head.valid ? Exit.ok : Exit.invalidInput;
}

interface RenderedState {
  readonly branch: string;
  /** The rendered commit BASE compiles on, and the ref it was read from; absent when there is none. */
  readonly state?: { readonly ref: string; readonly commit: string };
  readonly previous?: PreviousRender;
}

/** The rendered state a plan starts from (hostBranchTip). Without one, every address would be allocated from nothing: the caller says so, loudly. */
async function renderedState(repo: GitRepository, tree: GitTree, session: PlanSession): Promise<RenderedState> {
  const branch = await renderedBranchOf(tree);
  const tip = await hostBranchTip(repo, branch);
  return tip ? { branch, state: tip, previous: await session.renderedAt(repo, tip.commit, `${tip.ref}@${tip.commit.slice(0, 7)}:`) } : { branch };
}

async function previousFor(repo: GitRepository, baseTree: GitTree, base: CompileResult, session: PlanSession): Promise<{ previous?: PreviousRender }> {
  if (!base.files) {
    const { previous } = await renderedState(repo, baseTree, session);
    return previous ? { previous } : {};
  }
  return { previous: previousRenderInMemory("BASE render:", new Map(base.files.map((f) => [f.path, f]))) };
}
