import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compile } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import type { CompilePorts } from "../../../compiler/ports.js";
import { generateSecret } from "../../../compiler/secrets/generate-secret.js";
import { eyamlDecryptFile } from "../../helpers/eyaml.js";
import { fixtures, sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { copySite, readTree, tempDir } from "../../helpers/temp-dirs.js";
import { gitCli, repoFromSite } from "../../helpers/git-repo.js";

interface SecretsState { eyamlFingerprint?: string; secrets: { name: string; file: string; key: string }[] }

const FORMATS: Record<string, RegExp> = {
  fsid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  key: /^AQAAAAAAAAAAABAA[A-Za-z0-9+/]{22}==$/,
  hex: /^[0-9a-f]{32}$/,
  password: /^[A-Za-z0-9]{32}$/,
  fernet: /^[A-Za-z0-9_-]{43}=$/,
  corosync: /^[0-9a-f]{256}$/,
  ipmi: /^[A-Za-z0-9]{16}$/,
};

function formatOf(name: string): RegExp {
  if (name.endsWith("/fsid")) return FORMATS["fsid"]!;
  if (/ceph\/\w+_key$/.test(name)) return FORMATS["key"]!;
  if (/autosign\/|hash_path|auth_encryption_key/.test(name)) return FORMATS["hex"]!;
  if (/fernet_key|credential_key|barbican\/kek/.test(name)) return FORMATS["fernet"]!;
  if (name.endsWith("/vip/authkey")) return FORMATS["corosync"]!;
  if (name.startsWith("ipmi/")) return FORMATS["ipmi"]!;
  return FORMATS["password"]!;
}

describe("secrets", () => {
  it("eyaml decrypts every secret that state/secrets.json lists, each in its format; the state holds no value", async () => {
    const out = join(await tempDir(), "render");
    assert.equal((await runOci(["compile", sampleSite, "--out", out])).code, 0);
    const state = JSON.parse(await readFile(join(out, "state/secrets.json"), "utf8")) as SecretsState;
    assert.ok(state.secrets.length >= 60, `${state.secrets.length} secrets`);
    assert.ok(state.secrets.some((s) => s.name === "cl1/ceph/fsid") && state.secrets.some((s) => s.name === "cl1/swift/hash_path_suffix"));
    const decrypted = new Map<string, Map<string, string>>();
    const stateText = await readFile(join(out, "state/secrets.json"), "utf8");
    for (const secret of state.secrets) {
      if (!decrypted.has(secret.file)) decrypted.set(secret.file, await eyamlDecryptFile(join(out, secret.file)));
      const value = decrypted.get(secret.file)!.get(secret.key);
      assert.ok(value !== undefined, `${secret.name} not found at ${secret.file} ${secret.key}`);
      assert.match(value, formatOf(secret.name), secret.name);
      assert.ok(!stateText.includes(value), `${secret.name}'s value leaked into state/secrets.json`);
    }
    const all = [...(await readTree(out)).values()].join("\n");
    for (const values of decrypted.values()) for (const [key, value] of values) if (key.startsWith("oci::profile::") && value.length >= 32) assert.ok(!all.includes(value), `${key} in clear in the render`);
  });

  it("oci secrets rotate changes that secret and nothing else", async () => {
    const out = join(await tempDir(), "render");
    assert.equal((await runOci(["compile", sampleSite, "--out", out])).code, 0);
    const before = await readTree(out);
    const rotated = await runOci(["secrets", "rotate", "cl1/nova/db_password", sampleSite, "--out", out]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const after = await readTree(out);
    const changed = [...after].filter(([path, text]) => before.get(path) !== text).map(([path]) => path);
    assert.deepEqual(changed, ["hiera/clusters/cl1.yaml", "manifest.json"]);
    const lines = (text: string) => text.split("\n");
    const diff = lines(after.get("hiera/clusters/cl1.yaml")!).filter((line, i) => line !== lines(before.get("hiera/clusters/cl1.yaml")!)[i]);
    assert.equal(diff.length, 1);
    assert.match(diff[0]!, /^oci::profile::nova::db_password: "ENC\[PKCS7,/);

    const unknown = await runOci(["secrets", "rotate", "cl1/nova/no_such", sampleSite, "--out", out, "--json"]);
    assert.equal(unknown.code, 1);
    assert.deepEqual((JSON.parse(unknown.stdout) as { code: string }[]).map((d) => d.code), ["OCI1015"]);
  });

  it("a mistyped name suggests the closest names, not the first ones of the list", async () => {
    const out = join(await tempDir(), "render");
    const result = await runOci(["secrets", "rotate", "cl1/nova/db_pasword", sampleSite, "--out", out, "--json"]);
    const [d] = JSON.parse(result.stdout) as { code: string; hint: string }[];
    assert.equal(d?.code, "OCI1015");
    assert.match(d?.hint ?? "", /^did you mean cl1\/nova\/db_password[ ?]/);
    assert.doesNotMatch(d?.hint ?? "", /autosign/);
  });

  it("secrets that are a cluster's identity or the key to its data cannot be rotated: exit 1, nothing written", async () => {
    const out = join(await tempDir(), "render");
    for (const name of ["cl1/ceph/fsid", "cl1/ceph/mon_key", "cl1/swift/hash_path_suffix", "cl1/swift/hash_path_prefix", "cl1/barbican/kek", "cl1/heat/auth_encryption_key", "cl1/keystone/credential_key_primary"]) {
      const result = await runOci(["secrets", "rotate", name, sampleSite, "--out", out, "--json"]);
      assert.equal(result.code, 1, `${name}: ${result.stderr}`);
      const [d] = JSON.parse(result.stdout) as { code: string; message: string }[];
      assert.equal(d?.code, "OCI1019", name);
      assert.match(d!.message, new RegExp(`^${name} cannot be rotated: `));
    }
    await assert.rejects(readFile(join(out, "manifest.json")), "nothing written");
  });

  it("a rotation committed on the rendered branch says what was rotated, by whom", async () => {
    const repo = await repoFromSite(sampleSite);
    await gitCli(repo, "config", "user.name", "Ada Operator");
    await gitCli(repo, "config", "user.email", "ada@example.com");
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    const rotated = await runOci(["secrets", "rotate", "cl1/nova/db_password", "--commit", "--repo", repo]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const log = await gitCli(repo, "log", "-1", "--format=%an <%ae>%n%s%n%b", "oci/rendered");
    assert.match(log, /^Ada Operator <ada@example\.com>\nRotate cl1\/nova\/db_password\n/);
    assert.match(log, /^Source-Commit: [0-9a-f]{40}$/m);
  });

  it("a changed eyaml public key is an error, not a silent regeneration of every password", async () => {
    const out = join(await tempDir(), "render");
    assert.equal((await runOci(["compile", sampleSite, "--out", out])).code, 0);
    const state = JSON.parse(await readFile(join(out, "state/secrets.json"), "utf8")) as SecretsState;
    await writeFile(join(out, "state/secrets.json"), JSON.stringify({ ...state, eyamlFingerprint: "0".repeat(64) }));
    const result = await runOci(["compile", sampleSite, "--out", out, "--json"]);
    assert.equal(result.code, 1);
    assert.deepEqual((JSON.parse(result.stdout) as { code: string }[]).map((d) => d.code), ["OCI1014"]);
  });

  it("without an eyaml public key, secrets are listed as pending and none is written", async () => {
    const result = await compile({ tree: new DirectoryTree(join(fixtures, "base-site")) });
    assert.ok(result.credentials!.pendingSecrets.includes("c1/keystone/admin_password"));
    assert.deepEqual(result.credentials!.secrets, []);
    assert.ok(!result.files!.some((f) => f.content.includes("ENC[")));
  });

  it("a site naming a missing eyaml key gets OCI1016 at that line", async () => {
    const site = await copySite(sampleSite);
    await writeFile(join(site, "keys/eyaml-public.pem"), "not a certificate\n");
    const result = await compile({ tree: new DirectoryTree(site) });
    assert.deepEqual(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`), ["site.yaml:25 OCI1016"]);
  });

  it("generated values come from the randomness port: same port, same values; each kind its format", () => {
    const port = (): CompilePorts => {
      let n = 0;
      return { now: () => new Date(0), randomBytes: (size) => Buffer.from(Array.from({ length: size }, () => (n = (n * 31 + 7) % 256))) };
    };
    for (const kind of ["password", "hex", "uuid", "cephx", "fernet", "corosync-key"] as const) {
      const [a, b] = [generateSecret(kind, port()), generateSecret(kind, port())];
      assert.equal(a, b, kind);
    }
    assert.match(generateSecret("password", port()), FORMATS["password"]!);
    assert.match(generateSecret("uuid", port()), FORMATS["fsid"]!);
    assert.match(generateSecret("cephx", port()), FORMATS["key"]!);
    assert.match(generateSecret("fernet", port()), FORMATS["fernet"]!);
    assert.equal(Buffer.from(generateSecret("fernet", port()), "base64url").length, 32, "a Fernet key is 32 bytes");
    assert.match(generateSecret("corosync-key", port()), FORMATS["corosync"]!);
  });
});
