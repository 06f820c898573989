import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { freePort } from "../../helpers/ports.js";
import { bareRepoWithClone, gitCli } from "../../helpers/git-repo.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { cliPath, fixtures, sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { runTool } from "../../helpers/run-tool.js";
import { tempDir } from "../../helpers/temp-dirs.js";


interface Run {
  readonly code: Promise<number | null>;
  readonly stdout: string[];
  readonly stderr: string[];
  kill(): void;
  ready(): Promise<Record<string, unknown>>;
  closeStdout(): void;
}

function startServe(args: string[]): Run {
  const child = spawn(process.execPath, [cliPath, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => stdout.push(l));
  createInterface({ input: child.stderr! }).on("line", (l) => stderr.push(l));
  const code = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  void code.then(() => clearTimeout(timer));
  return {
    code, stdout, stderr, kill: () => child.kill("SIGTERM"), closeStdout: () => child.stdout!.destroy(),
    ready: async () => {
      for (;;) {
        const line = stdout.find((l) => l.includes('"event":"ready"'));
        if (line) return JSON.parse(line) as Record<string, unknown>;
        if (child.exitCode !== null) throw new Error(`oci serve exited ${child.exitCode}: ${stderr.join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

describe("oci serve starts whole or not at all, and says what would make machines fail", { timeout: 180_000 }, () => {
  const running: Run[] = [];
  const held: Socket[] = [];
  after(async () => {
    for (const run of running) run.kill();
    await Promise.all(running.map((r) => r.code));
    for (const socket of held) socket.close();
  });

  it("a taken TFTP port: exit 3, naming the service and the port, before anything is published or committed", async () => {
    const { bare } = await bareRepoWithClone(sampleSite);
    const work = await tempDir("oci-start-");
    const tftpPort = await freePort("udp");
    const taken = createSocket("udp4");
    await new Promise<void>((resolve) => taken.bind(tftpPort, "127.0.0.1", resolve));
    held.push(taken);
    const run = startServe(["--repo", bare, "--keystore", (await freshKeystore()).dir, "--listen", "127.0.0.1", "--dhcp-port", String(await freePort("udp")),
      "--tftp-port", String(tftpPort), "--http-port", String(await freePort("tcp")), "--state-dir", join(work, "state"), "--puppet-env-dir", join(work, "env", "production"),
      "--eyaml-private-key", join(fixtures, "eyaml/private_key.pkcs7.pem"), "--eyaml-public-key", join(fixtures, "eyaml/public_key.pkcs7.pem")]);
    running.push(run);
    assert.equal(await run.code, 3);
    assert.match(run.stderr.join("\n"), new RegExp(`cannot bind TFTP on 127\\.0\\.0\\.1:${tftpPort}: .*EADDRINUSE`));
    assert.ok(!run.stdout.some((l) => l.includes('"event":"ready"')), "never said ready");
    assert.equal(existsSync(join(work, "env")), false, "nothing published to puppet");
    assert.notEqual((await runTool("git", ["--git-dir", bare, "rev-parse", "--verify", "-q", "oci/rendered"])).code, 0, "no render committed");
  });

  it("--listen 127.0.0.1 binds DHCP to 127.0.0.1, not to every address", async () => {
    const work = await tempDir("oci-start-");
    const render = join(work, "render");
    assert.equal((await runOci(["compile", sampleSite, "--out", render])).code, 0);
    const dhcpPort = await freePort("udp");
    const run = startServe(["--render", render, "--listen", "127.0.0.1", "--dhcp-port", String(dhcpPort), "--tftp-port", String(await freePort("udp")),
      "--http-port", String(await freePort("tcp")), "--state-dir", join(work, "state")]);
    running.push(run);
    const ready = await run.ready();
    assert.deepEqual(ready["dhcp"], { address: "127.0.0.1", port: dhcpPort });
    // /proc/net/udp: the local address of the socket on that port, little-endian hex.
    const bound = (await readFile("/proc/net/udp", "utf8")).split("\n").map((l) => l.trim().split(/\s+/)[1]).filter((a) => a?.endsWith(`:${dhcpPort.toString(16).toUpperCase().padStart(4, "0")}`));
    assert.deepEqual(bound, [`0100007F:${dhcpPort.toString(16).toUpperCase().padStart(4, "0")}`]);
    run.kill();
    assert.equal(await run.code, 0);
  });

  it("a closed log pipe (journald restarted) does not end the daemon", async () => {
    const work = await tempDir("oci-start-");
    const render = join(work, "render");
    assert.equal((await runOci(["compile", sampleSite, "--out", render])).code, 0);
    const httpPort = await freePort("tcp");
    const run = startServe(["--render", render, "--listen", "127.0.0.1", "--no-dhcp", "--no-tftp", "--http-port", String(httpPort), "--state-dir", join(work, "state")]);
    running.push(run);
    await run.ready();
    run.closeStdout();
    // Every request logs a line into the closed pipe.
    for (let i = 0; i < 20; i++) assert.equal((await fetch(`http://127.0.0.1:${httpPort}/ipxe/52-54-00-00-00-04`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200, "still serving");
  });

  it("warns in the log, /healthz and oci status: boot URLs on another port, no live image, an unreadable eyaml key", async () => {
    const { bare } = await bareRepoWithClone(sampleSite);
    const work = await tempDir("oci-start-");
    const httpPort = await freePort("tcp");
    const state = join(work, "state");
    const run = startServe(["--repo", bare, "--keystore", (await freshKeystore()).dir, "--listen", "127.0.0.1", "--no-dhcp", "--no-tftp", "--http-port", String(httpPort),
      "--state-dir", state, "--eyaml-private-key", join(work, "no-such-key.pem")]);
    running.push(run);
    const ready = await run.ready();
    const warnings = ready["warnings"] as string[];
    assert.ok(warnings.some((w) => /boot URLs use port 80 .* served on port \d+/.test(w)), warnings.join("\n"));
    assert.ok(warnings.some((w) => /due an install but the live image is not served: --live-dir is not set/.test(w)), warnings.join("\n"));
    assert.ok(warnings.some((w) => /eyaml private key cannot be read .*no-such-key\.pem/.test(w)), warnings.join("\n"));
    assert.equal(run.stdout.filter((l) => l.includes('"event":"serve.warning"')).length, warnings.length);
    const health = (await (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).json()) as { warnings: string[] };
    assert.deepEqual(health.warnings, warnings);
    const status = await runOci(["status", "--state-dir", state]);
    for (const warning of warnings) assert.ok(status.stdout.includes(`warning: ${warning}`), status.stdout);
    assert.match(await gitCli(bare, "log", "-1", "--format=%s", "oci/rendered"), /Render/);
  });
});
