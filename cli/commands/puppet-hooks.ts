import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { readDaemonState } from "../../runtime/daemon/daemon-state.js";
import { formatStatusView, statusView } from "../../runtime/daemon/status-report.js";
import { readRemoteState } from "../../runtime/git/remote-mirror.js";
import { formatInventory, machineInventory } from "../../runtime/inventory/machine-inventory.js";
import { decideAutosign } from "../../runtime/puppet/autosign.js";
import { classifyNode } from "../../runtime/puppet/classify-node.js";
import { EyamlDecryptor } from "../../runtime/puppet/eyaml-decrypt.js";
import { PublishedEnvironment, UnknownNodeError } from "../../runtime/puppet/published-environment.js";
import { MACHINE_STATUSES, STATUS_BASENAME, StatusStore } from "../../runtime/state/status-store.js";
import { Exit } from "../exit-codes.js";
import { puppetOptions, type PuppetFlags } from "../puppet-options.js";

function environmentOf(flags: PuppetFlags, command: Command): PublishedEnvironment {
  if (!flags.puppetEnvDir) command.error("error: --puppet-env-dir (or OCI_PUPPET_ENV_DIR) is required", { exitCode: Exit.usage });
  return new PublishedEnvironment(flags.puppetEnvDir!);
}

/** The published release's setup order, or none when nothing is published yet. */
function publishedOrder(flags: PuppetFlags) {
  try {
    return flags.puppetEnvDir ? new PublishedEnvironment(flags.puppetEnvDir).setupOrder() : undefined;
  } catch {
    return undefined;
  }
}

/** `oci enc`, `oci autosign`, `oci status` and `oci machines`: read-only views of what `oci serve` published and recorded. */
export function registerPuppetHooks(program: Command): void {
  puppetOptions(program.command("enc").description("print a node's classification for puppetserver (node_terminus = exec); exit 1 for an unknown node").argument("<certname>"), { publish: false })
    .action((certname: string, flags: PuppetFlags, command: Command) => {
      const environment = environmentOf(flags, command);
      try {
        process.stdout.write(classifyNode(environment, StatusStore.read(join(flags.stateDir, STATUS_BASENAME)), certname));
      } catch (error) {
        if (!(error instanceof UnknownNodeError)) throw error;
        process.stderr.write(`oci: enc: ${error.message}\n`);
        process.exitCode = Exit.invalidInput;
      }
    });

  puppetOptions(program.command("autosign").description("puppet's autosign policy: reads the CSR on stdin, exit 0 only for a known node presenting its token").argument("<certname>"), { publish: false })
    .action(async (certname: string, flags: PuppetFlags, command: Command) => {
      const environment = environmentOf(flags, command);
      const decryptor = new EyamlDecryptor(readFileSync(flags.eyamlPrivateKey, "utf8"));
      const decision = await decideAutosign(environment, decryptor, certname, readFileSync(0, "utf8"));
      if (decision.sign) {
        process.stderr.write(`oci: autosign ${certname}: signed\n`);
        process.exitCode = Exit.ok;
      } else {
        process.stderr.write(`oci: autosign ${certname}: refused: ${decision.reason}\n`);
        process.exitCode = Exit.invalidInput;
      }
    });

  puppetOptions(program.command("status").description("the daemon's applied release, refused commits, and each machine's status and setup gate").option("--json", "print JSON"), { publish: false })
    .action((flags: PuppetFlags & { json?: boolean }) => {
      const view = statusView(readDaemonState(flags.stateDir), publishedOrder(flags), StatusStore.read(join(flags.stateDir, STATUS_BASENAME)), readRemoteState(flags.stateDir));
      process.stdout.write(flags.json ? `${JSON.stringify(view, null, 2)}\n` : formatStatusView(view));
    });

  puppetOptions(program.command("machines").description("every machine this host knows: the release's and the discovered ones without a role, with serial, MACs, address, status, last report and commits")
    .option("--json", "print JSON (the same rows as GET /api/v1/machines)")
    .option("--cluster <name>", "only this cluster's machines").option("--role <role>", "only machines of this role")
    .option("--status <status>", "only machines whose latest report is this status (- for none yet)")
    .option("--unassigned", "only discovered machines the site has no file for"), { publish: false })
    .action((flags: PuppetFlags & { json?: boolean; cluster?: string; role?: string; status?: string; unassigned?: boolean }, command: Command) => {
      if (flags.status !== undefined && flags.status !== "-" && !(MACHINE_STATUSES as readonly string[]).includes(flags.status)) {
        command.error(`error: --status ${flags.status} is no machine status: use one of ${MACHINE_STATUSES.join(", ")} or - (never reported)`, { exitCode: Exit.usage });
      }
      const rows = machineInventory(publishedOrder(flags), StatusStore.read(join(flags.stateDir, STATUS_BASENAME)), {
        ...(flags.cluster ? { cluster: flags.cluster } : {}), ...(flags.role ? { role: flags.role } : {}),
        ...(flags.status ? { status: flags.status } : {}), ...(flags.unassigned ? { unassigned: true } : {}),
      });
      const release = readDaemonState(flags.stateDir)?.release?.id ?? "(none)";
      process.stdout.write(flags.json ? `${JSON.stringify({ release, machines: rows }, null, 2)}\n` : formatInventory(rows));
    });
}
