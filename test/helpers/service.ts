import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** A long-running program a test started: its output lines, and how to stop it. */
export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  stop(): Promise<void>;
}

/**
 * Starts `command` and resolves once `ready` holds: a line of its output matches, or a probe
 * answers true (polled every 500 ms). Rejects with its output when it exits first or the bound
 * passes. Stopping sends SIGTERM, then SIGKILL after 20 s.
 */
export async function startService(
  name: string, command: readonly string[], ready: RegExp | ((child: ChildProcess) => Promise<boolean>), timeoutMs: number, options: { cwd?: string } = {},
): Promise<Service> {
  const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"], ...(options.cwd ? { cwd: options.cwd } : {}) });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on("line", (line) => lines.push(line));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${lines.slice(-40).join("\n")}`);
    if (ready instanceof RegExp ? lines.some((l) => ready.test(l)) : await ready(child)) return { name, child, lines, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${lines.slice(-40).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, ready instanceof RegExp ? 50 : 500));
  }
}
