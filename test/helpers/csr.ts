import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "./run-tool.js";

/** A CSR made by openssl, as puppet agent makes one, with an optional challengePassword attribute. */
export async function csr(dir: string, certname: string, password?: string, extra: { subject?: string[]; altNames?: string } = {}): Promise<string> {
  const config = join(dir, `${certname}-${password ?? "none"}-${(extra.subject ?? []).length}-${extra.altNames ? "san" : ""}.cnf`);
  await writeFile(config, [
    "[req]", "prompt = no", "distinguished_name = dn", ...(password ? ["attributes = attrs"] : []), ...(extra.altNames ? ["req_extensions = ext"] : []),
    "[dn]", `CN = ${certname}`, ...(extra.subject ?? []),
    ...(password ? ["[attrs]", `challengePassword = ${password}`] : []),
    ...(extra.altNames ? ["[ext]", `subjectAltName = ${extra.altNames}`] : []), "",
  ].join("\n"));
  const result = await runTool("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "key.pem"), "-config", config]);
  assert.equal(result.code, 0, result.output);
  return result.output.slice(result.output.indexOf("-----BEGIN CERTIFICATE REQUEST-----"));
}
