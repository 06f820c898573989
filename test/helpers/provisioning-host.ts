import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { bareRepoWithClone } from "./git-repo.js";
import { freshKeystore } from "./keystore.js";
import { cliPath, fixtures, repoRoot } from "./paths.js";
import { startPuppetServer, type PuppetServer } from "./puppetserver.js";
import { runTool } from "./run-tool.js";
import { startService, type Service } from "./service.js";

export interface ProvisioningOptions {
  /** The network namespace the provisioning host lives in (made by the caller, with its bridges). */
  readonly ns: string;
  /** Its address there: the site's provisioning.address. */
  readonly address: string;
  /** The site repository's first commit, and files to leave out of it (machines assigned later). */
  readonly site: string;
  readonly withhold?: readonly string[];
  /** Names the site's DNS answers (dnsmasq, DNS only): the puppetserver's and any the caller needs. */
  readonly dns: Readonly<Record<string, string>>;
  readonly puppetCertname: string;
  /** Kept between runs: the apt cache. */
  readonly cache: string;
  readonly work: string;
  /** oci serve --live-dir. */
  readonly liveDir?: string;
  readonly log: (line: string) => void;
}

export interface ProvisioningHost {
  readonly bare: string;
  readonly clone: string;
  readonly stateDir: string;
  readonly envDir: string;
  readonly daemon: Service;
  readonly puppetserver: PuppetServer;
  /** The daemon's JSON log lines, parsed. */
  events(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The first port from `from` that nothing listens on at 127.0.0.1. */
async function freeTcpPort(from: number): Promise<number> {
  for (let port = from; ; port++) {
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

/**
 * The provisioning side of a site, as a provisioning host runs it, inside the caller's network
 * namespace: apt-cacher-ng (on the host's loopback, its cache kept in `cache`, reached from the
 * namespace through two relays over a Unix socket: no routing, no NAT), the site's DNS, `oci serve`
 * following a bare repository with a keystore, and Debian's puppetserver with oci's hooks.
 */
export async function startProvisioningHost(o: ProvisioningOptions): Promise<ProvisioningHost> {
  const services: Service[] = [];
  const stopAll = async () => {
    for (const service of services.splice(0).reverse()) await service.stop();
  };
  try {
    const acng = join(o.work, "acng");
    await mkdir(join(acng, "conf"), { recursive: true });
    await mkdir(join(o.cache, "apt-cacher-ng"), { recursive: true });
    // Below 32768: apt-cacher-ng 3.7 binds nothing on a higher port ("Error resolving address for binding").
    const acngPort = await freeTcpPort(20_000 + Math.floor(Math.random() * 10_000));
    await writeFile(join(acng, "conf/acng.conf"), `Port: ${acngPort}\n`);
    services.push(await startService("apt-cacher-ng", ["apt-cacher-ng", "-c", join(acng, "conf"), "ForeGround=1", `Port=${acngPort}`, "BindAddress=127.0.0.1",
      `CacheDir=${join(o.cache, "apt-cacher-ng")}`, `LogDir=${acng}`, "SupportDir=/usr/lib/apt-cacher-ng", `PidFile=${join(acng, "pid")}`],
    async () => (await runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${acngPort}/`])).output !== "000", 30_000));
    const relay = join(repoRoot, "dist/test/helpers/tcp-relay.js");
    const socket = join(o.work, "acng.sock");
    services.push(await startService("relay (host)", [process.execPath, relay, `unix:${socket}`, `tcp:127.0.0.1:${acngPort}`], /relay ready/, 10_000));
    services.push(await startService("relay (namespace)", ["ip", "netns", "exec", o.ns, process.execPath, relay, `tcp:${o.address}:3142`, `unix:${socket}`], /relay ready/, 10_000));
    services.push(await startService("dnsmasq (DNS only)", ["ip", "netns", "exec", o.ns, "dnsmasq", "--keep-in-foreground", "--log-facility=-", "--conf-file=/dev/null", "--no-resolv",
      "--no-hosts", `--listen-address=${o.address}`, "--bind-interfaces", "--port=53", ...Object.entries(o.dns).map(([name, ip]) => `--address=/${name}/${ip}`),
      `--pid-file=${join(o.work, "dnsmasq.pid")}`], /started, version/, 10_000));

    const { bare, clone } = await bareRepoWithClone(o.site, async (copy) => {
      for (const path of o.withhold ?? []) await rm(join(copy, path));
    });
    const stateDir = join(o.work, "state");
    const envDir = join(o.work, "environments");
    await mkdir(envDir, { recursive: true });
    const keys = { private: join(fixtures, "eyaml/private_key.pkcs7.pem"), public: join(fixtures, "eyaml/public_key.pkcs7.pem") };
    const daemon = await startService("oci serve", ["ip", "netns", "exec", o.ns, process.execPath, cliPath, "serve", "--repo", bare, "--keystore", (await freshKeystore()).dir,
      "--state-dir", stateDir, "--listen", o.address, "--http-port", "80", "--boot-dir", "/usr/lib/ipxe", "--recheck-interval", "1",
      ...(o.liveDir ? ["--live-dir", o.liveDir] : []),
      "--puppet-env-dir", join(envDir, "production"), "--eyaml-private-key", keys.private, "--eyaml-public-key", keys.public], /"event":"ready"/, 120_000);
    services.push(daemon);
    const events = () => daemon.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    const ready = events().find((e) => e["event"] === "ready")!;
    assert.deepEqual((ready["warnings"] as string[] | undefined)?.filter((w) => o.liveDir || !/live image/.test(w)) ?? [], [], "oci serve starts without a warning");

    const hookFlags = ["--puppet-env-dir", join(envDir, "production"), "--state-dir", stateDir, "--eyaml-private-key", keys.private];
    const puppetserver = await startPuppetServer({
      netns: o.ns, address: o.address, certname: o.puppetCertname, dir: join(o.work, "puppetserver"), environmentsDir: envDir,
      enc: [process.execPath, cliPath, "enc", ...hookFlags], autosign: [process.execPath, cliPath, "autosign", ...hookFlags],
      reportUrl: `http://${o.address}/api/v1/puppet-report`, modulepath: [join(repoRoot, "puppet/modules"), "/usr/share/puppet/modules"],
    });
    o.log(`apt-cacher-ng, DNS, oci serve and puppetserver ready in namespace ${o.ns}`);
    return {
      bare, clone, stateDir, envDir, daemon, puppetserver, events,
      stop: async () => {
        await puppetserver.stop();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
