import { execFile } from "node:child_process";

export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a real program (dhcpd, kea-dhcp4, dnsmasq, git, openssl …) with a time bound; never throws on exit status. */
export function runTool(command: string, args: readonly string[], options: { cwd?: string; input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeout ?? 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: typeof error?.code === "number" ? error.code : 0, output: `${stdout}${stderr}` });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command that must succeed (ten minutes at most); its output, or an error with it. */
export async function must(...command: string[]): Promise<string> {
  const result = await runTool(command[0]!, command.slice(1), { timeout: 600_000 });
  if (result.code !== 0) throw new Error(`${command.join(" ")}: ${result.output}`);
  return result.output;
}
