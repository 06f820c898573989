import assert from "node:assert/strict";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../helpers/ports.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { cliPath, sampleSite } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { startService, type Service } from "../../helpers/service.js";
import { tempDir } from "../../helpers/temp-dirs.js";

// oci serve as an unprivileged user (the unit runs it as oci), with a live image file it may not
// read: the request fails, the daemon does not.


describe("oci serve as an unprivileged user", { timeout: 60_000 }, () => {
  let service: Service;
  let base: string;

  before(async () => {
    const render = (await compileToDirectory(sampleSite)).out;
    await runTool("chmod", ["-R", "a+rX", join(render, "..")]);
    const work = await tempDir("oci-unprivileged-");
    await chmod(work, 0o755);
    const live = join(work, "live");
    await mkdir(live);
    await writeFile(join(live, "vmlinuz"), "kernel");
    await writeFile(join(live, "initrd.img"), "secret initrd");
    await chmod(join(live, "initrd.img"), 0o600); // root's
    const state = join(work, "state");
    await mkdir(state);
    const nobody = Number((await runTool("id", ["-u", "nobody"])).output.trim());
    await chown(state, nobody, nobody);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = await startService("oci serve (nobody)", ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--", process.execPath, cliPath, "serve",
      "--render", render, "--listen", "127.0.0.1", "--no-dhcp", "--no-tftp", "--http-port", String(port), "--state-dir", state, "--live-dir", live], /"event":"ready"/, 30_000);
  });
  after(async () => service?.stop());

  it("answers 403 for a live file it cannot read, and keeps serving", async () => {
    assert.equal((await fetch(`${base}/live/vmlinuz`)).status, 200);
    assert.equal((await fetch(`${base}/live/initrd.img`)).status, 403);
    assert.equal((await fetch(`${base}/live/initrd.img`, { method: "HEAD" })).status, 403);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal(service.child.exitCode, null, "still running");
    assert.ok(service.lines.some((l) => l.includes('"event":"http.live_unreadable"')));
  });
});
