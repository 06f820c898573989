import type { KeyObject } from "node:crypto";
import type { Diagnostic } from "../../compiler/index.js";
import type { CertificateAuthority } from "../../compiler/pki/certificate-authority.js";
import type { HistoryProblem } from "./render-history.js";
import type { PackedFiles } from "./packed-files.js";

// What the daemon's thread and the render worker say to each other. Keys cross as KeyObject and
// CryptoKey, which Node clones between threads of one process.

export interface RenderRequestOptions {
  readonly removeStaleLocks: boolean;
  readonly ca?: CertificateAuthority;
  readonly signerKey?: KeyObject;
  readonly verifierKeys?: readonly KeyObject[];
  readonly known?: string;
  /** The rendered commit whose files the daemon's thread holds: a render on it comes back as what changed. */
  readonly base?: string;
}

export type WorkerRequest =
  | { readonly id: number; readonly kind: "render"; readonly gitdir: string; readonly source: string; readonly options: RenderRequestOptions }
  | { readonly id: number; readonly kind: "release"; readonly gitdir: string; readonly commit: string; readonly releaseId: string };

/** commitRender's outcome, without what stays in the worker (the IR, the credentials); the render's files packed. */
export type RenderOutcome =
  | { readonly status: "invalid"; readonly diagnostics: readonly Diagnostic[] }
  | { readonly status: "history"; readonly problem: HistoryProblem; readonly branch: string; readonly advice: string }
  | {
    readonly status: "unchanged" | "committed"; readonly diagnostics: readonly Diagnostic[]; readonly commit: string; readonly branch: string; readonly parent?: string;
    /** The render, when committed: whole, or what changed since `base`, the commit the daemon's thread said it holds. */
    readonly files?: PackedFiles;
    readonly delta?: RenderDelta;
  };

/** A render as what changed since one the daemon's thread holds: at 10,000 machines, 5 files of 60,000 (100 MB). */
export interface RenderDelta {
  readonly base: string;
  readonly changed: PackedFiles;
  readonly removed: readonly string[];
}

export type WorkerReply =
  | { readonly id: number; readonly kind: "progress"; readonly phase: string; readonly done: number; readonly total: number }
  | { readonly id: number; readonly kind: "rendered"; readonly outcome: RenderOutcome }
  | { readonly id: number; readonly kind: "release"; readonly files: PackedFiles }
  | { readonly id: number; readonly kind: "failed"; readonly name: string; readonly message: string; readonly code?: string };
