#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { errorExit } from "./error-exit.js";
import { Exit } from "./exit-codes.js";

type Register = (program: Command) => void;

// In the order help lists them. Only the command asked for is loaded: each loads most of oci, and a
// start that loads every one took 0.45 s (a warm `oci plan`'s client needs 0.1 s of it).
const commands: readonly (readonly [string, () => Promise<Register>])[] = [
  ["validate", async () => (await import("./commands/validate.js")).registerValidate],
  ["compile", async () => (await import("./commands/compile.js")).registerCompile],
  ["plan", async () => (await import("./commands/plan.js")).registerPlan],
  ["pki", async () => (await import("./commands/pki.js")).registerPki],
  ["secrets", async () => (await import("./commands/secrets.js")).registerSecrets],
  ["serve", async () => (await import("./commands/serve.js")).registerServe],
  ["puppet-hooks", async () => (await import("./commands/puppet-hooks.js")).registerPuppetHooks],
  ["hash-password", async () => (await import("./commands/hash-password.js")).registerHashPassword],
  ["assign", async () => (await import("./commands/assign.js")).registerAssign],
  ["bmc", async () => (await import("./commands/bmc.js")).registerBmc],
  ["reinstall", async () => (await import("./commands/reinstall.js")).registerReinstall],
];

const program = new Command("oci")
  .description("Git-backed installer for OpenStack clusters on Debian bare metal")
  .showHelpAfterError()
  .exitOverride();
const asked = process.argv[2];
// A command's own module registers it (and plan's registers its hidden plan-server); help, or a name oci does not know, gets them all.
const wanted = commands.filter(([name]) => name === asked || (asked === "plan-server" && name === "plan"));
for (const [, load] of wanted.length > 0 ? wanted : commands) (await load())(program);
const overrideExit = (command: Command): void => {
  command.exitOverride();
  command.commands.forEach(overrideExit);
};
overrideExit(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exitCode = error.exitCode === 0 ? Exit.ok : Exit.usage;
  } else {
    const { message, code } = errorExit(error);
    process.stderr.write(message);
    process.exitCode = code;
  }
}
