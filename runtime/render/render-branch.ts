import git from "isomorphic-git";
import { parse } from "yaml";
import { compile, type CompileResult, type PreviousRender, type ProgressSink } from "../../compiler/index.js";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import type { CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import { compareAndSwapRef, readRef, RefLockedError, RefMovedError, removeStaleLock, STALE_LOCK_MS } from "../git/compare-and-swap-ref.js";
import { writeCommitObject } from "../git/git-objects.js";
import { writeFilesAsTree, type TreeWriteCache } from "../git/write-tree.js";
import { HISTORY_TRAILER, historyAdvice, historyProblem, historyRef, type HistoryProblem } from "./render-history.js";
import { RenderVerifier, type RenderSigner, type RenderStatement } from "./render-signature.js";
import { branchNameProblem } from "../../compiler/validate/ref-name.js";
import type { CompileCache } from "../../compiler/compile-cache.js";

export const DEFAULT_RENDERED_BRANCH = "oci/rendered";
export const SOURCE_TRAILER = "Source-Commit";

export class ConcurrentUpdateError extends Error {
  readonly code = "OCI3103";
  constructor(readonly ref: string, attempts: number) {
    super(`${ref} kept moving under concurrent writers; gave up after ${attempts} attempts (no commit was lost; run again)`);
    this.name = "ConcurrentUpdateError";
  }
}

/** A rendered commit's tree, read as the previous render of the next compile. */
export function previousRenderFrom(tree: GitTree, label: string): PreviousRender {
  const paths = tree.blobIds();
  return { label, readFile: async (path) => (!paths.has(path) ? undefined : tree.readFile(path)) };
}

/**
 * A render held in memory, by path, as the previous render of the next compile: the tree this
 * process wrote last (the same bytes as reading it back, its id being their hash), or BASE's render
 * in a plan. The compile reads it before the next tree is written over the same map.
 */
export function previousRenderInMemory(label: string, files: ReadonlyMap<string, { readonly content: string }>): PreviousRender {
  const readFileNow = (path: string) => files.get(path)?.content;
  return { label, readFile: async (path) => readFileNow(path), readFileNow };
}

/** The rendered branch a site asks for in site.yaml (`git.renderedBranch`), read before the full compile. */
export async function renderedBranchOf(tree: GitTree): Promise<string> {
  const files = await tree.listFiles();
  const name = files.includes("site.yaml") ? "site.yaml" : files.includes("site.yml") ? "site.yml" : undefined;
  if (!name) return DEFAULT_RENDERED_BRANCH;
  try {
    const site = parse(await tree.readFile(name)) as { git?: { renderedBranch?: unknown } } | null;
    const branch = site?.git?.renderedBranch;
    // An invalid name fails the compile (OCI1108), which refuses the commit; this only keeps the daemon's own writes sane.
    return typeof branch === "string" && /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(branch) && !branchNameProblem(branch) ? branch : DEFAULT_RENDERED_BRANCH;
  } catch {
    return DEFAULT_RENDERED_BRANCH; // the compile reports the syntax error
  }
}

export type CommitRenderResult =
  | { readonly status: "invalid"; readonly compile: CompileResult }
  /** The rendered branch does not continue what was rendered before: nothing compiled, nothing committed. */
  | { readonly status: "history"; readonly problem: HistoryProblem; readonly branch: string; readonly advice: string }
  | { readonly status: "unchanged" | "committed"; readonly compile: CompileResult; readonly commit: string; readonly branch: string; readonly parent?: string };

export interface CommitRenderOptions {
  readonly maxAttempts?: number;
  readonly ca?: CertificateAuthority;
  readonly rotate?: readonly string[];
  /** The daemon, sole oci writer on its host, takes a lock unchanged for STALE_LOCK_MS for a dead writer's; a one-shot command never does. */
  readonly removeStaleLocks?: boolean;
  /** Signs the rendered commit (the keystore's key): hosts apply only renders signed by a key they trust. */
  readonly signer?: RenderSigner;
  /** How far a long compile is (secrets, certificates). */
  readonly progress?: ProgressSink;
  /**
   * The keys a tip must be signed by to be built on: a hand-edited tip would otherwise hand its
   * state (IPAM, encrypted secrets) to the next render. A tip that is the last known render is
   * taken whatever it carries (renders from before signing).
   */
  readonly verifier?: RenderVerifier;
  /** A rendered commit known to be of this history besides the repository's own record (the daemon's last applied one). */
  readonly known?: string;
  /**
   * `bootstrap`: start a new history (no parent: every secret, certificate and token anew).
   * `accept-rewind`: go on from a branch that no longer descends from the last known render.
   */
  readonly history?: "bootstrap" | "accept-rewind";
  /** Results of earlier compiles in this process (the daemon's). */
  readonly cache?: CompileCache;
  /** The last tree this process wrote, for the next render on top of it (the daemon's). */
  readonly trees?: TreeWriteCache;
  /** Who asked for this render (`oci secrets rotate`): the commit's author, instead of oci. */
  readonly author?: { readonly name: string; readonly email: string };
}

/**
 * Compiles `source` and records the render as a commit on the rendered branch: its tree is the
 * render, its parent the previous rendered commit, its message names the source with a
 * `Source-Commit:` trailer. The previous render (IPAM state …) is the branch tip. No commit when
 * the render equals the tip's tree. The ref moves by compare-and-swap; when another writer moved
 * it first, the compile is redone on the new tip, so no commit is lost and history stays linear.
 */
export async function commitRender(repo: GitRepository, source: string, options: CommitRenderOptions = {}): Promise<CommitRenderResult> {
  const tree = await GitTree.open(repo, source);
  const branch = await renderedBranchOf(tree);
  const ref = `refs/heads/${branch}`;
  const { commit: sourceCommit } = await git.readCommit({ ...repo, oid: source });
  const maxAttempts = options.maxAttempts ?? 20;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const tip = await readRef(repo.gitdir, ref);
    const recorded = await readRef(repo.gitdir, historyRef(branch));
    const known = recorded ?? options.known;
    const problem = (await historyProblem(repo, tip, known)) ?? (await untrusted(repo, tip, [recorded, options.known], options.verifier));
    let history: string | undefined;
    if (options.history === "bootstrap") history = "bootstrap";
    else if (problem?.problem === "rewound" && options.history === "accept-rewind") history = `rewound from ${problem.known}`;
    else if (problem?.problem === "untrusted" && options.history === "accept-rewind") history = `accepted ${problem.tip}`;
    else if (problem) return { status: "history", problem, branch, advice: historyAdvice(branch, problem) };
    const parent = history === "bootstrap" ? undefined : tip;

    // The tip is most often the tree this process wrote last: then it is read from memory, not walked.
    const tipTree = parent ? (await git.readCommit({ ...repo, oid: parent })).commit.tree : undefined;
    const written = options.trees?.last?.gitdir === repo.gitdir && options.trees.last.treeId === tipTree ? options.trees.last : undefined;
    const rendered = parent && !written ? await GitTree.open(repo, parent) : undefined;
    const label = `${branch}@${parent?.slice(0, 7)}:`;
    const previous = written ? previousRenderInMemory(label, written.files) : rendered ? previousRenderFrom(rendered, label) : undefined;
    const result = await compile({
      tree, ...(previous ? { previous } : {}), ...(options.ca ? { ca: options.ca } : {}), rotate: options.rotate ?? [], ...(options.progress ? { progress: options.progress } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
    });
    if (!result.files) return { status: "invalid", compile: result };

    // The set of the tip's blob ids is made only if a changed file needs it (the tree-write cache spares most).
    let tipBlobs: Set<string> | undefined;
    const tipBlobIds = () => (rendered ? rendered.blobIds().values() : [...written!.files.values()].map((f) => f.oid));
    const base = tipTree ? { treeId: tipTree, hasBlob: (id: string) => (tipBlobs ??= new Set(tipBlobIds())).has(id) } : undefined;
    const treeOid = await writeFilesAsTree(repo, result.files, base, options.trees);
    // The same render as the tip, and the tip vouched for as this host would sign it: nothing to commit.
    if (tipTree && treeOid === tipTree && !history && (!options.signer || (await signedBy(repo, parent!, options.signer)))) {
      await recordHistory(repo, branch, recorded, parent!);
      return { status: "unchanged", compile: result, commit: parent!, branch };
    }

    // The rendered commit takes the source commit's time: the same source and parent give the same commit id.
    // A rotation is an act of its own, not a render of the source: it says so, with who did it and when.
    const rotated = [...(options.rotate ?? [])].sort();
    const when = rotated.length > 0
      ? { timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 }
      : { timestamp: sourceCommit.committer.timestamp, timezoneOffset: sourceCommit.committer.timezoneOffset };
    const identity = { name: "oci", email: "oci@localhost", ...when };
    const author = options.author ? { ...options.author, ...when } : identity;
    const subject = rotated.length > 0
      ? `Rotate ${rotated.join(", ")}`.slice(0, 72)
      : sourceCommit.message.split("\n")[0]!.slice(0, 72);
    const statement = { tree: treeOid, ...(parent ? { parent } : {}), source, ...(history ? { history } : {}) };
    const trailers = [`${SOURCE_TRAILER}: ${source}`, ...(history ? [`${HISTORY_TRAILER}: ${history}`] : []), ...(options.signer ? [options.signer.trailer(statement)] : [])];
    const commit = writeCommitObject(repo.gitdir, {
      message: rotated.length > 0
        ? `${subject}\n\nSecrets generated anew: ${rotated.join(", ")}; site as of ${source.slice(0, 12)}.\n\n${trailers.join("\n")}\n`
        : `Render ${source.slice(0, 12)}: ${subject}\n\n${trailers.join("\n")}\n`,
      tree: treeOid,
      parents: parent ? [parent] : [],
      author,
      committer: identity,
    });
    try {
      await compareAndSwapRef(repo.gitdir, ref, tip, commit);
      await recordHistory(repo, branch, recorded, commit);
      return { status: "committed", compile: result, commit, branch, ...(parent ? { parent } : {}) };
    } catch (error) {
      if (!(error instanceof RefMovedError || error instanceof RefLockedError)) throw error;
      if (error instanceof RefLockedError && options.removeStaleLocks) await removeStaleLock(repo.gitdir, ref, STALE_LOCK_MS);
      // Another writer won this round: back off a little, with jitter, and redo on its tip.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
  throw new ConcurrentUpdateError(ref, maxAttempts);
}

/** The statement a rendered commit makes (what its signature must cover), read from the commit itself. */
export async function renderStatementOf(repo: GitRepository, oid: string): Promise<{ statement: RenderStatement; message: string } | undefined> {
  try {
    const { commit } = await git.readCommit({ ...repo, oid });
    const source = new RegExp(`^${SOURCE_TRAILER}: ([0-9a-f]{40})$`, "m").exec(commit.message)?.[1];
    if (!source) return undefined;
    const history = new RegExp(`^${HISTORY_TRAILER}: (bootstrap|rewound from [0-9a-f]{40}|accepted [0-9a-f]{40})$`, "m").exec(commit.message)?.[1];
    return {
      message: commit.message,
      statement: { tree: commit.tree, ...(commit.parent[0] ? { parent: commit.parent[0] } : {}), source, ...(history ? { history } : {}) },
    };
  } catch {
    return undefined;
  }
}

async function signedBy(repo: GitRepository, oid: string, signer: RenderSigner): Promise<boolean> {
  const read = await renderStatementOf(repo, oid);
  return read !== undefined && new RenderVerifier([signer.publicKey]).problem(read.message, read.statement) === undefined;
}

/** Moves the record of the last render; a writer that lost a race leaves it to the winner. */
async function recordHistory(repo: GitRepository, branch: string, recorded: string | undefined, commit: string): Promise<void> {
  if (recorded === commit) return;
  await compareAndSwapRef(repo.gitdir, historyRef(branch), recorded, commit).catch((error: Error) => {
    if (!(error instanceof RefMovedError || error instanceof RefLockedError)) throw error;
  });
}

/** An untrusted-tip problem when the tip is neither a known render nor signed by a trusted key. */
async function untrusted(repo: GitRepository, tip: string | undefined, known: readonly (string | undefined)[], verifier: RenderVerifier | undefined): Promise<HistoryProblem | undefined> {
  if (!tip || !verifier || verifier.size === 0 || known.includes(tip)) return undefined;
  const read = await renderStatementOf(repo, tip);
  const reason = read ? verifier.problem(read.message, read.statement) : "it is no rendered commit (no Source-Commit trailer)";
  const last = known.find((k) => k !== undefined);
  return reason ? { problem: "untrusted", tip, reason, ...(last ? { known: last } : {}) } : undefined;
}
