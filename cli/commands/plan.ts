import { Command, Option } from "commander";
import { compile, type CompileResult, type PreviousRender } from "../../compiler/index.js";
import { openRepository, resolveRevision, type GitRepository } from "../../compiler/load/git-repository.js";
import { GitTree } from "../../compiler/load/git-tree.js";
import { formatPlan, type PlanFormat } from "../../compiler/plan/format-plan.js";
import { planChanges } from "../../compiler/plan/plan.js";
import { readRef } from "../../runtime/git/compare-and-swap-ref.js";
import { previousRenderFrom, renderedBranchOf } from "../../runtime/render/render-branch.js";
import { progressOn } from "../../runtime/observe/progress.js";
import { Exit } from "../exit-codes.js";

export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("compile two revisions in memory and show what HEAD changes: diagnostics, a summary, and the diff of every output file")
    .argument("<base>", "the revision the change starts from, e.g. origin/main")
    .argument("<head>", "the revision to review, e.g. HEAD")
    .option("--repo <dir>", "the Git repository (default: the current directory)", ".")
    .addOption(new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"))
    .option("--all-files", "also show the diffs of derived files (manifest.json, the DHCP formats beyond dhcpd.conf); json always has them")
    .action(async (baseRev: string, headRev: string, options: { repo: string; format: PlanFormat; allFiles?: boolean }) => {
      const repo = openRepository(options.repo);
      const [baseCommit, headCommit] = [await resolveRevision(repo, baseRev), await resolveRevision(repo, headRev)];
      const baseTree = await GitTree.open(repo, baseCommit);
      // BASE compiles on top of what the host last rendered, HEAD on top of BASE: the plan shows what HEAD would change.
      const progress = progressOn(process.stderr);
      const labelled = (which: string) => (phase: string, done: number, total: number) => progress.sink(`${which}: ${phase}`, done, total);
      const base = await compile({ tree: baseTree, ...(await renderedTip(repo, baseTree)), progress: labelled(baseRev) });
      const head = await compile({ tree: await GitTree.open(repo, headCommit), ...(await previousFor(repo, baseTree, base)), progress: labelled(headRev) });
      progress.finish();
      const plan = planChanges({ revision: baseRev, commit: baseCommit, result: base }, { revision: headRev, commit: headCommit, result: head });
      process.stdout.write(formatPlan(plan, options.format, { allFiles: options.allFiles === true }));
      process.exitCode = plan.head.valid ? Exit.ok : Exit.invalidInput;
    });
}

async function renderedTip(repo: GitRepository, tree: GitTree): Promise<{ previous?: PreviousRender }> {
  const branch = await renderedBranchOf(tree);
  const tip = await readRef(repo.gitdir, `refs/heads/${branch}`);
  return tip ? { previous: previousRenderFrom(await GitTree.open(repo, tip), `${branch}@${tip.slice(0, 7)}:`) } : {};
}

async function previousFor(repo: GitRepository, baseTree: GitTree, base: CompileResult): Promise<{ previous?: PreviousRender }> {
  if (!base.files) return renderedTip(repo, baseTree);
  const files = new Map(base.files.map((f) => [f.path, f.content]));
  return { previous: { label: "BASE render:", readFile: async (path) => files.get(path) } };
}
