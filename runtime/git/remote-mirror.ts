import { execFile } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApplyLoop } from "../daemon/apply-loop.js";
import { readRef } from "./compare-and-swap-ref.js";

/** What the last exchange with the remote gave: for /healthz, /metrics, the status page and `oci status`. */
export interface RemoteState {
  readonly url: string;
  /** Whether the last fetch and push succeeded; undefined before the first try. */
  readonly ok?: boolean;
  readonly lastSuccessAt?: number;
  readonly lastAttemptAt?: number;
  readonly error?: string;
  /** The source commit the last fetch brought. */
  readonly source?: string;
}

export interface RemoteMirrorOptions {
  /** The host's own repository (bare): what the daemon follows. */
  readonly gitdir: string;
  /** The forge's repository: ssh://, git@host:path, https:// — the git CLI's transports and credentials. */
  readonly url: string;
  readonly sourceBranch: string;
  /** The branches this host writes and pushes back: the rendered branch, the inventory branch. */
  readonly hostBranches: () => readonly string[];
  /** Where RemoteState is kept for `oci status` (a file of the state directory). */
  readonly stateFile?: string;
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Told each exchange's outcome, and the state before it. */
  readonly onState?: (state: RemoteState, before: RemoteState) => void;
}

export const REMOTE_STATE_FILE = "remote.json";

/**
 * The host's repository kept in step with a forge, through the git CLI (ssh and https with the
 * host's keys and credential helpers; isomorphic-git has no ssh). The source branch comes from the
 * remote (forced: the forge's main is the truth, reviewed there); the branches this host writes go
 * back to it (fast-forward only: a rejection means someone else wrote them, and is shown, never
 * forced over). Exchanges never overlap, and a remote that hangs is cut off by the timeout:
 * nothing here stops DHCP, TFTP or HTTP.
 */
export class RemoteMirror {
  #state: RemoteState;
  // #exchange catches its own failures into the state: the loop's error handler never runs.
  readonly #loop = new ApplyLoop(() => this.#exchange(), () => undefined);

  constructor(private readonly options: RemoteMirrorOptions) {
    this.#state = { url: redactUrl(options.url) };
  }

  get state(): RemoteState {
    return this.#state;
  }

  /** Ends the exchanges: the one running finishes, no other starts. */
  close(): Promise<void> {
    return this.#loop.close();
  }

  /** Fetches the source branch and pushes the host's branches; calls during a run fold into one more run after it. */
  sync(): Promise<void> {
    return this.#loop.kick();
  }

  async #exchange(): Promise<void> {
    const now = this.options.now ?? Date.now;
    const at = now();
    const { gitdir, url, sourceBranch } = this.options;
    try {
      await this.#git(["fetch", "--quiet", "--no-tags", url, `+refs/heads/${sourceBranch}:refs/heads/${sourceBranch}`]);
      const mine: string[] = [];
      for (const branch of this.options.hostBranches()) if (await readRef(gitdir, `refs/heads/${branch}`)) mine.push(`refs/heads/${branch}:refs/heads/${branch}`);
      if (mine.length > 0) await this.#git(["push", "--quiet", "--porcelain", url, ...mine]);
      const source = await readRef(gitdir, `refs/heads/${sourceBranch}`);
      this.#set({ url: redactUrl(url), ok: true, lastSuccessAt: now(), lastAttemptAt: at, ...(source ? { source } : {}) });
    } catch (error) {
      this.#set({ ...this.#state, ok: false, lastAttemptAt: at, error: redactUrl((error as Error).message) });
    }
  }

  #set(state: RemoteState): void {
    const before = this.#state;
    this.#state = state;
    if (this.options.stateFile) {
      const temporary = `${this.options.stateFile}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(state)}\n`);
      renameSync(temporary, this.options.stateFile);
    }
    this.options.onState?.(state, before);
  }

  #git(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile("git", ["--git-dir", this.options.gitdir, ...args], {
        timeout: this.options.timeoutMs ?? 60_000,
        // Never a prompt: a daemon has nobody to answer it. ssh without a terminal fails instead of asking.
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_SSH_VARIANT: process.env["GIT_SSH_VARIANT"] ?? "auto", SSH_ASKPASS: "", GIT_ASKPASS: process.env["GIT_ASKPASS"] ?? "" },
      }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const timedOut = (error as { killed?: boolean }).killed === true;
        const what = `git ${args[0]}`;
        const said = (stderr || stdout || error.message).split("\n").map((l) => l.trim()).filter(Boolean);
        // The cause comes first (ssh: connect … refused, remote: …); git's closing advice ("Please make sure …") is dropped.
        const advice = said.findIndex((l) => /^Please make sure/.test(l));
        reject(new Error(timedOut ? `${what}: no answer from the remote within ${(this.options.timeoutMs ?? 60_000) / 1000} s` : `${what}: ${(advice >= 0 ? said.slice(0, advice) : said).slice(0, 3).join(" ")}`));
      });
    });
  }
}

/** A URL as it may be shown: without a password (https://user:secret@host → https://user:***@host). */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+):[^@/\s]+@/gi, "$1:***@");
}

export function remoteStateFile(stateDir: string): string {
  return join(stateDir, REMOTE_STATE_FILE);
}

/** The state the daemon left, for `oci status` run beside it; undefined when it follows no remote. */
export function readRemoteState(stateDir: string): RemoteState | undefined {
  try {
    return JSON.parse(readFileSync(remoteStateFile(stateDir), "utf8")) as RemoteState;
  } catch {
    return undefined;
  }
}
