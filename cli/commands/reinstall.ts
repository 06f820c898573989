import { execFile } from "node:child_process";
import { rename, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { join } from "node:path";
import type { Command } from "commander";
import { validateWithModel } from "../../compiler/index.js";
import { raiseInstallGeneration, ReinstallError } from "../../compiler/inventory/raise-install-generation.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { bootDevice, power } from "../../runtime/bmc/ipmi-power.js";
import { PublishedEnvironment } from "../../runtime/puppet/published-environment.js";
import { installedGeneration } from "../../runtime/release/boot-answer.js";
import { STATUS_BASENAME, StatusStore } from "../../runtime/state/status-store.js";
import { bmcOptions, targetOf, type BmcFlags } from "./bmc.js";

interface ReinstallFlags extends BmcFlags {
  site: string;
  commit?: boolean;
  powerCycle?: boolean;
}

/**
 * `oci reinstall`, in two places: in the site work tree it raises the machine's installGeneration
 * (a change for review, committed with --commit); on the provisioning host, once the daemon serves
 * that commit, --power-cycle sets the next boot to PXE and cycles the power through the BMC.
 */
export function registerReinstall(program: Command): void {
  bmcOptions(program.command("reinstall")
    .description("reinstall a machine: raise its installGeneration in the site work tree (--commit to commit it); on the provisioning host, once that commit is served, --power-cycle boots it from PXE")
    .argument("<machine>", "hostname or FQDN")
    .option("--site <dir>", "the site work tree", ".")
    .option("--commit", "commit the machine file alone, with a message naming the machine and the generations")
    .option("--power-cycle", "on the provisioning host: check the served release asks an install this machine has not done, then next boot PXE and power cycle (or on)"))
    .action(async (machine: string, flags: ReinstallFlags) => {
      if (flags.powerCycle) await bootToReinstall(machine, flags);
      else await raiseInWorkTree(machine, flags);
    });
}

async function raiseInWorkTree(machine: string, flags: ReinstallFlags): Promise<void> {
  const tree = new DirectoryTree(flags.site);
  const { model } = await validateWithModel(tree);
  const texts = new Map<string, string>();
  for (const m of model.machines) texts.set(m.source.path, await tree.readFile(m.source.path));
  const raised = raiseInstallGeneration(model, machine, (path) => texts.get(path)!);
  const path = join(flags.site, raised.path);
  // Whole or not at all: the operator's file is never left half written.
  await writeFile(`${path}.oci-tmp`, raised.content);
  await rename(`${path}.oci-tmp`, path);
  process.stdout.write(`${raised.path}: installGeneration ${raised.from} → ${raised.to}\n`);
  if (flags.commit) {
    const message = `Reinstall ${raised.hostname}: installGeneration ${raised.from} → ${raised.to}\n\nIts disk is wiped and installed again at its next PXE boot (oci reinstall).`;
    const git = promisify(execFile);
    try {
      await git("git", ["-C", flags.site, "commit", "-q", "-m", message, "--", raised.path]);
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new ReinstallError(machine, `git commit: ${(stderr || stdout || String(error)).trim()} (the file is changed; commit it yourself)`);
    }
    process.stdout.write(`committed: ${(await git("git", ["-C", flags.site, "log", "-1", "--format=%h %s"])).stdout.trim()}\n`);
  }
  process.stdout.write(`next: ${flags.commit ? "" : "review and commit it, "}push it; once oci serve serves that commit, on the provisioning host: oci reinstall ${machine} --power-cycle\n`);
}

async function bootToReinstall(machine: string, flags: ReinstallFlags): Promise<void> {
  const environment = new PublishedEnvironment(flags.puppetEnvDir!);
  const hostname = machine.split(".")[0]!;
  const m = environment.setupOrder().machines.find((x) => x.fqdn === machine || x.hostname === hostname);
  if (!m) throw new ReinstallError(machine, "is not in the release oci serve publishes (is the commit that adds it served yet?)");
  if (m.installGeneration === undefined) throw new ReinstallError(m.fqdn, "the served release does not install it (its machine file has no install: true)");
  const installed = installedGeneration(StatusStore.read(join(flags.stateDir, STATUS_BASENAME)), m);
  if (installed >= m.installGeneration) {
    throw new ReinstallError(m.fqdn, `the served release asks install generation ${m.installGeneration}, which it reported installed already: its PXE boot would answer "boot your disk". `
      + `Raise it first (oci reinstall ${m.hostname} --commit in the site work tree, then push), and run this once oci serve serves that commit`);
  }
  const target = targetOf(m.fqdn, flags);
  process.stdout.write(`${m.fqdn}: install generation ${m.installGeneration} due (installed: ${installed || "none"})\n`);
  process.stdout.write(`${m.fqdn}: ${await bootDevice(target, "pxe")}\n`);
  const on = /\bon\b/.test(await power(target, "status"));
  process.stdout.write(`${m.fqdn}: ${await power(target, on ? "cycle" : "on")}\n`);
}
