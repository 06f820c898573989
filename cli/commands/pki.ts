import type { Command } from "commander";
import { initKeystore, keystorePath } from "../../runtime/pki/keystore.js";
import { Exit } from "../exit-codes.js";

export function registerPki(program: Command): void {
  const pki = program.command("pki").description("the site's certificate authority, kept on the provisioning host");
  pki
    .command("init")
    .description("create a root CA and an intermediate CA in the keystore directory (keys 0600; never overwrites)")
    .option("--keystore <dir>", "keystore directory (default: $OCI_KEYSTORE)")
    .option("--name <site>", "site name in the CA subjects", "site")
    .action(async (options: { keystore?: string; name: string }, command: Command) => {
      const dir = keystorePath(options.keystore);
      if (!dir) command.error("error: --keystore <dir> or OCI_KEYSTORE is required", { exitCode: Exit.usage });
      await initKeystore(dir!, options.name);
      process.stderr.write(`oci: created the root and intermediate CA in ${dir}; the root key (root-ca.key) may now be moved offline\n`);
    });
}
