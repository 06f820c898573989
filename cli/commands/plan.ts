import { Command, Option } from "commander";
import { compile, CompileCache, type CompileResult, type PreviousRender } from "../../compiler/index.js";
import { openRepository, resolveRevision, type GitRepository } from "../../compiler/load/git-repository.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import { formatPlan, type PlanFormat } from "../../compiler/plan/format-plan.js";
import { planChanges } from "../../compiler/plan/plan.js";
import { previousRenderFrom, previousRenderInMemory, renderedBranchOf } from "../../runtime/render/render-branch.js";
import { progressOn } from "../../runtime/observe/progress.js";
import { hostBranchTip } from "../branch-tip.js";
import { Exit } from "../exit-codes.js";
import { readPlanCache, writePlanCache } from "../plan-cache.js";

export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("compile two revisions in memory and show what HEAD changes: diagnostics, a summary, and the diff of every output file")
    .argument("<base>", "the revision the change starts from, e.g. origin/main")
    .argument("<head>", "the revision to review, e.g. HEAD")
    .option("--repo <dir>", "the Git repository (default: the current directory)", ".")
    .addOption(new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"))
    .option("--all-files", "also show the diffs of derived files (manifest.json, the DHCP formats beyond dhcpd.conf); json always has them")
    .option("--no-cache", "neither read nor keep the certificate verdicts of earlier runs (<git dir>/oci/plan-cache.json)")
    .action(async (baseRev: string, headRev: string, options: { repo: string; format: PlanFormat; allFiles?: boolean; cache: boolean }) => {
      const repo = openRepository(options.repo);
      const [baseCommit, headCommit] = [await resolveRevision(repo, baseRev), await resolveRevision(repo, headRev)];
      const baseTree = await GitTree.open(repo, baseCommit);
      // BASE compiles on top of what the host last rendered, HEAD on top of BASE: the plan shows what HEAD would change.
      const progress = progressOn(process.stderr);
      const labelled = (which: string) => (phase: string, done: number, total: number) => progress.sink(`${which}: ${phase}`, done, total);
      const rendered = await renderedState(repo, baseTree);
      if (rendered.state) process.stderr.write(`oci: plan: BASE compiled on the rendered state of ${rendered.state.ref} (${rendered.state.commit.slice(0, 12)})\n`);
      else process.stderr.write(`oci: plan: WARNING: no rendered branch here (${rendered.branch}, nor a remote's): addresses, certificates and secrets are allocated from nothing, a guess, not what the provisioning host will give; fetch it first: git fetch origin ${rendered.branch}\n`);
      // One cache for both: HEAD parses and checks only the files it changed.
      const cache = new CompileCache();
      if (options.cache) cache.credentials.reuse.takeStoredVerdicts(readPlanCache(repo.gitdir)?.certificates ?? {});
      const base = await compile({ tree: baseTree, ...(rendered.previous ? { previous: rendered.previous } : {}), progress: labelled(baseRev), cache });
      const head = await compile({ tree: await GitTree.open(repo, headCommit), ...(await previousFor(repo, baseTree, base)), progress: labelled(headRev), cache });
      progress.finish();
      if (options.cache) writePlanCache(repo.gitdir, { certificates: cache.credentials.reuse.storedVerdicts() }, (message) => process.stderr.write(`${message}\n`));
      const plan = planChanges({ revision: baseRev, commit: baseCommit, result: base }, { revision: headRev, commit: headCommit, result: head }, rendered.state ?? null);
      process.stdout.write(formatPlan(plan, options.format, { allFiles: options.allFiles === true }));
      process.exitCode = plan.head.valid ? Exit.ok : Exit.invalidInput;
    });
}

interface RenderedState {
  readonly branch: string;
  /** The rendered commit BASE compiles on, and the ref it was read from; absent when there is none. */
  readonly state?: { readonly ref: string; readonly commit: string };
  readonly previous?: PreviousRender;
}

/** The rendered state a plan starts from (hostBranchTip). Without one, every address would be allocated from nothing: the caller says so, loudly. */
async function renderedState(repo: GitRepository, tree: GitTree): Promise<RenderedState> {
  const branch = await renderedBranchOf(tree);
  const tip = await hostBranchTip(repo, branch);
  return tip ? { branch, state: tip, previous: previousRenderFrom(await GitTree.open(repo, tip.commit), `${tip.ref}@${tip.commit.slice(0, 7)}:`) } : { branch };
}

async function previousFor(repo: GitRepository, baseTree: GitTree, base: CompileResult): Promise<{ previous?: PreviousRender }> {
  if (!base.files) {
    const { previous } = await renderedState(repo, baseTree);
    return previous ? { previous } : {};
  }
  return { previous: previousRenderInMemory("BASE render:", new Map(base.files.map((f) => [f.path, f]))) };
}
