import assert from "node:assert/strict";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { validatorFor } from "../../compiler/validate/schema-registry.js";
import { repoRoot } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { tempDir } from "../helpers/temp-dirs.js";

const agent = join(repoRoot, "live-image/agent/oci-agent.sh");
const SHELLS: [string, string[]][] = [["dash", ["dash"]], ["busybox ash", ["/bin/busybox", "sh"]]];
/** The commands the agent runs, as busybox applets: under busybox ash the agent sees only these, as in the live image. */
const APPLETS = ["sh", "head", "tr", "sed", "grep", "cut", "cat", "sleep", "timeout", "wget"];

async function put(root: string, path: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

/** A /sys and /proc as a two-NIC, three-disk server shows them, plus things the agent must skip. */
async function fixtureMachine(root: string, serial: string): Promise<void> {
  const sys = join(root, "sys");
  const proc = join(root, "proc");
  await put(sys, "class/dmi/id/product_serial", `${serial}\n`);
  await put(sys, "class/dmi/id/product_uuid", "4C4C4544-0042-3010-8054-B7C04F4E3332\n");
  await put(sys, "class/dmi/id/sys_vendor", "Dell Inc.\n");
  await put(sys, "class/dmi/id/product_name", 'PowerEdge "R640"\n');
  await put(sys, "class/net/lo/address", "00:00:00:00:00:00\n");
  await put(sys, "class/net/eno1/address", "52:54:00:12:34:01\n");
  await put(sys, "class/net/eno1/speed", "10000\n");
  await put(sys, "class/net/eno1/carrier", "1\n");
  await mkdir(join(sys, "class/net/eno1/device"), { recursive: true });
  await put(sys, "class/net/eno2/address", "52:54:00:12:34:02\n");
  await put(sys, "class/net/eno2/speed", "-1\n"); // what the kernel says with no link
  await put(sys, "class/net/eno2/carrier", "0\n");
  await mkdir(join(sys, "class/net/eno2/device"), { recursive: true });
  await put(sys, "class/net/br0/address", "52:54:00:12:34:99\n"); // a bridge: no device, not hardware
  await put(sys, "block/sda/size", "937703088\n");
  await put(sys, "block/sda/queue/rotational", "0\n");
  await put(sys, "block/sda/device/model", "SSDSC2KB480G8R  \n");
  await put(sys, "block/sdb/size", "3907029168\n");
  await put(sys, "block/sdb/queue/rotational", "1\n");
  await put(sys, "block/sdb/device/model", "ST2000\tNM0055\n");
  await put(sys, "block/nvme0n1/size", "1875385008\n");
  await put(sys, "block/nvme0n1/queue/rotational", "0\n");
  await put(sys, "block/loop0/size", "1000\n");
  await put(proc, "cpuinfo", "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz\n\n");
  await put(proc, "meminfo", "MemTotal:       394264576 kB\nMemFree:        1000 kB\n");
  await put(proc, "cmdline", "BOOT_IMAGE=/vmlinuz boot=live oci.url=http://192.168.100.2 oci.mode=discovery\n");
}

describe("discovery agent (POSIX sh) on fixture /sys and /proc trees", () => {
  let root: string;
  let tools: string;
  let busybox: string;

  before(async () => {
    root = await tempDir("oci-agent-");
    await fixtureMachine(root, "CZ 3000/42");
    // lldpctl and ipmitool as the agent finds them on a real image.
    tools = join(root, "bin");
    await put(tools, "lldpctl", "#!/bin/sh\n[ \"$3\" = eno1 ] && printf 'lldp.eno1.chassis.name=tor-r2\\nlldp.eno1.port.ifname=Ethernet12\\n'\nexit 0\n");
    await put(tools, "ipmitool", "#!/bin/sh\nprintf 'Set in Progress         : Set Complete\\nIP Address Source       : Static Address\\nIP Address              : 10.20.0.42\\n'\n");
    await chmod(join(tools, "lldpctl"), 0o755);
    await chmod(join(tools, "ipmitool"), 0o755);
    busybox = join(root, "busybox-bin");
    await mkdir(busybox);
    for (const applet of APPLETS) await symlink("/bin/busybox", join(busybox, applet));
  });

  /** PATH for a shell: GNU tools for dash, busybox applets only for busybox ash. */
  const pathFor = (name: string, withTools: boolean) => [...(withTools ? [tools] : []), ...(name === "dash" ? ["/usr/bin", "/bin"] : [busybox])].join(":");

  const env = (extra: Record<string, string> = {}) => `OCI_SYS=${join(root, "sys")} OCI_PROC=${join(root, "proc")} ${Object.entries(extra).map(([k, v]) => `${k}=${v}`).join(" ")}`;

  it("passes shellcheck -s sh", async () => {
    const result = await runTool("shellcheck", ["-s", "sh", agent]);
    assert.equal(result.code, 0, result.output);
  });

  for (const [name, shell] of SHELLS) {
    it(`under ${name}: prints a report that matches the schema, with every fact of the fixture`, async () => {
      const result = await runTool("sh", ["-c", `${env({ PATH: pathFor(name, true) })} ${shell.join(" ")} ${agent} print`]);
      assert.equal(result.code, 0, result.output);
      const report = JSON.parse(result.output) as Record<string, unknown>;
      const validate = validatorFor("DiscoveredHardware");
      assert.ok(validate({ apiVersion: "oci/v1", kind: "DiscoveredHardware", ...report }), JSON.stringify(validate.errors));
      assert.deepEqual(report, {
        serial: "CZ-3000-42",
        uuid: "4c4c4544-0042-3010-8054-b7c04f4e3332",
        vendor: "Dell Inc.",
        product: 'PowerEdge "R640"',
        cpu: { model: "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", count: 2 },
        ramMiB: 385024,
        disks: [
          { name: "nvme0n1", sizeBytes: 960197124096, rotational: false },
          { name: "sda", sizeBytes: 480103981056, model: "SSDSC2KB480G8R", rotational: false },
          { name: "sdb", sizeBytes: 2000398934016, model: "ST2000NM0055", rotational: true },
        ],
        nics: [
          { name: "eno1", mac: "52:54:00:12:34:01", speedMbps: 10000, link: true, lldp: { chassis: "tor-r2", port: "Ethernet12" } },
          { name: "eno2", mac: "52:54:00:12:34:02", link: false },
        ],
        ipmi: { address: "10.20.0.42" },
      });
    });

    it(`under ${name}: without tools, lldp and ipmi are left out; without a DMI serial, the first MAC names the machine`, async () => {
      const bare = await tempDir("oci-agent-bare-");
      await fixtureMachine(bare, "Not Specified");
      const result = await runTool("sh", ["-c", `OCI_SYS=${join(bare, "sys")} OCI_PROC=${join(bare, "proc")} PATH=${pathFor(name, false)} ${shell.join(" ")} ${agent} print`]);
      assert.equal(result.code, 0, result.output);
      const report = JSON.parse(result.output) as { serial: string; nics: Record<string, unknown>[]; ipmi?: unknown };
      assert.equal(report.serial, "525400123401");
      assert.equal(report.ipmi, undefined);
      assert.equal(report.nics[0]!["lldp"], undefined);
    });
  }

  it("gives up after OCI_MAX_TRIES when nobody answers, with a non-zero exit", async () => {
    const result = await runTool("sh", ["-c", `${env({ OCI_URL: "http://127.0.0.1:9", OCI_MAX_TRIES: "2" })} dash ${agent}`]);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /retrying in 1s/);
  });
});
