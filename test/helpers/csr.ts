import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "./run-tool.js";

/** A CSR made by openssl, as puppet agent makes one, with an optional challengePassword attribute. */
export async function csr(dir: string, certname: string, password?: string): Promise<string> {
  const config = join(dir, `${certname}-${password ?? "none"}.cnf`);
  await writeFile(config, ["[req]", "prompt = no", "distinguished_name = dn", ...(password ? ["attributes = attrs"] : []), "[dn]", `CN = ${certname}`, ...(password ? ["[attrs]", `challengePassword = ${password}`] : []), ""].join("\n"));
  const result = await runTool("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "key.pem"), "-config", config]);
  assert.equal(result.code, 0, result.output);
  return result.output.slice(result.output.indexOf("-----BEGIN CERTIFICATE REQUEST-----"));
}
