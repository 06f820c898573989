// The render worker's thread: compiles and commits renders, and reads releases, away from the
// thread that answers DHCP, TFTP and HTTP (a 10,000-machine compile holds a thread for seconds).
// It keeps the compile caches for the life of the daemon. See background-renderer.ts.
import { parentPort } from "node:worker_threads";
import { CompileCache } from "../../compiler/compile-cache.js";
import { repositoryAt, type GitRepository } from "../../compiler/load/git-repository.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import { TreeWriteCache } from "../git/write-tree.js";
import { collectIfGrown } from "../observe/collect-if-grown.js";
import { throttledProgress as throttled } from "../observe/throttled-progress.js";
import { loadRelease } from "../release/release.js";
import { packFiles, transferOf, type PackedFiles } from "./packed-files.js";
import { commitRender } from "./render-branch.js";
import { RenderSigner, RenderVerifier } from "./render-signature.js";
import type { RenderDelta, WorkerReply, WorkerRequest } from "./render-worker-protocol.js";
import type { OutputFile } from "../../compiler/index.js";

const port = parentPort!;
const cache = new CompileCache();
const trees = new TreeWriteCache();
const repositories = new Map<string, GitRepository>();
const repositoryOf = (gitdir: string) => repositories.get(gitdir) ?? repositories.set(gitdir, repositoryAt(gitdir)).get(gitdir)!;

port.on("message", (request: WorkerRequest) => {
  void handle(request).then(
    ([reply, transfer]) => port.postMessage(reply, transfer),
    (error: Error) => port.postMessage({ id: request.id, kind: "failed", name: error.name, message: error.message, ...((error as { code?: string }).code ? { code: (error as { code?: string }).code } : {}) } satisfies WorkerReply),
  ).finally(collectIfGrown);
});

/** The render the daemon's thread was last sent, by path: the next render on it is sent as what changed. */
let sent: { readonly commit: string; readonly files: Map<string, string> } | undefined;

/**
 * The files of `rendered` whose content differs from `before`'s, and the paths it no longer has;
 * `before` is brought up to `rendered` on the way. Most contents are the very strings of the last
 * render (the compile cache's), so comparing 60,000 of them costs little.
 */
function changesSince(before: Map<string, string>, rendered: readonly OutputFile[]): { changed: OutputFile[]; removed: string[] } {
  const changed: OutputFile[] = [];
  for (const file of rendered) {
    if (before.get(file.path) === file.content) continue;
    changed.push(file);
    before.set(file.path, file.content);
  }
  const removed: string[] = [];
  if (before.size !== rendered.length) {
    const now = new Set(rendered.map((f) => f.path));
    for (const path of before.keys()) if (!now.has(path)) removed.push(path);
    for (const path of removed) before.delete(path);
  }
  return { changed, removed };
}

async function handle(request: WorkerRequest): Promise<[WorkerReply, ArrayBuffer[]]> {
  const repo = repositoryOf(request.gitdir);
  if (request.kind === "release") {
    // The daemon's thread takes these files whole: the next render is sent whole too.
    sent = undefined;
    // Read and checked here (every blob, every manifest digest); the daemon's thread only takes it.
    const release = await loadRelease(await GitTree.open(repo, request.commit), request.releaseId);
    const files = packFiles([...release.files].map(([path, content]) => ({ path, content })));
    return [{ id: request.id, kind: "release", files }, transferOf(files)];
  }
  const { options } = request;
  // The files sent last, when the daemon's thread says it holds them.
  const base = sent?.commit === options.base ? sent : undefined;
  const outcome = await commitRender(repo, request.source, {
    cache, trees, removeStaleLocks: options.removeStaleLocks,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.signerKey ? { signer: new RenderSigner(options.signerKey) } : {}),
    ...(options.verifierKeys ? { verifier: new RenderVerifier(options.verifierKeys) } : {}),
    ...(options.known ? { known: options.known } : {}),
    progress: throttled((phase, done, total) => port.postMessage({ id: request.id, kind: "progress", phase, done, total } satisfies WorkerReply)),
  });
  if (outcome.status === "history") return [{ id: request.id, kind: "rendered", outcome }, []];
  const { diagnostics } = outcome.compile;
  if (outcome.status === "invalid") return [{ id: request.id, kind: "rendered", outcome: { status: "invalid", diagnostics } }, []];
  // Not checked against its manifest again: the manifest was made from these very files, in this
  // compile. A render read back from Git (above) is checked.
  let files: PackedFiles | undefined;
  let delta: RenderDelta | undefined;
  if (outcome.status === "committed") {
    const rendered = outcome.compile.files!;
    // Brought up to this render in place below: not what was sent until the reply leaves.
    sent = undefined;
    if (base) {
      const changes = changesSince(base.files, rendered);
      delta = { base: base.commit, changed: packFiles(changes.changed), removed: changes.removed };
    } else {
      files = packFiles(rendered);
    }
    sent = { commit: outcome.commit, files: base ? base.files : new Map(rendered.map((f) => [f.path, f.content])) };
  }
  const packed = files ?? delta?.changed;
  return [
    { id: request.id, kind: "rendered", outcome: { status: outcome.status, diagnostics, commit: outcome.commit, branch: outcome.branch, ...(outcome.parent ? { parent: outcome.parent } : {}), ...(files ? { files } : {}), ...(delta ? { delta } : {}) } },
    packed ? transferOf(packed) : [],
  ];
}
