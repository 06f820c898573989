import { Command, Option } from "commander";
import { compile } from "../../compiler/index.js";
import { commitRender } from "../../runtime/render/render-branch.js";
import { previousRenderDirectory, writeRenderDirectory } from "../../runtime/render/render-directory.js";
import { Exit } from "../exit-codes.js";
import { reportDiagnostics } from "../report-diagnostics.js";
import { openSiteSource } from "../site-source.js";

interface CompileOptions {
  out?: string;
  commit?: boolean;
  previous?: string;
  rev?: string;
  repo?: string;
  json?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a site into its render (hiera, ENC, DHCP, PXE, state, manifest); nothing is written unless the whole site is valid")
    .argument("[site-dir]", "the site's directory (default: the current directory)")
    .option("--rev <rev>", "read the site from this commit of the repository (default with --commit: HEAD)")
    .option("--repo <dir>", "the Git repository for --rev and --commit (default: the current directory)")
    .addOption(new Option("--out <dir>", "write the render to this directory, atomically (replaces a previous render there)").conflicts("commit"))
    .option("--commit", "record the render as a commit on the rendered branch (site.yaml git.renderedBranch, default oci/rendered)")
    .addOption(new Option("--previous <dir>", "previous render whose state (IPAM allocations) to keep; default: the --out directory when it holds a render").conflicts("commit"))
    .option("--json", "print diagnostics as a JSON array on stdout")
    .action(async (siteDir: string | undefined, options: CompileOptions, command: Command) => {
      if (!options.out && !options.commit) command.error("error: one of --out <dir> or --commit is required", { exitCode: Exit.usage });
      if (options.commit) {
        await compileToBranch(siteDir, options);
        return;
      }
      const source = await openSiteSource(siteDir, options);
      const result = await compile({ tree: source.tree, previous: previousRenderDirectory(options.previous ?? options.out!) });
      reportDiagnostics(result.diagnostics, options.json ?? false);
      if (!result.files) {
        process.exitCode = Exit.invalidInput;
        return;
      }
      await writeRenderDirectory(options.out!, result.files);
      if (!options.json) process.stderr.write(`oci: wrote ${result.files.length} files to ${options.out}\n`);
      process.exitCode = Exit.ok;
    });
}

async function compileToBranch(siteDir: string | undefined, options: CompileOptions): Promise<void> {
  const source = await openSiteSource(siteDir, { rev: options.rev ?? "HEAD", repo: options.repo ?? siteDir ?? "." });
  if (source.kind !== "git") throw new Error("unreachable: --commit reads the site from Git");
  const outcome = await commitRender(source.repo, source.commit);
  reportDiagnostics(outcome.compile.diagnostics, options.json ?? false);
  if (outcome.status === "invalid") {
    process.exitCode = Exit.invalidInput;
    return;
  }
  const message = outcome.status === "committed"
    ? `oci: committed ${outcome.commit} on ${outcome.branch} (source ${source.commit})`
    : `oci: render unchanged; ${outcome.branch} stays at ${outcome.commit}`;
  process.stderr.write(`${message}\n`);
  process.exitCode = Exit.ok;
}
