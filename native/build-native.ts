// Builds the TFTP data pump (native/tftp-pump.c) into dist/native/tftp_pump.node, after tsc.
// A plain C compiler and the Node-API headers that ship with Node suffice: no node-gyp, no
// download. Without a compiler the build says so and goes on: oci serve then uses its
// JavaScript TFTP engine, which is slower (README, dependencies) but complete.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../../native/tftp-pump.c", import.meta.url));
const target = fileURLToPath(new URL("./tftp_pump.node", import.meta.url));
const headers = [join(dirname(process.execPath), "..", "include", "node"), "/usr/include/node", "/usr/local/include/node"].find((dir) => existsSync(join(dir, "node_api.h")));
const compiler = process.env["CC"] ?? "cc";

if (!headers) {
  console.warn("oci: Node-API headers (node_api.h) not found: the TFTP data pump is not built; oci serve will use its JavaScript TFTP engine");
} else {
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.tmp-${process.pid}`;
  try {
    execFileSync(compiler, ["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-pthread", "-DNAPI_VERSION=8", "-DNODE_GYP_MODULE_NAME=tftp_pump",
      `-I${headers}`, "-o", staging, source], { stdio: ["ignore", "inherit", "inherit"] });
    renameSync(staging, target);
  } catch (error) {
    console.warn(`oci: the TFTP data pump did not build (${(error as Error).message.split("\n")[0]}); oci serve will use its JavaScript TFTP engine`);
  }
}
