import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { hashPassword } from "../../runtime/http/password-hash.js";
import { Exit } from "../exit-codes.js";

/** `oci hash-password`: the passwordHash of a status page user (site.yaml statusPage.users), from the password on stdin. */
export function registerHashPassword(program: Command): void {
  program.command("hash-password").description("print the passwordHash (salted scrypt) of the password read on stdin, for site.yaml statusPage.users")
    .action((_flags: unknown, command: Command) => {
      const password = readFileSync(0, "utf8").split("\n")[0]!;
      if (password.length < 12) command.error("error: the password on stdin is shorter than 12 characters: the page is reachable from the provisioning network, choose a longer one", { exitCode: Exit.usage });
      process.stdout.write(`${hashPassword(password)}\n`);
    });
}
