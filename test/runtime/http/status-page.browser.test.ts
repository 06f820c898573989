import assert from "node:assert/strict";
import { appendFile, mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { setLogSink } from "../../../runtime/observe/metrics.js";
import { hashPassword } from "../../../runtime/http/password-hash.js";
import { serve, type RunningServer } from "../../../runtime/serve/serve.js";
import { bareRepoWithClone, gitCli } from "../../helpers/git-repo.js";
import { repoRoot, sampleSite } from "../../helpers/paths.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { waitFor } from "../../helpers/wait-for.js";

const OUTPUT = join(repoRoot, "test-output/status-page");
const COMMIT_URL = "https://git.example.org/infra/site/-/commit/{commit}";
const COMPUTE = "cl1-compute-1.cl1.example.com";
const COMPUTE_SERIAL = "CZ300004";
/** Debian's chromium, started as the machine notes say: no background traffic to a closed network. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function post(base: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

/** An operator's push, on top of the discoveries the daemon committed meanwhile. */
async function push(clone: string, message: string): Promise<string> {
  await gitCli(clone, "commit", "-q", "-am", message);
  await gitCli(clone, "pull", "-q", "--rebase", "origin", "main");
  await gitCli(clone, "push", "-q", "origin", "main");
  return (await gitCli(clone, "rev-parse", "HEAD")).trim();
}

describe("the status page, in a real browser (Debian's chromium)", { timeout: 300_000 }, () => {
  let bare: string;
  let clone: string;
  let stateDir: string;
  let port: number;
  let base: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const start = async () => {
    server = await serve({
      repo: bare, sourceBranch: "main", compile: true, recheckMs: 500, activitySampleMs: 200,
      listen: "127.0.0.1", dhcp: false, dhcpPort: 0, tftp: false, tftpPort: 0, httpPort: port, stateDir, bootDirs: [],
    });
  };

  before(async () => {
    setLogSink(() => undefined); // the daemon's JSON lines would drown the test report
    await mkdir(OUTPUT, { recursive: true });
    ({ bare, clone } = await bareRepoWithClone(sampleSite, async (dir) => appendFile(join(dir, "site.yaml"), `statusPage:\n  commitUrl: "${COMMIT_URL}"\n`)));
    stateDir = join(await tempDir("oci-page-"), "state");
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await start();
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const row = (attribute: string, value: string) => page.locator(`#machines tbody tr[${attribute}="${value}"]`);

  it("shows the served release with forge links, the setup waves and every machine of the site", async () => {
    await page.goto(`${base}/`);
    await row("data-fqdn", COMPUTE).waitFor();
    await page.locator("#connection[data-state=live]").waitFor();
    const source = (await gitCli(bare, "rev-parse", "main")).trim();
    const link = page.locator(`#release a[title="${source}"]`);
    assert.equal(await link.getAttribute("href"), COMMIT_URL.replace("{commit}", source));
    assert.match(await page.locator("#release").innerText(), /Initial site/);
    assert.equal(await page.locator("#machines tbody tr[data-fqdn]").count(), 19, "the sample site's 19 machines");
    assert.match(await page.locator("#waves").innerText(), /wave 2[\s\S]*waits for 3: cl1-cephmon-1/);
  });

  it("plots machines per status and the request rates from the daemon's own counters", async () => {
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${base}/boot.ipxe`)).status, 200);
    // The HTTP line appears once a sample saw requests; the machines plot once a sample counted a status.
    await page.locator("#legend-rates li", { hasText: "http" }).waitFor({ timeout: 10_000 });
    assert.ok(await page.locator("#plot-rates polyline").count() >= 1, "a rate line");
    await post(base, "/api/v1/discovery", { serial: "PLOT0001", nics: [{ name: "eno1", mac: "52:54:00:ee:00:09" }] });
    await page.locator("#legend-machines li", { hasText: "discovered" }).waitFor({ timeout: 10_000 });
  });

  it("rows appear and change status live, and a failure shows its detail", async () => {
    const reported = Date.now();
    assert.equal(await post(base, "/api/v1/discovery", { serial: "LIVE0001", nics: [{ name: "eno1", mac: "52:54:00:ee:00:01" }] }), 200);
    await row("data-serial", "LIVE0001").and(page.locator('[data-status="discovered"]')).waitFor({ timeout: 10_000 });
    const discovered = Date.now() - reported;
    assert.equal(await post(base, "/api/v1/status", { serial: COMPUTE_SERIAL, status: "install-failed", step: "debootstrap", detail: "E: Failed getting release file http://deb.debian.org/debian/dists/bookworm/Release" }), 200);
    await row("data-fqdn", COMPUTE).and(page.locator('[data-status="install-failed"]')).waitFor({ timeout: 10_000 });
    const detail = page.locator(`#machines tbody tr[data-fqdn="${COMPUTE}"] + tr.detail`);
    assert.match(await detail.innerText(), /E: Failed getting release file/);
    await page.screenshot({ path: join(OUTPUT, "status-page.png"), fullPage: true });
    process.stdout.write(`# status page: a discovery report reached the page in ${discovered} ms\n`);
  });

  it("filters by status and sorts by any column", async () => {
    await page.selectOption("#filter-status", "discovered");
    assert.deepEqual(await page.locator("#machines tbody tr[data-serial]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-serial"))), ["LIVE0001", "PLOT0001"]);
    await page.selectOption("#filter-status", "");
    await page.selectOption("#filter-role", "compute");
    const roles = await page.locator("#machines tbody tr[data-fqdn]").evaluateAll((rows) => rows.map((r) => r.children[3]!.textContent));
    assert.ok(roles.length > 0 && roles.every((r) => r === "compute"), `only computes: ${roles.join(", ")}`);
    await page.selectOption("#filter-role", "");
    const serials = () => page.locator("#machines tbody tr[data-fqdn]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-serial") ?? ""));
    await page.click('#machines th[data-key="serial"] button');
    const ascending = await serials();
    assert.deepEqual(ascending, [...ascending].sort());
    await page.click('#machines th[data-key="serial"] button');
    const descending = await serials();
    assert.deepEqual(descending, [...ascending].reverse());
    assert.equal(await page.getAttribute('#machines th[data-key="serial"]', "aria-sort"), "descending");
  });

  it("a refused commit shows its diagnostic, file and line included", async () => {
    await appendFile(join(clone, "clusters/cl1/machines/cl1-compute-1.yaml"), "role: nope\n");
    const refused = await push(clone, "A broken machine file");
    const refusal = page.locator(".refusal", { hasText: refused.slice(0, 12) });
    await refusal.waitFor({ timeout: 30_000 });
    assert.match(await refusal.innerText(), /cl1-compute-1\.yaml:\d+:\d+/);
    await gitCli(clone, "revert", "--no-edit", "HEAD");
    await gitCli(clone, "pull", "-q", "--rebase", "origin", "main");
    await gitCli(clone, "push", "-q", "origin", "main");
    await page.locator(".refusal").waitFor({ state: "detached", timeout: 30_000 });
  });

  it("works at a phone's width: no sideways scrolling, every row readable", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, "no horizontal overflow");
    assert.ok(await row("data-fqdn", COMPUTE).isVisible());
    await page.screenshot({ path: join(OUTPUT, "status-page-phone.png"), fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("keeps working when the daemon restarts: it reconnects and shows what came after", async () => {
    await server.close();
    await page.locator("#connection[data-state=reconnecting]").waitFor({ timeout: 10_000 });
    await start();
    await page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
    assert.equal(await post(base, "/api/v1/discovery", { serial: "LIVE0002", nics: [{ name: "eno1", mac: "52:54:00:ee:00:02" }] }), 200);
    await row("data-serial", "LIVE0002").waitFor({ timeout: 10_000 });
    assert.deepEqual(problems, [], "no console errors");
  });

  it("sends the headers a careful operator expects and no secret", async () => {
    const home = await fetch(`${base}/`);
    const csp = home.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(home.headers.get("x-content-type-options"), "nosniff");
    assert.doesNotMatch(await home.text(), /<script>|style=|onclick=/i, "no inline script or style");
    const json = await fetch(`${base}/api/v1/overview`);
    assert.equal(json.headers.get("cache-control"), "no-store");
    const text = await json.text();
    assert.doesNotMatch(text, /ENC\[PKCS7|PRIVATE KEY|autosign_token|password/i);
  });

  it("statusPage.users puts the page and its JSON behind basic authentication; boot and reports stay open", async () => {
    await appendFile(join(clone, "site.yaml"), `  users:\n    - name: ops\n      passwordHash: "${hashPassword("correct horse battery staple")}"\n`);
    await push(clone, "Status page users");
    await waitFor("the page asks for a user", async () => (await fetch(`${base}/api/v1/overview`)).status === 401, 30_000);
    const challenge = await fetch(`${base}/`);
    assert.equal(challenge.status, 401);
    assert.match(challenge.headers.get("www-authenticate") ?? "", /^Basic realm="oci"/);
    const wrong = await fetch(`${base}/api/v1/machines`, { headers: { authorization: `Basic ${Buffer.from("ops:wrong password").toString("base64")}` } });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${base}/api/v1/machines`, { headers: { authorization: `Basic ${Buffer.from("ops:correct horse battery staple").toString("base64")}` } });
    assert.equal(right.status, 200);
    assert.ok(((await right.json()) as { machines: unknown[] }).machines.length >= 19);
    assert.equal((await fetch(`${base}/boot.ipxe`)).status, 200, "machines still boot");
    assert.equal(await post(base, "/api/v1/status", { serial: COMPUTE_SERIAL, status: "installing", step: "partition" }), 200, "machines still report");
  });
});
