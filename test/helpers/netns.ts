import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { runTool } from "./run-tool.js";

/**
 * Two network namespaces joined by a veth pair: a provisioning host and a client, with nothing
 * else attached, so every packet stays inside them. Removed by `destroy()`.
 */
export class NamespacePair {
  readonly server: string;
  readonly client: string;
  readonly serverIf: string;
  readonly clientIf: string;

  private constructor(id: string) {
    this.server = `ocis-${id}`;
    this.client = `ocic-${id}`;
    this.serverIf = `os${id}`;
    this.clientIf = `oc${id}`;
  }

  static async create(serverAddress: string): Promise<NamespacePair> {
    const pair = new NamespacePair(randomBytes(3).toString("hex"));
    await must("ip", ["netns", "add", pair.server]);
    await must("ip", ["netns", "add", pair.client]);
    await must("ip", ["link", "add", pair.serverIf, "netns", pair.server, "type", "veth", "peer", "name", pair.clientIf, "netns", pair.client]);
    await pair.inServer("ip", "addr", "add", serverAddress, "dev", pair.serverIf);
    for (const [ns, dev] of [[pair.server, pair.serverIf], [pair.client, pair.clientIf]] as const) {
      await must("ip", ["-n", ns, "link", "set", "lo", "up"]);
      await must("ip", ["-n", ns, "link", "set", dev, "up"]);
    }
    return pair;
  }

  inServer(...command: string[]) {
    return must("ip", ["netns", "exec", this.server, ...command]);
  }

  /** Runs a command in the client namespace; resolves with its exit code and output, never throws on status. */
  inClient(...command: string[]) {
    return runTool("ip", ["netns", "exec", this.client, ...command]);
  }

  async setClientMac(mac: string): Promise<void> {
    await must("ip", ["-n", this.client, "link", "set", this.clientIf, "down"]);
    await must("ip", ["-n", this.client, "link", "set", this.clientIf, "address", mac]);
    await must("ip", ["-n", this.client, "link", "set", this.clientIf, "up"]);
  }

  /** Starts a long-running process in the server namespace and waits (bounded) for a stdout line matching `ready`. */
  async startInServer(command: string[], ready: RegExp): Promise<{ child: ChildProcess; lines: string[] }> {
    const child = spawn("ip", ["netns", "exec", this.server, ...command], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 20 s:\n${lines.join("\n")}`)), 20_000);
      child.once("exit", (code) => reject(new Error(`exited ${code}:\n${lines.join("\n")}`)));
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on("line", (line) => {
          lines.push(line);
          if (ready.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
    return { child, lines };
  }

  async destroy(): Promise<void> {
    await runTool("ip", ["netns", "del", this.server]);
    await runTool("ip", ["netns", "del", this.client]);
  }
}

async function must(command: string, args: string[]) {
  const result = await runTool(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.output}`);
  return result;
}

/** Stops a server started with startInServer and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
