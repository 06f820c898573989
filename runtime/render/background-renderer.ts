import { Worker } from "node:worker_threads";
import type { CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import type { ProgressSink } from "../../compiler/index.js";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import { unpackFiles } from "./packed-files.js";
import type { RenderSigner, RenderVerifier } from "./render-signature.js";
import type { RenderDelta, RenderOutcome, WorkerReply, WorkerRequest } from "./render-worker-protocol.js";

export interface BackgroundRenderOptions {
  readonly removeStaleLocks?: boolean;
  readonly ca?: CertificateAuthority;
  readonly signer?: RenderSigner;
  readonly verifier?: RenderVerifier;
  readonly known?: string;
  readonly progress?: ProgressSink;
}

/** commitRender's outcome as the daemon takes it: a committed render's files by path. */
export type BackgroundRenderOutcome =
  | Exclude<RenderOutcome, { status: "unchanged" | "committed" }>
  | (Omit<Extract<RenderOutcome, { status: "unchanged" | "committed" }>, "files"> & { readonly files?: ReadonlyMap<string, Buffer> });

/** An error the worker threw, with its name and code (ConcurrentUpdateError, OCI3103, …). */
export class RenderWorkerError extends Error {
  constructor(name: string, message: string, readonly code?: string) {
    super(message);
    this.name = name;
  }
}

interface Pending {
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (error: Error) => void;
  readonly progress?: ProgressSink;
}

/**
 * The daemon's compiles and release reads, run on a worker thread that keeps the compile caches:
 * the thread that answers DHCP, TFTP and HTTP is never held by a compile. One request at a time
 * is what the daemon sends; more queue in the worker. A worker that dies fails what it had and is
 * started again on the next request.
 */
export class BackgroundRenderer {
  #worker: Worker | undefined;
  #nextId = 1;
  /** The last render handed back, which the worker sends the next one as changes to. */
  #held: { readonly commit: string; readonly files: ReadonlyMap<string, Buffer> } | undefined;
  readonly #pending = new Map<number, Pending>();

  constructor(private readonly repo: GitRepository) {}

  async commitRender(source: string, options: BackgroundRenderOptions = {}): Promise<BackgroundRenderOutcome> {
    const base = this.#held;
    const reply = await this.#ask({
      kind: "render", gitdir: this.repo.gitdir, source,
      options: {
        removeStaleLocks: options.removeStaleLocks ?? false,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.signer ? { signerKey: options.signer.signingKey } : {}),
        ...(options.verifier ? { verifierKeys: options.verifier.publicKeys } : {}),
        ...(options.known ? { known: options.known } : {}),
        ...(base ? { base: base.commit } : {}),
      },
    }, options.progress);
    if (reply.kind !== "rendered") throw new Error(`render worker answered ${reply.kind} to a render`);
    const { outcome } = reply;
    if (outcome.status === "invalid" || outcome.status === "history") return outcome;
    const { files: packed, delta, ...rest } = outcome;
    if (delta && delta.base !== base?.commit) throw new Error(`render worker sent changes since ${delta.base}, and this thread holds ${base?.commit ?? "nothing"}`);
    const files = packed ? unpackFiles(packed) : delta ? withChanges(base!.files, delta) : undefined;
    if (files) this.#held = { commit: rest.commit, files };
    return { ...rest, ...(files ? { files } : {}) };
  }

  /** A rendered commit's files, read and checked against its manifest (loadRelease) on the worker. */
  async releaseFiles(commit: string, releaseId: string): Promise<Map<string, Buffer>> {
    const reply = await this.#ask({ kind: "release", gitdir: this.repo.gitdir, commit, releaseId });
    if (reply.kind !== "release") throw new Error(`render worker answered ${reply.kind} to a release read`);
    // The worker sends the next render whole after a release read: nothing is held to build on.
    this.#held = undefined;
    return unpackFiles(reply.files);
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #ask(request: DistributiveOmit<WorkerRequest, "id">, progress?: ProgressSink): Promise<WorkerReply> {
    const id = this.#nextId++;
    const worker = this.#started();
    return new Promise<WorkerReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, ...(progress ? { progress } : {}) });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./render-worker.js", import.meta.url));
    worker.unref();
    worker.on("message", (reply: WorkerReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      if (reply.kind === "progress") return pending.progress?.(reply.phase, reply.done, reply.total);
      this.#settled(reply.id);
      if (reply.kind === "failed") pending.reject(new RenderWorkerError(reply.name, reply.message, reply.code));
      else pending.resolve(reply);
    });
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, pending] of this.#pending) {
        this.#settled(id);
        pending.reject(error);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the render worker stopped (exit code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #settled(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
  }
}

/**
 * A render from the one before it and what changed: a new map (the one before is still served
 * until the swap). Each changed file is copied out of the hand-over buffer, so a buffer is not
 * kept alive by one small file for as long as it does not change.
 */
function withChanges(before: ReadonlyMap<string, Buffer>, delta: RenderDelta): Map<string, Buffer> {
  const files = new Map(before);
  for (const path of delta.removed) files.delete(path);
  for (const [path, content] of unpackFiles(delta.changed)) files.set(path, Buffer.from(content));
  return files;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
