import type { Command } from "commander";
import { validate } from "../../compiler/index.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { Exit } from "../exit-codes.js";
import { reportDiagnostics } from "../report-diagnostics.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check a site: YAML syntax, schemas and semantic rules; print every problem at once")
    .argument("[site-dir]", "the site repository's directory", ".")
    .option("--json", "print diagnostics as a JSON array on stdout")
    .action(async (siteDir: string, options: { json?: boolean }) => {
      const diagnostics = await validate(new DirectoryTree(siteDir));
      reportDiagnostics(diagnostics, options.json ?? false);
      process.exitCode = hasErrors(diagnostics) ? Exit.invalidInput : Exit.ok;
    });
}
