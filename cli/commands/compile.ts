import { execFile } from "node:child_process";
import { Command, Option } from "commander";
import type { GitRepository } from "../../compiler/load/git-repository.js";
import { compile, type CompileResult } from "../../compiler/index.js";
import { keystorePath, loadKeystore, loadRenderSigner } from "../../runtime/pki/keystore.js";
import { commitRender } from "../../runtime/render/render-branch.js";
import { RenderVerifier } from "../../runtime/render/render-signature.js";
import { previousRenderDirectory, writeRenderDirectory } from "../../runtime/render/render-directory.js";
import { progressOn } from "../../runtime/observe/progress.js";
import { Exit } from "../exit-codes.js";
import { reportDiagnostics } from "../report-diagnostics.js";
import { openSiteSource } from "../site-source.js";

export interface CompileOptions {
  out?: string;
  commit?: boolean;
  previous?: string;
  rev?: string;
  repo?: string;
  keystore?: string;
  json?: boolean;
  bootstrapHistory?: boolean;
  acceptRewind?: boolean;
}

/** The options compile and `secrets rotate` share: where the site comes from and where the render goes. */
export function withRenderOptions(command: Command): Command {
  return command
    .argument("[site-dir]", "the site's directory (default: the current directory)")
    .option("--rev <rev>", "read the site from this commit of the repository (default with --commit: HEAD)")
    .option("--repo <dir>", "the Git repository for --rev and --commit (default: the current directory)")
    .addOption(new Option("--out <dir>", "write the render to this directory, atomically (replaces a previous render there)").conflicts("commit"))
    .option("--commit", "record the render as a commit on the rendered branch (site.yaml git.renderedBranch, default oci/rendered)")
    .addOption(new Option("--previous <dir>", "previous render whose state (addresses, secrets, certificates) to keep; default: the --out directory when it holds a render").conflicts("commit"))
    .option("--keystore <dir>", "the CA keystore (default: $OCI_KEYSTORE); without it, certificates to issue are listed, not issued, and the rendered commit is not signed")
    .addOption(new Option("--bootstrap-history", "with --commit: start a new rendered history with no parent. Every secret, certificate and autosign token is generated anew: only for a new site, or one that lost its render for good").conflicts("acceptRewind"))
    .option("--accept-rewind", "with --commit: go on from a rendered branch that no longer descends from the last render (it was rewound or replaced on purpose)")
    .option("--json", "print diagnostics as a JSON array on stdout");
}

export function registerCompile(program: Command): void {
  withRenderOptions(program.command("compile").description("compile a site into its render (hiera, ENC, DHCP, PXE, PKI, secrets, state, manifest); nothing is written unless the whole site is valid"))
    .action(async (siteDir: string | undefined, options: CompileOptions, command: Command) => runCompile(siteDir, options, command, []));
}

export async function runCompile(siteDir: string | undefined, options: CompileOptions, command: Command, rotate: readonly string[]): Promise<void> {
  if (!options.out && !options.commit) command.error("error: one of --out <dir> or --commit is required", { exitCode: Exit.usage });
  if ((options.bootstrapHistory || options.acceptRewind) && !options.commit) command.error("error: --bootstrap-history and --accept-rewind go with --commit", { exitCode: Exit.usage });
  const keystore = keystorePath(options.keystore);
  const ca = keystore ? await loadKeystore(keystore) : undefined;
  // Progress on stderr; with --json the diagnostics are the output, and nothing else is said.
  const progress = options.json ? undefined : progressOn(process.stderr);
  const extra = { ...(ca ? { ca } : {}), rotate, ...(progress ? { progress: progress.sink } : {}) };
  if (options.commit) {
    const source = await openSiteSource(siteDir, { rev: options.rev ?? "HEAD", repo: options.repo ?? siteDir ?? "." });
    if (source.kind !== "git") throw new Error("unreachable: --commit reads the site from Git");
    const history = options.bootstrapHistory ? "bootstrap" : options.acceptRewind ? "accept-rewind" : undefined;
    if (history === "bootstrap") process.stderr.write("oci: WARNING: --bootstrap-history: a new rendered history; every secret, certificate and autosign token of the site is generated anew\n");
    const signer = keystore ? await loadRenderSigner(keystore) : undefined;
    const author = rotate.length > 0 ? await gitAuthor(source.repo) : undefined;
    const outcome = await commitRender(source.repo, source.commit, {
      ...extra, ...(author ? { author } : {}), ...(signer ? { signer, verifier: new RenderVerifier([signer.publicKey]) } : {}), ...(history ? { history } : {}),
    });
    progress?.finish();
    if (outcome.status === "history") {
      process.stderr.write(`oci: error OCI3104: ${outcome.advice}\n`);
      return void (process.exitCode = Exit.runtimeFailure);
    }
    report(outcome.compile, options);
    if (outcome.status === "invalid") return void (process.exitCode = Exit.invalidInput);
    process.stderr.write(outcome.status === "committed"
      ? `oci: committed ${outcome.commit} on ${outcome.branch} (source ${source.commit})\n`
      : `oci: render unchanged; ${outcome.branch} stays at ${outcome.commit}\n`);
    process.exitCode = Exit.ok;
    return;
  }
  const source = await openSiteSource(siteDir, options);
  const result = await compile({ tree: source.tree, previous: previousRenderDirectory(options.previous ?? options.out!), ...extra });
  progress?.finish();
  report(result, options);
  if (!result.files) return void (process.exitCode = Exit.invalidInput);
  await writeRenderDirectory(options.out!, result.files);
  if (!options.json) process.stderr.write(`oci: wrote ${result.files.length} files to ${options.out}\n`);
  process.exitCode = Exit.ok;
}

function report(result: CompileResult, options: CompileOptions): void {
  reportDiagnostics(result.diagnostics, options.json ?? false);
  const c = result.credentials;
  if (!c || options.json) return;
  const lines = [
    c.createdSecrets.length > 0 ? `oci: ${c.createdSecrets.length} secret(s) created` : "",
    c.pendingSecrets.length > 0 ? `oci: ${c.pendingSecrets.length} secret(s) not created: the site names no eyaml public key (site.yaml secrets.eyamlPublicKey)` : "",
    c.certificates.some((x) => x.status === "issued") ? `oci: ${c.certificates.filter((x) => x.status === "issued").length} certificate(s) issued` : "",
    c.pendingCertificates.length > 0 ? `oci: ${c.pendingCertificates.length} certificate(s) left for the provisioning host to issue (${c.pendingCertificates[0]!.reason})` : "",
  ];
  for (const line of lines) if (line) process.stderr.write(`${line}\n`);
}

/**
 * The person running the command, as `git config` knows them (repository, user and system
 * settings, as git itself reads them); undefined when git or the settings are missing.
 */
async function gitAuthor(repo: GitRepository): Promise<{ name: string; email: string } | undefined> {
  const get = (key: string) => new Promise<string>((resolve) => {
    execFile("git", ["--git-dir", repo.gitdir, "config", "--get", key], (error, stdout) => resolve(error ? "" : stdout.trim()));
  });
  const [name, email] = [await get("user.name"), await get("user.email")];
  return name && email ? { name, email } : undefined;
}
