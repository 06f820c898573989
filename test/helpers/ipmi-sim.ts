import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "./run-tool.js";
import { waitFor } from "./wait-for.js";

/**
 * A BMC: OpenIPMI's ipmi_sim, IPMI 2.0 over LAN on `address:port` (one address per LAN channel),
 * its admin (user id 2) as given. `chassis`: its chassis control program (power, boot device).
 * `lanConfig`: a directory where its LAN settings live, one file per parameter (`ip_addr`,
 * `subnet_mask`, `default_gw_ip_addr`, `ip_addr_src`), which `ipmitool lan set` writes.
 */
export async function startIpmiSim(dir: string, o: { address: string; port: string; user: string; password: string; chassis?: string; lanConfig?: string }): Promise<ChildProcess> {
  await mkdir(dir, { recursive: true });
  const lanProgram = join(dir, "lan-config.sh");
  if (o.lanConfig) {
    await mkdir(o.lanConfig, { recursive: true });
    // ipmi_sim runs it as `<program> <device> get|set|check <parameter> [value]…`.
    await writeFile(lanProgram, `#!/bin/sh
dir=${o.lanConfig}; shift; op=$1; shift
case $op in
get) for p in "$@"; do v=$(cat "$dir/$p" 2>/dev/null); case $p in
  ip_addr_src) echo "$p:\${v:-dhcp}";; *mac_addr) echo "$p:\${v:-00:00:00:00:00:00}";; *) echo "$p:\${v:-0.0.0.0}";; esac; done;;
set) while [ $# -gt 1 ]; do echo "$2" > "$dir/$1"; shift 2; done;;
esac
`);
    await chmod(lanProgram, 0o755);
  }
  await writeFile(join(dir, "lan.conf"), [
    'name "oci-test"', "set_working_mc 0x20", "  startlan 1", `    addr ${o.address} ${o.port}`, "    priv_limit admin",
    ...["callback", "user", "operator", "admin"].map((p) => `    allowed_auths_${p} none md2 md5 straight`),
    "    guid a123456789abcdefa123456789abcdef", ...(o.lanConfig ? [`    lan_config_program "${lanProgram} eth0"`] : []), "  endlan",
    ...(o.chassis ? [`  chassis_control "${o.chassis} 0x20"`] : []),
    `  user 2 true "${o.user}" "${o.password}" admin 10 none md2 md5 straight`, "",
  ].join("\n"));
  await writeFile(join(dir, "sim.emu"), "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n");
  const sim = spawn("ipmi_sim", ["-c", join(dir, "lan.conf"), "-f", join(dir, "sim.emu"), "-n", "-s", join(dir, "state")], { stdio: "ignore" });
  try {
    await waitFor(`ipmi_sim answering on ${o.address}`, async () =>
      (await runTool("ipmitool", ["-I", "lanplus", "-C", "3", "-H", o.address, "-p", o.port, "-U", o.user, "-P", o.password, "-N", "1", "-R", "1", "mc", "info"])).code === 0, 20_000, 200);
  } catch (error) {
    sim.kill();
    throw error;
  }
  return sim;
}
