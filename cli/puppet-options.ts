import { Option, type Command } from "commander";

export interface PuppetFlags {
  puppetEnvDir?: string;
  puppetKeep: string;
  eyamlPrivateKey: string;
  eyamlPublicKey: string;
  stateDir: string;
}

/** The options `serve`, `enc`, `autosign` and `status` share; each also reads them from /etc/default/oci through the environment. */
export function puppetOptions(command: Command, { publish }: { publish: boolean }): Command {
  // The hooks and oci status read where the daemon publishes: deploy/oci.default's path unless told otherwise.
  // oci serve publishes only when told where (without it, it feeds no puppetserver).
  const envDir = new Option("--puppet-env-dir <dir>", "the puppet environment oci publishes each release into (a symlink it owns), e.g. /etc/puppet/code/environments/production").env("OCI_PUPPET_ENV_DIR");
  command.addOption(publish ? envDir : envDir.default("/etc/puppet/code/environments/production"));
  if (publish) command.addOption(new Option("--puppet-keep <n>", "published versions kept besides the current one").env("OCI_PUPPET_KEEP").default("5"));
  command
    .addOption(new Option("--eyaml-private-key <file>", "hiera-eyaml private key (puppetserver's)").env("OCI_EYAML_PRIVATE_KEY").default("/etc/puppet/keys/private_key.pkcs7.pem"))
    .addOption(new Option("--eyaml-public-key <file>", "hiera-eyaml public key").env("OCI_EYAML_PUBLIC_KEY").default("/etc/puppet/keys/public_key.pkcs7.pem"));
  if (!publish) command.addOption(new Option("--state-dir <dir>", "the daemon's state directory").env("OCI_STATE_DIR").default("/var/lib/oci"));
  return command;
}
