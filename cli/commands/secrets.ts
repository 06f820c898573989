import type { Command } from "commander";
import { Exit } from "../exit-codes.js";
import { runCompile, withRenderOptions, type CompileOptions } from "./compile.js";

export function registerSecrets(program: Command): void {
  const secrets = program.command("secrets").description("the site's service passwords, tokens and keys (stored only eyaml-encrypted)");
  withRenderOptions(
    secrets
      .command("rotate")
      .description("generate a secret anew (names as in state/secrets.json, e.g. cl1/nova/db_password) and write the render as compile does")
      .argument("<name>", "the secret to rotate"),
  ).action(async (name: string, siteDir: string | undefined, options: CompileOptions, command: Command) => {
    await runCompile(siteDir, options, command, [name]);
    if (process.exitCode === Exit.ok && !options.json) process.stderr.write(`oci: ${name} rotated\n`);
  });
}
