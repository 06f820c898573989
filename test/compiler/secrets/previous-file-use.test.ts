import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile, type PreviousRender } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { previousFileUse } from "../../../compiler/secrets/credentials.js";
import { freshKeystore } from "../../helpers/keystore.js";
import { sampleSite } from "../../helpers/paths.js";

const previousOf = (files: ReadonlyMap<string, string>): PreviousRender => ({ label: "previous/", readFile: async (path) => files.get(path) });

describe("previousFileUse: what a compile takes from its previous render", () => {
  it("of a hiera file only its encrypted values: a previous render that differs elsewhere in them gives the same compile", async () => {
    const { ca } = await freshKeystore();
    const first = await compile({ tree: new DirectoryTree(sampleSite), ca });
    const before = new Map(first.files!.map((f) => [f.path, f.content]));
    // Every hiera file changed, its encrypted values kept: a comment, a key the compile never reads, a plain value changed.
    const after = new Map([...before].map(([path, text]) => [path, path.startsWith("hiera/")
      ? `# changed\n${text.replace(/^(oci::node::hostname: ).*$/m, '$1"elsewhere"')}oci::unrelated::key: "new"\n` : text]));
    const hiera = [...before.keys()].filter((p) => p.startsWith("hiera/"));
    assert.ok(hiera.length > 10 && hiera.every((p) => after.get(p) !== before.get(p)), "every hiera file's text differs");
    assert.ok(hiera.every((p) => previousFileUse(p, after.get(p)) === previousFileUse(p, before.get(p))), "and what a compile takes of it does not");
    const [a, b] = [await compile({ tree: new DirectoryTree(sampleSite), ca, previous: previousOf(before) }), await compile({ tree: new DirectoryTree(sampleSite), ca, previous: previousOf(after) })];
    assert.deepEqual(b.files, a.files);
    assert.deepEqual(b.diagnostics, a.diagnostics);

    const node = hiera.find((p) => p.startsWith("hiera/nodes/") && /ENC\[PKCS7,/.test(before.get(p)!))!;
    const reencrypted = before.get(node)!.replace(/ENC\[PKCS7,[A-Za-z0-9+/=]{8}/, "ENC[PKCS7,AAAAAAAA");
    assert.notEqual(previousFileUse(node, reencrypted), previousFileUse(node, before.get(node)), "an encrypted value changed is a change");
    assert.equal(previousFileUse("state/ipam.json", "{}"), "{}", "any other file is taken whole");
    assert.equal(previousFileUse("hiera/absent.yaml", undefined), undefined);
  });
});
