import { join } from "node:path";
import { compile, type CompileResult } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { writeRenderDirectory } from "../../runtime/render/render-directory.js";
import { tempDir } from "./temp-dirs.js";

/** Compiles a site directory that must be valid; returns the result and a directory holding the render. */
export async function compileToDirectory(site: string): Promise<CompileResult & { out: string; files: NonNullable<CompileResult["files"]> }> {
  const result = await compile({ tree: new DirectoryTree(site) });
  if (!result.files) throw new Error(`site ${site} does not compile: ${JSON.stringify(result.diagnostics, null, 1)}`);
  const out = join(await tempDir("oci-render-"), "render");
  await writeRenderDirectory(out, result.files);
  return { ...result, files: result.files, out };
}
