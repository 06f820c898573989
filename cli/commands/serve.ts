import { Command, Option } from "commander";
import { serve } from "../../runtime/serve/serve.js";
import { Exit } from "../exit-codes.js";

interface ServeFlags {
  render?: string;
  repo?: string;
  branch?: string;
  listen: string;
  dhcp: boolean;
  dhcpPort: string;
  tftp: boolean;
  tftpPort: string;
  httpPort: string;
  stateDir?: string;
  bootDir: string[];
  liveDir?: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve a release: DHCP (embedded), TFTP and HTTP boot, the report APIs, /metrics and /healthz")
    .addOption(new Option("--render <dir>", "serve a render directory").conflicts("repo"))
    .option("--repo <dir>", "serve the tip of the rendered branch of this repository")
    .option("--branch <name>", "the rendered branch (default oci/rendered)")
    .option("--listen <ip>", "the provisioning host's address on its PXE segment; DHCP without giaddr is served for that network", "0.0.0.0")
    .option("--no-dhcp", "do not serve DHCP (Kea or ISC dhcpd use the generated configuration instead)")
    .option("--dhcp-port <n>", "DHCP server port", "67")
    .option("--no-tftp", "do not serve TFTP")
    .option("--tftp-port <n>", "TFTP port", "69")
    .option("--http-port <n>", "HTTP port", "8080")
    .option("--state-dir <dir>", "where DHCP leases are kept across restarts")
    .option("--boot-dir <dir...>", "directories TFTP serves boot programs from", ["/usr/lib/ipxe", "/usr/lib/PXELINUX", "/usr/lib/syslinux/modules/bios"])
    .option("--live-dir <dir>", "directory of the live image served under /live/ (HTTP and TFTP)")
    .action(async (flags: ServeFlags, command: Command) => {
      if (!flags.render && !flags.repo) command.error("error: one of --render <dir> or --repo <dir> is required", { exitCode: Exit.usage });
      const port = (text: string, name: string) => {
        const n = Number(text);
        if (!Number.isInteger(n) || n < 0 || n > 65535) command.error(`error: ${name} must be a port number`, { exitCode: Exit.usage });
        return n;
      };
      const server = await serve({
        ...(flags.render ? { render: flags.render } : {}), ...(flags.repo ? { repo: flags.repo } : {}), ...(flags.branch ? { branch: flags.branch } : {}),
        listen: flags.listen, dhcp: flags.dhcp, dhcpPort: port(flags.dhcpPort, "--dhcp-port"), tftp: flags.tftp, tftpPort: port(flags.tftpPort, "--tftp-port"),
        httpPort: port(flags.httpPort, "--http-port"), ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
        bootDirs: [...(flags.liveDir ? [flags.liveDir] : []), ...flags.bootDir], ...(flags.liveDir ? { liveDir: flags.liveDir } : {}),
      });
      const stop = () => void server.close().then(() => process.exit(Exit.ok));
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
}
