import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { yamlText } from "../../../compiler/emit/output-file.js";
import { encryptedValuesOf, encryptedValuesOfText, scanEncryptedValues } from "../../../compiler/secrets/hiera-encrypted-values.js";
import { seededRandom } from "../../helpers/seeded-random.js";

const ENC = (n: number) => `ENC[PKCS7,${"MIIBmwYJKoZIhvcNAQcDoIIBjDCCAYgCAQAx".slice(0, 8 + (n % 20))}${n}+/=]`;
/** What parsing gives, or the parser's error: the reference the scan must equal. */
const parsed = (text: string) => {
  try {
    return encryptedValuesOf(parse(text, { version: "1.1" }) as Record<string, unknown> | null);
  } catch (error) {
    return (error as Error).name;
  }
};
const read = (text: string) => {
  try {
    return encryptedValuesOfText(text);
  } catch (error) {
    return (error as Error).name;
  }
};

describe("the encrypted values of a previous hiera file", () => {
  it("are scanned, not parsed, in the form oci writes, and are what parsing gives", () => {
    const random = seededRandom(11);
    let scanned = 0;
    for (let i = 0; i < 300; i++) {
      const data: Record<string, unknown> = {};
      for (let k = 0; k < 1 + random(8); k++) {
        const key = ["oci::profile::tls::private_key", "oci::bmc::password", "oci::node::autosign_token", "oci::node::fqdn", "oci::x::notes", "oci::node::interfaces"][random(6)]!;
        const values: unknown[] = [
          ENC(i * 10 + k), `a certificate\n-----BEGIN X-----\n${ENC(k)}\n`, `not ENC[PKCS7,${k}] at all`, { nested: ENC(k) }, [ENC(k), "x"], 1500, true, "10.0.0.1", `ENC[PKCS7,${k} spaced]`,
        ];
        data[key] = values[random(values.length)];
      }
      const text = yamlText(data);
      assert.deepEqual(read(text), parsed(text), text);
      if (scanEncryptedValues(text)) scanned++;
    }
    assert.ok(scanned > 50, `the scan is taken for files in oci's form (${scanned} of 300)`);
  });

  it("falls back to parsing whatever the scan cannot read exactly", () => {
    const cases = [
      ['a: "ENC[PKCS7,AA]"\nb: 1\n', true],
      ["a: 'x\n  b: \"ENC[PKCS7,AA]\"'\n", false],
      ['a:\n  b: "ENC[PKCS7,AA]"\n', false],
      ['x: &a "ENC[PKCS7,AA]"\ny: *a\n', false],
      ['yes: "ENC[PKCS7,AA]"\n', false],
      ['on: "ENC[PKCS7,AA]"\nx: "ENC[PKCS7,BB]"\n', false],
      ['a: "ENC[PKCS7,AA]"\na: "ENC[PKCS7,BB]"\n', false],
      ['a: "\\x45NC[PKCS7,AA]"\n', false],
      ['a: "EN\\\nC[PKCS7,AA]"\n', false],
      ['# a: "ENC[PKCS7,AA]"\n', false],
      ['a: "ENC[PKCS7,AA]" # note\n', false],
      ["a: ENC[PKCS7,AA]\n", false],
      ["a: 'ENC[PKCS7,AA]'\n", false],
      ['---\na: "ENC[PKCS7,AA]"\n', false],
      ['a: |\n  b: "ENC[PKCS7,AA]"\n', false],
      ['a: "ENC[PKCS7,AA]"\r\n', false],
      ['"a": "ENC[PKCS7,AA]"\n', false],
      ['{a: "ENC[PKCS7,AA]"}\n', false],
      ['a: "ENC[PKCS7,A A]"\n', false],
      ['a: "ENC[PKCS7,AA]"\n\tb: 1\n', false],
      ["", true],
    ] as const;
    for (const [text, scan] of cases) {
      assert.deepEqual(read(text), parsed(text), JSON.stringify(text));
      assert.equal(scanEncryptedValues(text) !== undefined, scan, `scanned: ${JSON.stringify(text)}`);
    }
  });
});
