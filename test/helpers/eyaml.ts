import { join } from "node:path";
import { fixtures } from "./paths.js";
import { runTool } from "./run-tool.js";

const KEYS = ["--pkcs7-private-key", join(fixtures, "eyaml/private_key.pkcs7.pem"), "--pkcs7-public-key", join(fixtures, "eyaml/public_key.pkcs7.pem")];

/** Decrypts one ENC[PKCS7,…] value with Debian's hiera-eyaml and the sample site's private key. */
export async function eyamlDecrypt(value: string): Promise<string> {
  const result = await runTool("eyaml", ["decrypt", "-s", value, ...KEYS]);
  if (result.code !== 0) throw new Error(`eyaml decrypt failed: ${result.output}`);
  return result.output.replace(/\n$/, "");
}

/** Decrypts a whole hiera file with `eyaml decrypt -f`; returns its single-line values by key. */
export async function eyamlDecryptFile(path: string): Promise<Map<string, string>> {
  const result = await runTool("eyaml", ["decrypt", "-f", path, ...KEYS]);
  if (result.code !== 0) throw new Error(`eyaml decrypt -f failed: ${result.output}`);
  const out = new Map<string, string>();
  for (const [, key, value] of result.output.matchAll(/^([\w:]+): "([^"|]*)"$/gm)) out.set(key!, value!);
  return out;
}
