// npm run golden:update — rewrites test/golden/sample-site from the current compiler, so that
// every change to the outputs shows up in review as a diff of these files.
import { compile } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { formatDiagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { previousRenderDirectory, writeRenderDirectory } from "../../runtime/render/render-directory.js";
import { goldenDir, sampleSite } from "../helpers/paths.js";

const { files, diagnostics } = await compile({ tree: new DirectoryTree(sampleSite), previous: previousRenderDirectory(goldenDir) });
for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
if (!files) process.exit(1);
await writeRenderDirectory(goldenDir, files);
process.stderr.write(`golden: wrote ${files.length} files to ${goldenDir}\n`);
