#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerCompile } from "./commands/compile.js";
import { registerAssign } from "./commands/assign.js";
import { registerBmc } from "./commands/bmc.js";
import { registerHashPassword } from "./commands/hash-password.js";
import { registerPki } from "./commands/pki.js";
import { registerPlan } from "./commands/plan.js";
import { registerPuppetHooks } from "./commands/puppet-hooks.js";
import { registerReinstall } from "./commands/reinstall.js";
import { registerSecrets } from "./commands/secrets.js";
import { registerServe } from "./commands/serve.js";
import { registerValidate } from "./commands/validate.js";
import { Exit } from "./exit-codes.js";

const program = new Command("oci")
  .description("Git-backed installer for OpenStack clusters on Debian bare metal")
  .showHelpAfterError()
  .exitOverride();
registerValidate(program);
registerCompile(program);
registerPlan(program);
registerPki(program);
registerSecrets(program);
registerServe(program);
registerPuppetHooks(program);
registerHashPassword(program);
registerAssign(program);
registerBmc(program);
registerReinstall(program);
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
    const code = (error as { code?: string }).code;
    process.stderr.write(`oci: error${code ? ` ${code}` : ""}: ${error instanceof Error ? error.message : String(error)}\n`);
    // An unknown revision, a missing site directory or a machine that cannot be reinstalled is a wrong argument, not a failure of oci.
    process.exitCode = code === "OCI2101" || code === "OCI2102" || code === "OCI2301" ? Exit.usage : Exit.runtimeFailure;
  }
}
