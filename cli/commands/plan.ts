import { Command, InvalidArgumentError, Option } from "commander";
import type { PlanFormat } from "../../compiler/plan/format-plan.js";
import { progressOn } from "../../runtime/observe/progress.js";
import type { PlanRequest } from "../plan/run-plan.js";
import { planInWarmProcess } from "../plan/warm-plan-client.js";

const DEFAULT_WARM_MINUTES = 30;

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
    .option("--keep-warm [minutes]", `plan in a process kept for this repository that holds the compile cache between plans (started when none runs; it exits after [minutes] idle, default ${DEFAULT_WARM_MINUTES}; 0 ends it after this plan)`, minutes)
    .action(async (base: string, head: string, options: { repo: string; format: PlanFormat; allFiles?: boolean; cache: boolean; keepWarm?: number | true }) => {
      const request: PlanRequest = { repo: options.repo, base, head, format: options.format, allFiles: options.allFiles === true, cache: options.cache };
      const progress = progressOn(process.stderr);
      const out = { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text), progress: progress.sink };
      try {
        if (options.keepWarm !== undefined) {
          const idleMinutes = options.keepWarm === true ? DEFAULT_WARM_MINUTES : options.keepWarm;
          const code = await planInWarmProcess(request, idleMinutes, out);
          if (code !== undefined) {
            process.exitCode = code;
            return;
          }
        }
        // Loaded here: the compiler is most of oci, and a plan made in the warm process does not need it in this one.
        const { runPlan, PlanSession } = await import("../plan/run-plan.js");
        process.exitCode = await runPlan(request, new PlanSession(), out);
      } finally {
        progress.finish();
      }
    });
  // The warm plan process `--keep-warm` starts; not for people.
  program
    .command("plan-server", { hidden: true })
    .requiredOption("--gitdir <dir>")
    .requiredOption("--socket <path>")
    .requiredOption("--build <id>")
    .requiredOption("--idle-minutes <minutes>", "", minutes)
    .action(async (options: { gitdir: string; socket: string; build: string; idleMinutes: number }) => {
      await (await import("../plan/warm-plan-server.js")).serveWarmPlans(options);
    });
}

function minutes(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) > 24 * 60) throw new InvalidArgumentError("minutes from 0 to 1440");
  return Number(value);
}
