// The test image as an OpenStack instance sees it (npm run test:cloud): booted on virtio-net, its
// init in guest mode takes an address by DHCP and stays up. qemu's own user-mode network answers
// DHCP (restrict=on: the guest reaches nothing of the host's).
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { repoRoot } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { startService } from "../helpers/service.js";
import { tempDir } from "../helpers/temp-dirs.js";

describe("the test image on virtio-net, in guest mode", () => {
  let image: string;

  before(async () => {
    image = join(await tempDir("oci-mini-"), "image");
    const built = await runTool("sh", [join(repoRoot, "live-image/mini/build.sh"), image], { timeout: 600_000 });
    assert.equal(built.code, 0, built.output);
  });

  it("loads virtio's modules in their order, takes its address by DHCP and stays up", { timeout: 180_000 }, async () => {
    const vm = await startService("qemu (mini image, virtio-net)", ["qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-display", "none", "-vga", "none",
      "-monitor", "none", "-serial", "stdio", "-no-reboot", "-kernel", join(image, "vmlinuz"), "-initrd", join(image, "initrd.img"),
      "-append", "console=ttyS0 oci.mode=guest oci.dhcp_tries=10", "-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0"], /oci-mini: guest up/, 150_000);
    try {
      // A module loaded before one it needs logs "Unknown symbol" and leaves the NIC without a driver.
      assert.deepEqual(vm.lines.filter((l) => /Unknown symbol/.test(l)), []);
      assert.ok(vm.lines.includes("oci-mini: network: 10.0.2.15/24"), vm.lines.filter((l) => l.startsWith("oci-mini")).join("\n"));
    } finally {
      await vm.stop();
    }
  });
});
