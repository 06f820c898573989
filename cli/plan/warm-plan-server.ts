import { realpathSync, statSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { openRepository } from "../../compiler/load/git-repository.js";
import { collectIfGrown } from "../../runtime/observe/collect-if-grown.js";
import { throttledProgress } from "../../runtime/observe/throttled-progress.js";
import { errorExit } from "../error-exit.js";
import { Exit } from "../exit-codes.js";
import { runPlan, PlanSession } from "./run-plan.js";
import { ALREADY_RUNNING, checkClientMessage, encodeMessage, MessageReader, READY, type ClientMessage, type ServerMessage } from "./warm-plan-protocol.js";

export interface WarmPlanOptions {
  readonly gitdir: string;
  readonly socket: string;
  readonly build: string;
  readonly idleMinutes: number;
}

/**
 * The warm plan process of one repository and build: plans one request at a time, all with one
 * PlanSession, so a plan after the first parses, resolves and emits only what changed since the
 * last. It ends after its idle time (each request sets it; 0 ends it after that request), removing
 * its socket first.
 */
export async function serveWarmPlans(options: WarmPlanOptions): Promise<void> {
  const gitdir = realpathSync(options.gitdir);
  const session = new PlanSession();
  let idleMs = options.idleMinutes * 60_000;
  let idleTimer: NodeJS.Timeout | undefined;
  let queue = Promise.resolve();
  let socketInode: number | undefined;

  const server = createServer((connection) => {
    const reader = new MessageReader(checkClientMessage);
    let taken = false;
    connection.on("data", (chunk) => {
      let messages: ClientMessage[];
      try {
        messages = reader.push(chunk);
      } catch {
        connection.destroy();
        return;
      }
      for (const message of messages) {
        if (taken) continue;
        taken = true;
        queue = queue.then(() => answer(connection, message));
      }
    });
    connection.on("error", () => undefined);
  });

  const shutDown = () => {
    server.close();
    // Only our own socket: a process started after us may have taken the path.
    try {
      if (statSync(options.socket).ino === socketInode) unlinkSync(options.socket);
    } catch {
      // already gone
    }
  };
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      shutDown();
      process.exit(0);
    }, idleMs);
  };

  async function answer(connection: Socket, message: ClientMessage): Promise<void> {
    clearTimeout(idleTimer);
    const send = (m: ServerMessage) => {
      if (!connection.destroyed) connection.write(encodeMessage(m));
    };
    let code: number;
    if (message.build !== options.build) {
      send({ type: "stderr", text: "oci: plan: the warm plan process is of another build of oci\n" });
      code = Exit.runtimeFailure;
    } else {
      try {
        if (realpathSync(openRepository(message.request.repo).gitdir) !== gitdir) throw new Error(`${message.request.repo} is not the repository of this warm plan process (${gitdir})`);
        code = await runPlan(message.request, session, { stdout: (text) => send({ type: "stdout", text }), stderr: (text) => send({ type: "stderr", text }), progress: throttledProgress((phase, done, total) => send({ type: "progress", phase, done, total })) });
      } catch (error) {
        const ended = errorExit(error);
        send({ type: "stderr", text: ended.message });
        code = ended.code;
      }
    }
    idleMs = message.idleMinutes * 60_000;
    if (idleMs === 0) {
      // The client returns once the process is gone from the socket's path: a plan started next starts a new one.
      shutDown();
      send({ type: "exit", code });
      connection.end(() => process.exit(0));
      return;
    }
    send({ type: "exit", code });
    connection.end();
    armIdle();
    collectIfGrown();
  }

  if (!(await listenOrFindRunning(server, options.socket))) {
    process.stdout.write(ALREADY_RUNNING);
    return;
  }
  socketInode = statSync(options.socket).ino;
  armIdle();
  process.stdout.write(READY);
}

/** Listens on the socket, private to its owner; false when a live process already listens there (a stale socket is replaced). */
async function listenOrFindRunning(server: Server, socket: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const mask = process.umask(0o077);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(socket, () => {
          server.off("error", reject);
          resolve();
        });
      });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      if (await answers(socket)) return false;
      unlinkSync(socket);
    } finally {
      process.umask(mask);
    }
  }
  return false;
}

function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socket, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on("error", () => resolve(false));
  });
}
