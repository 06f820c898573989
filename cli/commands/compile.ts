import type { Command } from "commander";
import { compile } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { previousRenderDirectory, writeRenderDirectory } from "../../runtime/render/render-directory.js";
import { Exit } from "../exit-codes.js";
import { reportDiagnostics } from "../report-diagnostics.js";

interface CompileOptions {
  out: string;
  previous?: string;
  json?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a site into its render (hiera, ENC, state, manifest); nothing is written unless the whole site is valid")
    .argument("[site-dir]", "the site repository's directory", ".")
    .requiredOption("--out <dir>", "directory to write the render to, atomically (replaces a previous render there)")
    .option("--previous <dir>", "previous render whose state (IPAM allocations) to keep; default: the --out directory when it holds a render")
    .option("--json", "print diagnostics as a JSON array on stdout")
    .action(async (siteDir: string, options: CompileOptions) => {
      const result = await compile({ tree: new DirectoryTree(siteDir), previous: previousRenderDirectory(options.previous ?? options.out) });
      reportDiagnostics(result.diagnostics, options.json ?? false);
      if (!result.files) {
        process.exitCode = Exit.invalidInput;
        return;
      }
      await writeRenderDirectory(options.out, result.files);
      if (!options.json) process.stderr.write(`oci: wrote ${result.files.length} files to ${options.out}\n`);
      process.exitCode = Exit.ok;
    });
}
