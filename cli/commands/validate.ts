import type { Command } from "commander";
import { validateWithModel } from "../../compiler/index.js";
import { matchingProfile } from "../../compiler/inventory/hardware-profile-match.js";
import type { SiteModel } from "../../compiler/validate/site-model.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { Exit } from "../exit-codes.js";
import { reportDiagnostics } from "../report-diagnostics.js";
import { siteWithInventory } from "../inventory-overlay.js";
import { openSiteSource } from "../site-source.js";

/** Each discovered machine the site has no file for, and the hardware profile that matches it: what `oci assign` would use. */
function profileMatches(model: SiteModel): string {
  const assigned = new Set([...model.machines.map((m) => m.doc.serial), ...model.machineIdentities.map((m) => m.serial)]);
  const profiles = model.profiles.map((p) => p.doc);
  return model.discovered.filter((d) => !assigned.has(d.doc.serial)).map((d) => {
    const profile = matchingProfile(profiles, d.doc);
    return `${d.source.path}: ${profile ? `hardware profile ${profile.name} matches (role ${profile.role}): oci assign ${d.doc.serial} --cluster <name>` : "no hardware profile matches: oci assign with --role"}\n`;
  }).join("");
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check a site: YAML syntax, schemas and semantic rules; print every problem at once")
    .argument("[site-dir]", "the site's directory (default: the current directory)")
    .option("--rev <rev>", "read the site from this commit of the repository instead of a directory")
    .option("--repo <dir>", "the Git repository for --rev (default: the current directory)")
    .option("--inventory <rev>", "the discovered machines of this revision (default: the inventory branch this clone has, oci/inventory or origin/oci/inventory)")
    .option("--json", "print diagnostics as a JSON array on stdout")
    .action(async (siteDir: string | undefined, options: { rev?: string; repo?: string; inventory?: string; json?: boolean }) => {
      const source = await openSiteSource(siteDir, options);
      // A work tree: the provisioning host's discoveries (their own branch) laid over it, for the profile matches below.
      const tree = source.kind === "directory" ? (await siteWithInventory(siteDir ?? ".", options.inventory)).tree : source.tree;
      const { diagnostics, model } = await validateWithModel(tree);
      reportDiagnostics(diagnostics, options.json ?? false);
      if (!options.json) process.stdout.write(profileMatches(model));
      process.exitCode = hasErrors(diagnostics) ? Exit.invalidInput : Exit.ok;
    });
}
