import { Option, type Command } from "commander";
import { BOOT_DEVICES, bmcTarget, bootDevice, power, POWER_ACTIONS, type BootDevice, type PowerAction } from "../../runtime/bmc/ipmi-power.js";
import { PublishedEnvironment } from "../../runtime/puppet/published-environment.js";
import { Exit } from "../exit-codes.js";
import { puppetOptions, type PuppetFlags } from "../puppet-options.js";

export interface BmcFlags extends PuppetFlags {
  bmcUser?: string;
  bmcPort: string;
  cipherSuite: string;
}

export function bmcOptions(command: Command): Command {
  return puppetOptions(command, { publish: false })
    .addOption(new Option("--bmc-user <name>", "log in as this BMC user instead of the release's (the machine's ipmi.user, else the cluster's, else root)").env("OCI_BMC_USER"))
    .addOption(new Option("--bmc-port <n>", "the BMC's RMCP+ port").env("OCI_BMC_PORT").default("623"))
    .addOption(new Option("--cipher-suite <n>", "IPMI 2.0 cipher suite").env("OCI_BMC_CIPHER_SUITE").default("3"));
}

export function targetOf(fqdn: string, flags: BmcFlags) {
  return bmcTarget(new PublishedEnvironment(flags.puppetEnvDir!), fqdn, {
    eyamlPrivateKey: flags.eyamlPrivateKey, ...(flags.bmcUser ? { user: flags.bmcUser } : {}), port: Number(flags.bmcPort), cipherSuite: Number(flags.cipherSuite),
  });
}

/** `oci power` and `oci boot-device`: a machine's BMC, with the address and password of the published release. */
export function registerBmc(program: Command): void {
  bmcOptions(program.command("power").description("a machine's power through its BMC (IPMI over LAN): status, on, off, cycle")
    .argument("<fqdn>").argument("<action>", "status, on, off or cycle"))
    .action(async (fqdn: string, action: string, flags: BmcFlags, command: Command) => {
      if (!(POWER_ACTIONS as readonly string[]).includes(action)) command.error(`error: power ${action}: use one of ${POWER_ACTIONS.join(", ")}`, { exitCode: Exit.usage });
      const answer = await power(targetOf(fqdn, flags), action as PowerAction);
      process.stdout.write(`${fqdn}: ${answer}\n`);
    });
  bmcOptions(program.command("boot-device").description("a machine's next boot device through its BMC: pxe or disk").argument("<fqdn>").argument("<device>", "pxe or disk"))
    .action(async (fqdn: string, device: string, flags: BmcFlags, command: Command) => {
      if (!(BOOT_DEVICES as readonly string[]).includes(device)) command.error(`error: boot-device ${device}: use one of ${BOOT_DEVICES.join(", ")}`, { exitCode: Exit.usage });
      process.stdout.write(`${fqdn}: ${await bootDevice(targetOf(fqdn, flags), device as BootDevice)}\n`);
    });
}
