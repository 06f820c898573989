import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expectedDiagnostics, materializeCase } from "../../helpers/bad-site-case.js";
import { fixtures } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { tempDir } from "../../helpers/temp-dirs.js";

interface JsonDiagnostic { file: string; line: number; col: number; severity: string; code: string; message: string }

const cases = readdirSync(join(fixtures, "bad-sites")).sort();

describe("bad-site corpus: each mistake gives its diagnostic at its file:line:col, and nothing is written", { concurrency: 4 }, () => {
  it("has at least 25 cases", () => assert.ok(cases.length >= 25, `${cases.length} cases`));

  for (const name of cases) {
    it(name, async () => {
      const site = await materializeCase(name);
      const out = join(await tempDir(), "render");
      const result = await runOci(["compile", site, "--out", out, "--json"]);
      let diagnostics: JsonDiagnostic[];
      try {
        diagnostics = JSON.parse(result.stdout) as JsonDiagnostic[];
      } catch (error) {
        throw new Error(`compile --json printed no JSON (exit ${result.code}): ${(error as Error).message}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      }
      const got = diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}`);
      const expected = await expectedDiagnostics(name);

      for (const line of expected) assert.ok(got.includes(line), `missing ${line}; got:\n${got.join("\n")}`);
      const unexpectedErrors = got.filter((line) => line.includes(": error ") && !expected.includes(line));
      assert.deepEqual(unexpectedErrors, [], "errors the case does not expect");
      for (const d of diagnostics) assert.ok(d.message.length > 0);

      const wantsError = expected.some((line) => line.includes(": error "));
      assert.equal(result.code, wantsError ? 1 : 0, result.stderr);
      const written = await access(out).then(() => true, () => false);
      assert.equal(written, !wantsError, wantsError ? "an invalid site must write nothing" : "a site with only warnings compiles");
    });
  }
});
