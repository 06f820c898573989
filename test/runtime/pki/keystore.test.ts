import assert from "node:assert/strict";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runOci } from "../../helpers/run-cli.js";
import { runTool } from "../../helpers/run-tool.js";
import { tempDir } from "../../helpers/temp-dirs.js";

describe("oci pki init", () => {
  it("creates a root and an intermediate CA, keys 0600 in a 0700 directory, and never overwrites them", async () => {
    const dir = join(await tempDir(), "keystore");
    const first = await runOci(["pki", "init", "--keystore", dir, "--name", "par1"]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual((await readdir(dir)).sort(), ["intermediate-ca.key", "intermediate-ca.pem", "render-signing.key", "render-signing.pub", "root-ca.key", "root-ca.pem"]);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    for (const key of ["root-ca.key", "intermediate-ca.key", "render-signing.key"]) assert.equal((await stat(join(dir, key))).mode & 0o777, 0o600, key);
    const verify = await runTool("openssl", ["verify", "-CAfile", join(dir, "root-ca.pem"), join(dir, "intermediate-ca.pem")]);
    assert.equal(verify.code, 0, verify.output);
    const text = (await runTool("openssl", ["x509", "-in", join(dir, "intermediate-ca.pem"), "-noout", "-text"])).output;
    assert.match(text, /CA:TRUE, pathlen:0/);
    assert.match(text, /ASN1 OID: prime256v1/);

    const before = await readFile(join(dir, "intermediate-ca.key"), "utf8");
    const again = await runOci(["pki", "init", "--keystore", dir]);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /refusing to replace a CA in service/);
    assert.equal(await readFile(join(dir, "intermediate-ca.key"), "utf8"), before);
  });

  it("takes the keystore from OCI_KEYSTORE, and requires one", async () => {
    const dir = join(await tempDir(), "ks");
    const viaEnv = await runOci(["pki", "init"], { env: { ...process.env, OCI_KEYSTORE: dir } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.ok((await readdir(dir)).includes("root-ca.pem"));
    const env = { ...process.env };
    delete env["OCI_KEYSTORE"];
    assert.equal((await runOci(["pki", "init"], { env })).code, 2);
  });
});
