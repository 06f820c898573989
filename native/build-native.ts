// Builds the native parts after tsc: the TFTP data pump (native/tftp-pump.c → tftp_pump.node) and
// SO_BINDTODEVICE for the DHCP socket (native/bind-device.c → bind_device.node). A plain C
// compiler and the Node-API headers that ship with Node suffice: no node-gyp, no download.
// Without a compiler the build says so and goes on: oci serve then uses its JavaScript TFTP
// engine (slower, README's dependencies) and binds DHCP to every interface (it says so at start).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MODULES = [
  { source: "tftp-pump.c", name: "tftp_pump", without: "oci serve will use its JavaScript TFTP engine" },
  { source: "bind-device.c", name: "bind_device", without: "oci serve's DHCP will hear every interface, not only --listen's" },
] as const;
const headers = [join(dirname(process.execPath), "..", "include", "node"), "/usr/include/node", "/usr/local/include/node"].find((dir) => existsSync(join(dir, "node_api.h")));
const compiler = process.env["CC"] ?? "cc";

for (const module of MODULES) {
  const source = fileURLToPath(new URL(`../../native/${module.source}`, import.meta.url));
  const target = fileURLToPath(new URL(`./${module.name}.node`, import.meta.url));
  if (!headers) {
    console.warn(`oci: Node-API headers (node_api.h) not found: ${module.source} is not built; ${module.without}`);
    continue;
  }
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.tmp-${process.pid}`;
  try {
    execFileSync(compiler, ["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-pthread", "-DNAPI_VERSION=8", `-DNODE_GYP_MODULE_NAME=${module.name}`,
      `-I${headers}`, "-o", staging, source], { stdio: ["ignore", "inherit", "inherit"] });
    renameSync(staging, target);
  } catch (error) {
    console.warn(`oci: ${module.source} did not build (${(error as Error).message.split("\n")[0]}); ${module.without}`);
  }
}
