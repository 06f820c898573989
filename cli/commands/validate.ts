import type { Command } from "commander";
import { validate } from "../../compiler/index.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { Exit } from "../exit-codes.js";
import { reportDiagnostics } from "../report-diagnostics.js";
import { openSiteSource } from "../site-source.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check a site: YAML syntax, schemas and semantic rules; print every problem at once")
    .argument("[site-dir]", "the site's directory (default: the current directory)")
    .option("--rev <rev>", "read the site from this commit of the repository instead of a directory")
    .option("--repo <dir>", "the Git repository for --rev (default: the current directory)")
    .option("--json", "print diagnostics as a JSON array on stdout")
    .action(async (siteDir: string | undefined, options: { rev?: string; repo?: string; json?: boolean }) => {
      const source = await openSiteSource(siteDir, options);
      const diagnostics = await validate(source.tree);
      reportDiagnostics(diagnostics, options.json ?? false);
      process.exitCode = hasErrors(diagnostics) ? Exit.invalidInput : Exit.ok;
    });
}
