import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { compile, type CompileResult, type PreviousRender } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { judgeSignedCertificate } from "../../../compiler/pki/public-certificate.js";
import { systemPorts } from "../../../compiler/ports.js";
import { seededRandom } from "../../helpers/seeded-random.js";
import { eyamlDecrypt } from "../../helpers/eyaml.js";
import { sampleSite } from "../../helpers/paths.js";
import { runTool } from "../../helpers/run-tool.js";
import { copySite, tempDir } from "../../helpers/temp-dirs.js";

const ENDPOINT = "api.cl1.example.com";
const CSR = `pki/csr/${ENDPOINT}.csr`;
const CHAIN = "clusters/cl1/public-certificate.pem";

const previousOf = (result: CompileResult): PreviousRender => {
  const files = new Map(result.files!.map((f) => [f.path, f.content]));
  return { label: "previous/", readFile: async (path) => files.get(path) };
};
const fileOf = (result: CompileResult, path: string) => result.files!.find((f) => f.path === path)?.content;
const clusterHiera = (result: CompileResult) => parse(fileOf(result, "hiera/clusters/cl1.yaml")!) as Record<string, string>;

async function must(...command: string[]): Promise<string> {
  const result = await runTool(command[0]!, command.slice(1));
  assert.equal(result.code, 0, `${command.join(" ")}: ${result.output}`);
  return result.output;
}

/** A stand-in public CA (openssl), signing a CSR with the names and validity given. */
async function publicCa(dir: string): Promise<(csr: string, names: string, days: number) => Promise<string>> {
  await must("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.pem"), "-days", "3650", "-subj", "/CN=Public Test CA");
  let n = 0;
  return async (csr, names, days) => {
    n++;
    await writeFile(join(dir, `req${n}.csr`), csr);
    await writeFile(join(dir, `ext${n}`), `subjectAltName=${names}\n`);
    await must("openssl", "x509", "-req", "-in", join(dir, `req${n}.csr`), "-CA", join(dir, "ca.pem"), "-CAkey", join(dir, "ca.key"), "-CAcreateserial", "-days", String(days), "-extfile", join(dir, `ext${n}`), "-out", join(dir, `leaf${n}.pem`));
    return `${await readFile(join(dir, `leaf${n}.pem`), "utf8")}${await readFile(join(dir, "ca.pem"), "utf8")}`;
  };
}

describe("bring-your-own public certificate: oci's key and CSR, the operator's signed chain", () => {
  let site: string;
  let first: CompileResult;
  let sign: Awaited<ReturnType<typeof publicCa>>;

  before(async () => {
    site = await copySite(sampleSite);
    const cluster = join(site, "clusters/cl1/cluster.yaml");
    await writeFile(cluster, `${await readFile(cluster, "utf8")}tls:\n  publicCertificate: byo\n`);
    first = await compile({ tree: new DirectoryTree(site) });
    sign = await publicCa(await tempDir());
  });

  it("the first compile makes the key (eyaml-encrypted in the cluster's hiera) and a CSR openssl verifies, and warns that the chain is awaited", async () => {
    assert.ok(first.files, JSON.stringify(first.diagnostics));
    const csr = fileOf(first, CSR)!;
    const dir = await tempDir();
    await writeFile(join(dir, "req.csr"), csr);
    const text = await must("openssl", "req", "-in", join(dir, "req.csr"), "-noout", "-verify", "-text");
    assert.match(text, new RegExp(`Subject: CN ?= ?${ENDPOINT.replace(/\./g, "\\.")}`));
    assert.match(text, new RegExp(`DNS:${ENDPOINT.replace(/\./g, "\\.")}`));
    const hiera = clusterHiera(first);
    assert.match(hiera["oci::profile::haproxy::public_private_key"]!, /^ENC\[PKCS7,/);
    assert.equal(hiera["oci::profile::haproxy::public_certificate"], undefined, "no certificate before the operator commits one");
    // The key in hiera is the CSR's key.
    await writeFile(join(dir, "key.pem"), await eyamlDecrypt(hiera["oci::profile::haproxy::public_private_key"]!), { mode: 0o600 });
    assert.equal(await must("openssl", "pkey", "-in", join(dir, "key.pem"), "-pubout"), await must("openssl", "req", "-in", join(dir, "req.csr"), "-pubkey", "-noout"));
    const awaited = first.diagnostics.find((d) => d.code === "OCI1020");
    assert.equal(`${awaited?.file}:${awaited?.severity}`, `${CHAIN}:warning`);
    assert.match(awaited!.hint ?? "", new RegExp(`sign ${CSR.replace(/\./g, "\\.")}`));
  });

  it("the next compile keeps the key and the CSR", async () => {
    const again = await compile({ tree: new DirectoryTree(site), previous: previousOf(first) });
    assert.equal(fileOf(again, CSR), fileOf(first, CSR));
    assert.equal(clusterHiera(again)["oci::profile::haproxy::public_private_key"], clusterHiera(first)["oci::profile::haproxy::public_private_key"]);
  });

  it("the chain signed from that CSR reaches HAProxy's hiera and pki/certs", async () => {
    const chain = await sign(fileOf(first, CSR)!, `DNS:${ENDPOINT}`, 90);
    await writeFile(join(site, CHAIN), chain);
    const signed = await compile({ tree: new DirectoryTree(site), previous: previousOf(first) });
    assert.ok(signed.files, JSON.stringify(signed.diagnostics));
    assert.deepEqual(signed.diagnostics.filter((d) => d.code === "OCI1020" || d.code === "OCI1021"), []);
    assert.equal(clusterHiera(signed)["oci::profile::haproxy::public_certificate"], chain);
    assert.equal(fileOf(signed, `pki/certs/${ENDPOINT}.pem`), chain);
    assert.equal(clusterHiera(signed)["oci::profile::haproxy::public_private_key"], clusterHiera(first)["oci::profile::haproxy::public_private_key"]);
  });

  it("a chain for another key, for other names, or expired is refused with the reason (OCI1021); a wildcard covers one label; one near its end is a warning", async () => {
    const other = await tempDir();
    await must("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(other, "k.pem"), "-out", join(other, "r.csr"), "-subj", `/CN=${ENDPOINT}`);
    const cases: [string, string, RegExp][] = [
      ["another key", await sign(await readFile(join(other, "r.csr"), "utf8"), `DNS:${ENDPOINT}`, 90), /for another key than the one oci made/],
      ["other names", await sign(fileOf(first, CSR)!, "DNS:www.example.com", 90), /does not name api\.cl1\.example\.com \(its DNS names: www\.example\.com\)/],
    ];
    for (const [what, chain, reason] of cases) {
      await writeFile(join(site, CHAIN), chain);
      const result = await compile({ tree: new DirectoryTree(site), previous: previousOf(first) });
      assert.equal(result.files, undefined, `${what}: nothing rendered`);
      const d = result.diagnostics.find((x) => x.code === "OCI1021");
      assert.match(d?.message ?? "", reason, what);
      assert.equal(d?.file, CHAIN);
    }
    // A wildcard covers the endpoint's one label.
    await writeFile(join(site, CHAIN), await sign(fileOf(first, CSR)!, "DNS:*.cl1.example.com", 90));
    assert.ok((await compile({ tree: new DirectoryTree(site), previous: previousOf(first) })).files, "*.cl1.example.com names api.cl1.example.com");
    await writeFile(join(site, CHAIN), await sign(fileOf(first, CSR)!, "DNS:*.example.com", 90));
    assert.match((await compile({ tree: new DirectoryTree(site), previous: previousOf(first) })).diagnostics.find((x) => x.code === "OCI1021")?.message ?? "",
      /does not name api\.cl1\.example\.com/, "*.example.com covers one label only");
    await writeFile(join(site, CHAIN), await sign(fileOf(first, CSR)!, `DNS:${ENDPOINT}`, 10));
    const later = (days: number) => ({ ...systemPorts, now: () => new Date(Date.now() + days * 24 * 3600 * 1000) });
    const expired = await compile({ tree: new DirectoryTree(site), previous: previousOf(first), ports: later(20) });
    assert.match(expired.diagnostics.find((x) => x.code === "OCI1021")?.message ?? "", /expired on /);
    const soon = await compile({ tree: new DirectoryTree(site), previous: previousOf(first) });
    assert.ok(soon.files);
    assert.match(soon.diagnostics.find((x) => x.code === "OCI1020")?.message ?? "", /expires in 9 day\(s\)/);
  });

  it("a verdict holds until its sameUntil and changes just after it: before validity, counting the days left, at expiry", async () => {
    const chain = await sign(fileOf(first, CSR)!, `DNS:${ENDPOINT}`, 10);
    const leaf = new X509Certificate(chain);
    const [notBefore, notAfter] = [new Date(leaf.validFrom).getTime(), new Date(leaf.validTo).getTime()];
    const judge = (time: number) => judgeSignedCertificate(chain, fileOf(first, CSR)!, ENDPOINT, new Date(time), 30);
    const said = (time: number) => { const v = judge(time); return `${v.problem ?? ""}|${v.warning ?? ""}`; };
    const random = seededRandom(7);
    const DAY = 24 * 3600 * 1000;
    const times = [notBefore - 1, notBefore, notAfter - 1, notAfter, ...Array.from({ length: 200 }, () => notBefore - DAY + random(13 * DAY))];
    let timed = 0;
    for (const time of times) {
      const { sameUntil } = judge(time);
      if (sameUntil === undefined) {
        assert.equal(said(time + 400 * DAY), said(time), "no sameUntil: the same verdict for good");
        continue;
      }
      timed++;
      assert.ok(sameUntil >= time, `${time}: sameUntil ${sameUntil} is not before now`);
      assert.equal(said(sameUntil), said(time), `${new Date(time).toISOString()}: the same verdict at ${new Date(sameUntil).toISOString()}`);
      assert.notEqual(said(sameUntil + 1), said(time), `${new Date(time).toISOString()}: another verdict just after ${new Date(sameUntil).toISOString()}`);
    }
    assert.ok(timed > 150, `${timed} timed verdicts`);
  });
});
