import assert from "node:assert/strict";
import { lstat, mkdir, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { publishEnvironment, publishedRelease, PuppetEnvironmentError } from "../../../runtime/puppet/publish-environment.js";
import { tempDir } from "../../helpers/temp-dirs.js";

const keys = { eyamlPrivateKey: "/etc/puppet/keys/private_key.pkcs7.pem", eyamlPublicKey: "/etc/puppet/keys/public_key.pkcs7.pem" };

function release(n: number): Map<string, Buffer> {
  return new Map([
    ["hiera/common.yaml", Buffer.from(`release: ${n}\n`)],
    ["hiera/nodes/a.example.com.yaml", Buffer.from("x: 1\n")],
    ["enc/a.example.com.yaml", Buffer.from("classes: []\n")],
    ["setup/order.json", Buffer.from("{}\n")],
    ["dhcp/dhcpd.conf", Buffer.from("not for puppet\n")],
  ]);
}

const sha = (n: number) => String(n).repeat(40).slice(0, 40);

describe("puppet environment publishing", () => {
  it("publishes hiera as data/, enc/ and setup/ with a hiera.yaml, behind a symlink swapped atomically", async () => {
    const root = await tempDir("oci-puppet-");
    const env = join(root, "production");
    await publishEnvironment({ directory: env, keep: 2, ...keys }, `oci/rendered@${sha(1)}`, release(1));
    assert.ok((await lstat(env)).isSymbolicLink());
    assert.equal(await readFile(join(env, "data/common.yaml"), "utf8"), "release: 1\n");
    assert.equal(await readFile(join(env, "enc/a.example.com.yaml"), "utf8"), "classes: []\n");
    assert.match(await readFile(join(env, "hiera.yaml"), "utf8"), /^version: 5$[\s\S]*nodes\/%\{trusted\.certname\}\.yaml[\s\S]*pkcs7_private_key: "\/etc\/puppet\/keys\/private_key\.pkcs7\.pem"/m);
    await assert.rejects(readFile(join(env, "dhcp/dhcpd.conf")), /ENOENT/);
    assert.equal(publishedRelease(env), `oci/rendered@${sha(1)}`);

    await publishEnvironment({ directory: env, keep: 2, ...keys }, `oci/rendered@${sha(2)}`, release(2));
    assert.equal(await readFile(join(env, "data/common.yaml"), "utf8"), "release: 2\n");
    assert.equal(await readlink(env), `.production.versions/${sha(2)}`);
  });

  it("keeps the previous N versions and removes staging directories a crash left behind", async () => {
    const root = await tempDir("oci-puppet-");
    const env = join(root, "production");
    const versions = join(root, ".production.versions");
    await mkdir(join(versions, `.staging-${sha(9)}-dead`), { recursive: true });
    await writeFile(join(versions, `.staging-${sha(9)}-dead`, "half"), "");
    for (let n = 1; n <= 5; n++) await publishEnvironment({ directory: env, keep: 2, ...keys }, `oci/rendered@${sha(n)}`, release(n));
    assert.deepEqual((await readdir(versions)).sort(), [sha(3), sha(4), sha(5)]);
    assert.equal(publishedRelease(env), `oci/rendered@${sha(5)}`);
  });

  it("refuses to replace a real directory the operator put there", async () => {
    const root = await tempDir("oci-puppet-");
    const env = join(root, "production");
    await mkdir(join(env, "manifests"), { recursive: true });
    await assert.rejects(publishEnvironment({ directory: env, keep: 2, ...keys }, "x", release(1)), PuppetEnvironmentError);
    assert.deepEqual(await readdir(env), ["manifests"]);
  });
});
