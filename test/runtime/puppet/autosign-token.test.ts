import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { startHttpServer } from "../../../runtime/http/http-server.js";
import { Metrics } from "../../../runtime/observe/metrics.js";
import { autosignTokenFor } from "../../../runtime/puppet/autosign-token.js";
import { loadReleaseDirectory, type Release } from "../../../runtime/release/release.js";
import { compileToDirectory } from "../../helpers/compile-site.js";
import { eyamlDecrypt } from "../../helpers/eyaml.js";
import { fixtures, sampleSite } from "../../helpers/paths.js";

const COMPUTE = "cl1-compute-1.cl1.example.com";

describe("GET /api/v1/autosign-token: a machine's installer fetches its token from its reserved address", () => {
  let base: string;
  let close: () => Promise<void>;
  let release: Release;
  let keyPath = join(fixtures, "eyaml/private_key.pkcs7.pem");

  before(async () => {
    const loaded = await loadReleaseDirectory((await compileToDirectory(sampleSite)).out);
    // The compute's reservation moved to 127.0.0.1: the test's own address plays the machine.
    release = { ...loaded, dhcp: { ...loaded.dhcp, reservations: loaded.dhcp.reservations.map((r) => (r.fqdn === COMPUTE ? { ...r, address: "127.0.0.1" } : r)) } };
    const server = await startHttpServer({
      port: 0, listen: "127.0.0.1", release: () => release, metrics: new Metrics(), health: () => ({ ok: true, detail: {} }),
      autosignToken: (address) => autosignTokenFor(release, address, keyPath),
    });
    base = `http://127.0.0.1:${server.port}`;
    close = server.close;
  });
  after(async () => close());

  it("serves the node's decrypted token to its reserved address, the same Debian's eyaml decrypts", async () => {
    const response = await fetch(`${base}/api/v1/autosign-token`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const hiera = parse(release.files.get(`hiera/nodes/${COMPUTE}.yaml`)!.toString("utf8")) as Record<string, string>;
    assert.equal((await response.text()).trim(), await eyamlDecrypt(hiera["oci::node::autosign_token"]!));
  });

  it("refuses an address that is no machine's (403), and says so when the host has no eyaml key (503)", async () => {
    const original = release;
    release = { ...original, dhcp: { ...original.dhcp, reservations: original.dhcp.reservations.filter((r) => r.address !== "127.0.0.1") } };
    assert.equal((await fetch(`${base}/api/v1/autosign-token`)).status, 403);
    release = original;
    keyPath = "/nonexistent/private_key.pkcs7.pem";
    const unavailable = await fetch(`${base}/api/v1/autosign-token`);
    assert.equal(unavailable.status, 503);
    assert.match(await unavailable.text(), /--eyaml-private-key/);
  });
});
