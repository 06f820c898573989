import { spawn } from "node:child_process";
import { mkdirSync, realpathSync, unlinkSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gitDirOf } from "../../compiler/load/git-dir.js";
import { buildId } from "./build-id.js";
import type { PlanOutput, PlanRequest } from "./run-plan.js";
import { ALREADY_RUNNING, checkServerMessage, encodeMessage, MessageReader, READY } from "./warm-plan-protocol.js";

// sun_path holds 108 bytes, the last a NUL.
const MAX_SOCKET_PATH = 107;
const START_TIMEOUT_MS = 30_000;
const main = fileURLToPath(new URL("../main.js", import.meta.url));

/**
 * Makes the plan in the repository's warm plan process, starting one when none runs. Undefined
 * when it could not (the reason told on stderr): the caller then plans in this process, with the
 * same output.
 */
export async function planInWarmProcess(request: PlanRequest, idleMinutes: number, out: PlanOutput): Promise<number | undefined> {
  const gitdir = realpathSync(gitDirOf(request.repo));
  const build = buildId();
  const socket = join(gitdir, "oci", `warm-plan-${build.slice(0, 16)}.sock`);
  const fallBack = (why: string) => {
    out.stderr(`oci: plan: ${why}; planning in this process\n`);
    return undefined;
  };
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) return fallBack(`the warm plan process's socket path would be longer than ${MAX_SOCKET_PATH} bytes (${socket})`);
  let connection = await connectTo(socket);
  if (typeof connection === "string") {
    if (idleMinutes === 0) return undefined; // nothing to keep, nothing to end
    if (connection === "ECONNREFUSED") unlinkQuietly(socket); // its process is gone
    try {
      mkdirSync(join(gitdir, "oci"), { recursive: true });
      await startProcess(gitdir, socket, build, idleMinutes);
    } catch (error) {
      return fallBack(`could not start a warm plan process: ${(error as Error).message}`);
    }
    connection = await connectTo(socket);
    if (typeof connection === "string") return fallBack(`could not reach the warm plan process at ${socket} (${connection})`);
  }
  const code = await exchange(connection, encodeMessage({ type: "plan", build, idleMinutes, request: { ...request, repo: resolve(request.repo) } }), out);
  return code ?? fallBack("the warm plan process ended before its plan was done");
}

/** A connected socket, or the error code that refused it (ENOENT: none listens there). */
function connectTo(path: string): Promise<Socket | string> {
  return new Promise((resolve) => {
    const socket = connect(path, () => {
      socket.off("error", failed);
      resolve(socket);
    });
    const failed = (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message);
    socket.once("error", failed);
  });
}

/** Starts the warm plan process, detached from this one and its terminal, and waits until it listens. */
function startProcess(gitdir: string, socket: string, build: string, idleMinutes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, "plan-server", "--gitdir", gitdir, "--socket", socket, "--build", build, "--idle-minutes", String(idleMinutes)], {
      cwd: gitdir, detached: true, stdio: ["ignore", "pipe", "ignore"],
    });
    let said = "";
    const timer = setTimeout(() => done(new Error(`it did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout.destroy();
      child.unref();
      if (error) reject(error);
      else resolve();
    };
    child.stdout.on("data", (chunk: Buffer) => {
      said += chunk.toString("utf8");
      if (said === READY || said === ALREADY_RUNNING) done();
    });
    child.on("error", (error) => done(error));
    child.on("exit", (code) => {
      if (said !== READY && said !== ALREADY_RUNNING) done(new Error(`it exited with code ${code}`));
    });
  });
}

/**
 * Sends the request and relays the answer; the exit code, or undefined when the connection ended
 * without one. The plan itself is written only with its exit code: planned again here after a lost
 * process, it is not written twice.
 */
function exchange(connection: Socket, request: string, out: PlanOutput): Promise<number | undefined> {
  return new Promise((resolve) => {
    const reader = new MessageReader(checkServerMessage);
    const planned: string[] = [];
    let code: number | undefined;
    connection.on("data", (chunk) => {
      try {
        for (const message of reader.push(chunk)) {
          if (message.type === "stdout") planned.push(message.text);
          else if (message.type === "stderr") out.stderr(message.text);
          else if (message.type === "progress") out.progress(message.phase, message.done, message.total);
          else {
            code = message.code;
            out.stdout(planned.join(""));
          }
        }
      } catch {
        connection.destroy();
      }
    });
    connection.on("error", () => undefined);
    connection.on("close", () => resolve(code));
    connection.write(request);
  });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // taken away meanwhile
  }
}
