// One measurement in a fresh process, so peak memory is this compile's alone.
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { compile } from "../compiler/index.js";
import { DirectoryTree } from "../compiler/load/directory-tree.js";
import { writeRenderDirectory } from "../runtime/render/render-directory.js";

const site = process.argv[2]!;
const outRoot = await mkdtemp(join(tmpdir(), "oci-bench-out-"));
const started = performance.now();
const result = await compile({ tree: new DirectoryTree(site) });
const compiled = performance.now();
if (!result.files) throw new Error(`bench site invalid: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
await writeRenderDirectory(join(outRoot, "render"), result.files);
const written = performance.now();
// The peer: the same files written by a bare writeFileSync loop, no staging or rename; what the disk costs.
const raw = join(outRoot, "raw");
for (const file of result.files) {
  mkdirSync(dirname(join(raw, file.path)), { recursive: true });
  writeFileSync(join(raw, file.path), file.content);
}
const rawWritten = performance.now();
await rm(outRoot, { recursive: true, force: true });
process.stdout.write(JSON.stringify({
  compileMs: compiled - started,
  totalMs: written - started,
  writeMs: written - compiled,
  rawWriteMs: rawWritten - written,
  files: result.files.length,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
}) + "\n");
