import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { LOG_FORMATS, setLogFormat, type LogFormat } from "../../runtime/observe/metrics.js";
import { keystorePath } from "../../runtime/pki/keystore.js";
import { serve } from "../../runtime/serve/serve.js";
import { Exit } from "../exit-codes.js";
import { puppetOptions, type PuppetFlags } from "../puppet-options.js";

interface ServeFlags extends PuppetFlags {
  render?: string;
  repo?: string;
  branch?: string;
  sourceBranch: string;
  inventoryBranch: string;
  remote?: string;
  allowedSigners?: string;
  fetchInterval: string;
  webhookSecretFile?: string;
  logFormat?: LogFormat;
  keystore?: string;
  compile?: boolean;
  recheckInterval: string;
  listen: string;
  dhcp: boolean;
  dhcpPort: string;
  tftp: boolean;
  tftpPort: string;
  tftpEngine: "auto" | "js";
  httpPort: string;
  stateDir: string;
  bootDir: string[];
  liveDir?: string;
  renderSigner?: string[];
}

export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("the provisioning daemon: follows the site repository (compile, apply, publish to puppet, commit discoveries) and serves DHCP, TFTP and HTTP boot, the report APIs, /metrics and /healthz")
    .addOption(new Option("--render <dir>", "serve one render directory (no repository, no watching)").conflicts("repo"))
    .addOption(new Option("--repo <dir>", "the site repository to follow (bare or not)").env("OCI_REPO"))
    .addOption(new Option("--source-branch <name>", "the branch the site is committed to").env("OCI_SOURCE_BRANCH").default("main"))
    .addOption(new Option("--inventory-branch <name>", "the branch discoveries are committed to, a history of their own (oci assign reads it)").env("OCI_INVENTORY_BRANCH").default("oci/inventory"))
    .addOption(new Option("--remote <url>", "a forge's repository to follow with --repo (ssh or https, the git CLI's credentials): its source branch is fetched into --repo, this host's rendered and inventory branches pushed back").env("OCI_REMOTE"))
    .addOption(new Option("--fetch-interval <seconds>", "with --remote: fetch this often, besides on the webhook").env("OCI_FETCH_INTERVAL").default("60"))
    .addOption(new Option("--webhook-secret-file <file>", "with --remote: the forge webhook's shared secret; POST /api/v1/hooks/git with its signature fetches at once").env("OCI_WEBHOOK_SECRET_FILE"))
    .addOption(new Option("--allowed-signers <file>", "compile only source commits signed (SSH signatures) by a key of this allowed-signers file, kept on this host").env("OCI_ALLOWED_SIGNERS"))
    .addOption(new Option("--branch <name>", "the rendered branch, when site.yaml names none (default oci/rendered)").env("OCI_RENDERED_BRANCH"))
    .addOption(new Option("--keystore <dir>", "the CA keystore; with it this host compiles each source commit and commits its render (default $OCI_KEYSTORE)"))
    .option("--compile", "compile source commits even without a keystore (certificates are then listed, not issued)")
    .addOption(new Option("--recheck-interval <seconds>", "re-read the refs this often even without a filesystem event").env("OCI_RECHECK_INTERVAL").default("5"))
    .addOption(new Option("--state-dir <dir>", "leases, machine status and daemon state").env("OCI_STATE_DIR").default("/var/lib/oci"))
    .addOption(new Option("--listen <ip>", "the provisioning host's address on its PXE segment. TFTP and HTTP bind it; DHCP binds 0.0.0.0 tied to that address's interface (SO_BINDTODEVICE: it hears that segment and relayed requests, no other interface), or the address itself on loopback; requests without giaddr are served for the network of this address. 0.0.0.0: every interface").env("OCI_LISTEN").default("0.0.0.0"))
    .option("--no-dhcp", "do not serve DHCP (Kea or ISC dhcpd use the generated configuration instead)")
    .addOption(new Option("--dhcp-port <n>", "DHCP server port").default("67"))
    .option("--no-tftp", "do not serve TFTP")
    .addOption(new Option("--tftp-port <n>", "TFTP port").default("69"))
    .addOption(new Option("--tftp-engine <engine>", "auto: the native data pump when it was built, else JavaScript; js: JavaScript only").choices(["auto", "js"]).env("OCI_TFTP_ENGINE").default("auto"))
    .addOption(new Option("--http-port <n>", "HTTP port: the port of site.yaml's provisioning.httpPort (default 80 in both), which every boot URL names").env("OCI_HTTP_PORT").default("80"))
    .addOption(new Option("--boot-dir <dir...>", "directories TFTP serves boot programs from").default(["/usr/lib/ipxe", "/usr/lib/PXELINUX", "/usr/lib/syslinux/modules/bios"]))
    .addOption(new Option("--live-dir <dir>", "directory of the live image served under /live/ (HTTP and TFTP)").env("OCI_LIVE_DIR"))
    .addOption(new Option("--log-format <format>", "json: one object per line (journald, log shippers); text: for reading. Default: text on a terminal, else json").choices(LOG_FORMATS).env("OCI_LOG_FORMAT"))
    .addOption(new Option("--render-signer <file...>", "public key (render-signing.pub of the compiling host's keystore) whose signed renders this host applies; a host with --keystore trusts its own"));
  puppetOptions(command, { publish: true }).action(async (flags: ServeFlags, self: Command) => {
    if (!flags.render && !flags.repo) self.error("error: one of --render <dir> or --repo <dir> is required", { exitCode: Exit.usage });
    setLogFormat(flags.logFormat ?? (process.stdout.isTTY ? "text" : "json"));
    const port = (text: string, name: string) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 0 || n > 65535) self.error(`error: ${name} must be a port number`, { exitCode: Exit.usage });
      return n;
    };
    const recheck = Number(flags.recheckInterval);
    if (!(recheck > 0 && recheck <= 3600)) self.error("error: --recheck-interval must be between 0 and 3600 seconds", { exitCode: Exit.usage });
    if (flags.remote && !flags.repo) self.error("error: --remote follows a forge into the repository given by --repo", { exitCode: Exit.usage });
    if (flags.webhookSecretFile && !flags.remote) self.error("error: --webhook-secret-file goes with --remote", { exitCode: Exit.usage });
    const fetchInterval = Number(flags.fetchInterval);
    if (!(fetchInterval >= 5 && fetchInterval <= 86_400)) self.error("error: --fetch-interval must be between 5 and 86400 seconds", { exitCode: Exit.usage });
    let webhookSecret: string | undefined;
    if (flags.webhookSecretFile) {
      try {
        webhookSecret = readFileSync(flags.webhookSecretFile, "utf8").trim();
      } catch (error) {
        self.error(`error: --webhook-secret-file ${flags.webhookSecretFile}: ${(error as Error).message}`, { exitCode: Exit.usage });
      }
      if (!webhookSecret || webhookSecret.length < 16) self.error(`error: --webhook-secret-file ${flags.webhookSecretFile}: the secret must have 16 characters or more`, { exitCode: Exit.usage });
    }
    if (flags.allowedSigners) {
      try {
        readFileSync(flags.allowedSigners, "utf8");
      } catch (error) {
        self.error(`error: --allowed-signers ${flags.allowedSigners}: ${(error as Error).message}`, { exitCode: Exit.usage });
      }
    }
    const keystore = keystorePath(flags.keystore);
    const puppet = flags.puppetEnvDir
      ? { directory: flags.puppetEnvDir, keep: Number(flags.puppetKeep), eyamlPrivateKey: flags.eyamlPrivateKey, eyamlPublicKey: flags.eyamlPublicKey }
      : undefined;
    if (puppet && !(Number.isInteger(puppet.keep) && puppet.keep >= 0)) self.error("error: --puppet-keep must be a whole number", { exitCode: Exit.usage });
    let server: Awaited<ReturnType<typeof serve>>;
    try {
      server = await serve({
        ...(flags.render ? { render: flags.render } : {}), ...(flags.repo ? { repo: flags.repo } : {}), ...(flags.branch ? { branch: flags.branch } : {}),
        sourceBranch: flags.sourceBranch, inventoryBranch: flags.inventoryBranch,
        ...(flags.allowedSigners ? { allowedSigners: flags.allowedSigners } : {}),
        ...(flags.remote ? { remote: { url: flags.remote, fetchIntervalMs: fetchInterval * 1000, ...(webhookSecret ? { webhookSecret } : {}) } } : {}),
        ...(keystore ? { keystore } : {}), ...(flags.compile ? { compile: true } : {}), ...(puppet ? { puppet } : {}),
        recheckMs: recheck * 1000,
        listen: flags.listen, dhcp: flags.dhcp, dhcpPort: port(flags.dhcpPort, "--dhcp-port"), tftp: flags.tftp, tftpPort: port(flags.tftpPort, "--tftp-port"), tftpEngine: flags.tftpEngine,
        httpPort: port(flags.httpPort, "--http-port"), stateDir: flags.stateDir,
        bootDirs: [...(flags.liveDir ? [flags.liveDir] : []), ...flags.bootDir], ...(flags.liveDir ? { liveDir: flags.liveDir } : {}),
        eyamlPrivateKey: flags.eyamlPrivateKey, ...(flags.renderSigner ? { renderSigners: flags.renderSigner } : {}),
      });
    } catch (error) {
      // A port taken, an address missing: exit now (systemd restarts the unit), never half started.
      const code = (error as { code?: string }).code;
      process.stderr.write(`oci: serve: error${code ? ` ${code}` : ""}: ${(error as Error).message}\n`);
      process.exit(Exit.runtimeFailure);
    }
    const stop = () => void server.close().then(() => process.exit(Exit.ok));
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    process.on("SIGHUP", () => void server.daemon?.applyNow());
  });
}
