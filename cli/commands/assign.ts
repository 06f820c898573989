import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { validateWithModel } from "../../compiler/index.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { assignMachines, DEFAULT_HOSTNAME_PATTERN } from "../../compiler/inventory/assign-machine.js";
import type { Role } from "../../compiler/validate/site-model.js";
import { Exit } from "../exit-codes.js";
import { reportDiagnostics } from "../report-diagnostics.js";
import { siteWithInventory } from "../inventory-overlay.js";
import { openSiteSource } from "../site-source.js";

interface AssignFlags {
  cluster: string;
  site: string;
  allMatching?: boolean;
  role?: Role;
  hostnamePattern: string;
  inventory?: string;
}

/** `oci assign`: Machine files from discovered machines, written into the site work tree for review and commit. */
export function registerAssign(program: Command): void {
  program.command("assign")
    .description("write a Machine file for each discovered machine given (or every one a hardware profile matches), in the site work tree, for review and commit")
    .argument("[serial...]", "serials of discovered machines (inventory/discovered/<serial>.yaml)")
    .requiredOption("--cluster <name>", "the cluster the machines join")
    .option("--all-matching", "every discovered machine without a file that a hardware profile matches")
    .option("--role <role>", "the role, instead of the matching hardware profile's")
    .option("--hostname-pattern <pattern>", "hostnames: {cluster}, {role}, {n} (the lowest free number)", DEFAULT_HOSTNAME_PATTERN)
    .option("--site <dir>", "the site work tree", ".")
    .option("--inventory <rev>", "read the discovered machines from this revision (default: the inventory branch this clone has, oci/inventory or origin/oci/inventory, and the work tree's inventory/discovered/)")
    .action(async (serials: string[], flags: AssignFlags, command: Command) => {
      if (serials.length === 0 && !flags.allMatching) command.error("error: give serials, or --all-matching", { exitCode: Exit.usage });
      await openSiteSource(flags.site, {}); // a clear error for a missing site directory
      const { tree, from } = await siteWithInventory(flags.site, flags.inventory);
      if (from) process.stderr.write(`oci: assign: discovered machines from ${from}\n`);
      const { model } = await validateWithModel(tree);
      const result = assignMachines(model, {
        cluster: flags.cluster, serials, ...(flags.allMatching ? { allMatching: true } : {}), ...(flags.role ? { role: flags.role } : {}),
        hostnamePattern: flags.hostnamePattern,
      });
      for (const r of result.refused) process.stderr.write(`oci: assign ${r.serial}: ${r.reason}\n`);
      if (flags.allMatching && result.assigned.length === 0) process.stderr.write("oci: assign: no discovered machine without a file matches a hardware profile\n");
      const written: string[] = [];
      try {
        for (const machine of result.assigned) {
          const path = join(flags.site, machine.path);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, machine.content, { flag: "wx" }); // never over a file the operator has
          written.push(path);
        }
        // The site with the new files must still validate; else none of them stays.
        const diagnostics = (await validateWithModel((await siteWithInventory(flags.site, flags.inventory)).tree)).diagnostics;
        if (hasErrors(diagnostics)) {
          reportDiagnostics(diagnostics, false);
          throw new Error("the site does not validate with the new machine files: none was kept; fix the errors above, or write the files by hand");
        }
      } catch (error) {
        await Promise.all(written.map((path) => rm(path, { force: true })));
        throw error;
      }
      for (const m of result.assigned) process.stdout.write(`${m.path}: ${m.serial}${m.profile ? `, hardware profile ${m.profile}` : ""}${m.rack ? `, rack ${m.rack} (LLDP)` : ""}\n`);
      if (result.assigned.length > 0) process.stdout.write(`review, then: git add ${result.assigned.map((m) => m.path).join(" ")} && git commit\n`);
      process.exitCode = result.refused.length > 0 ? Exit.invalidInput : Exit.ok;
    });
}
