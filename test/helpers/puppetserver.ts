import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "./run-tool.js";
import { startService, type Service } from "./service.js";

export interface PuppetServerOptions {
  /** The network namespace it runs in, and its address there. */
  readonly netns: string;
  readonly address: string;
  /** Its certname, which agents name as their server. */
  readonly certname: string;
  /** Its own directory: configuration, CA, caches, logs. */
  readonly dir: string;
  /** Where the environments are: `production` in it is the symlink oci serve publishes. */
  readonly environmentsDir: string;
  /** The hooks, as puppetserver runs them (certname appended): argv of `oci enc` and `oci autosign` with their flags. */
  readonly enc: readonly string[];
  readonly autosign: readonly string[];
  readonly reportUrl: string;
  readonly modulepath: readonly string[];
}

export interface PuppetServer {
  readonly service: Service;
  /** The facts the agent of `certname` sent with its last catalog request, as puppetserver cached them. */
  factsOf(certname: string): Promise<Record<string, unknown> | undefined>;
  stop(): Promise<void>;
}

const INSTALL = "/usr/share/puppetserver";

/**
 * Debian's puppetserver, as a provisioning host runs it, with a configuration of its own (nothing
 * under /etc is touched): the ENC and autosign hooks, reports by the `http` report processor to
 * oci serve, and hiera-eyaml on JRuby's load path — the settings deploy/install.sh makes.
 */
export async function startPuppetServer(options: PuppetServerOptions): Promise<PuppetServer> {
  const { dir } = options;
  const conf = join(dir, "conf.d");
  const services = join(dir, "services.d");
  const confdir = join(dir, "puppet");
  for (const d of [conf, services, confdir, join(dir, "var"), join(dir, "run"), join(dir, "log"), join(dir, "code")]) await mkdir(d, { recursive: true });
  for (const file of ["bootstrap.cfg", "ca.cfg"]) await copyFile(join("/etc/puppet/puppetserver/services.d", file), join(services, file));
  for (const file of ["auth.conf", "metrics.conf", "web-routes.conf"]) await copyFile(join("/etc/puppet/puppetserver/conf.d", file), join(conf, file));
  const eyaml = (await runTool("dpkg", ["-L", "hiera-eyaml"])).output.split("\n").find((l) => l.endsWith("/hiera/backend/eyaml.rb"))?.replace(/\/hiera\/backend\/eyaml\.rb$/, "");
  if (!eyaml) throw new Error("hiera-eyaml is not installed");
  await writeFile(join(conf, "puppetserver.conf"), `jruby-puppet: {
    ruby-load-path: [/usr/lib/puppetserver/ruby/vendor_ruby, ${eyaml}]
    gem-home: ${dir}/var/jruby-gems
    gem-path: [\${jruby-puppet.gem-home}, "/usr/lib/puppetserver/vendored-jruby-gems"]
    server-conf-dir: ${confdir}
    server-code-dir: ${dir}/code
    server-var-dir: ${dir}/var
    server-run-dir: ${dir}/run
    server-log-dir: ${dir}/log
    max-active-instances: 2
}
http-client: {}
profiler: {}
`);
  await writeFile(join(conf, "webserver.conf"), `webserver: {\n    client-auth: want\n    ssl-host: ${options.address}\n    ssl-port: 8140\n}\n`);
  await writeFile(join(conf, "global.conf"), `global: { logging-config: ${dir}/logback.xml }\n`);
  await writeFile(join(conf, "ca.conf"), "certificate-authority: {}\n");
  await writeFile(join(dir, "logback.xml"), (await readFile("/etc/puppet/puppetserver/logback.xml", "utf8")).replaceAll("/var/log/puppetserver", join(dir, "log")));
  const hook = async (name: string, argv: readonly string[]) => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\nexec ${argv.map((a) => `'${a}'`).join(" ")} "$1"\n`);
    await chmod(path, 0o755);
    return path;
  };
  await writeFile(join(confdir, "puppet.conf"), [
    // Debian's puppet keeps its CA in /etc/puppet/puppetserver/ca and certificates in /var/lib/puppet/ssl
    // whatever the conf dir: each server of a test has its own, or a certname signed by another run's
    // CA would not match its new key.
    "[main]", `certname = ${options.certname}`, `server = ${options.certname}`, `dns_alt_names = ${options.certname}`, `ssldir = ${dir}/ssl`,
    "[server]", `cadir = ${dir}/ca`, "node_terminus = exec", `external_nodes = ${await hook("oci-enc", options.enc)}`, `autosign = ${await hook("oci-autosign", options.autosign)}`,
    "reports = http", `reporturl = ${options.reportUrl}`, `environmentpath = ${options.environmentsDir}`, `basemodulepath = ${options.modulepath.join(":")}`,
    "environment_timeout = 0", "",
  ].join("\n"));
  const service = await startService("puppetserver", ["ip", "netns", "exec", options.netns, "java", "-Xms512m", "-Xmx1536m", "-Djruby.lib=/usr/share/jruby/lib", "-XX:+CrashOnOutOfMemoryError",
    "-jar", `${INSTALL}/puppetserver.jar`, "--config", conf, "--bootstrap-config", services],
  async () => (await runTool("ip", ["netns", "exec", options.netns, "curl", "-sk", "-m", "5", `https://${options.address}:8140/status/v1/simple`])).output.trim() === "running", 600_000, { cwd: INSTALL });
  return {
    service,
    // puppetserver 7 caches an agent's facts as JSON under server_data (not the YAML of older servers).
    factsOf: async (certname) => {
      const text = await readFile(join(dir, "var/server_data/facts", `${certname}.json`), "utf8").catch(() => undefined);
      return text === undefined ? undefined : (JSON.parse(text) as { values?: Record<string, unknown> }).values;
    },
    stop: () => service.stop(),
  };
}
