import assert from "node:assert/strict";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { mapWithLimit } from "../../compiler/async/map-with-limit.js";
import { sampleSite } from "../helpers/paths.js";
import { type Catalog, compileCatalog, puppetCycles, puppetModuleDir as moduleDir, puppetWorkspace, type PuppetWorkspace, readHiera } from "../helpers/puppet-catalog.js";
import { runTool } from "../helpers/run-tool.js";
import { sampleSiteMonsOnControllers, sampleSiteSwiftOnly, sampleSiteWithoutCephBgp } from "../helpers/site-variants.js";
import { checkNodeCatalog } from "./node-expectations.js";

/** Every class of the module with its parameters and whether each has a default, read from the .pp sources. */
async function declaredClasses(): Promise<Map<string, Map<string, { optional: boolean }>>> {
  const classes = new Map<string, Map<string, { optional: boolean }>>();
  const files = (await readdir(join(moduleDir, "manifests"), { recursive: true })).filter((f) => f.endsWith(".pp"));
  for (const file of files) {
    const text = await readFile(join(moduleDir, "manifests", file), "utf8");
    for (const match of text.matchAll(/^class ([a-z0-9_:]+)\s*(?:\(([\s\S]*?)\n\))?\s*\{/gm)) {
      const params = new Map<string, { optional: boolean }>();
      for (const line of (match[2] ?? "").split("\n")) {
        const param = /\$([a-z_][a-z0-9_]*)\s*(=)?/.exec(line);
        if (param) params.set(param[1]!, { optional: param[2] === "=" });
      }
      classes.set(match[1]!, params);
    }
  }
  return classes;
}

/** The problems between hiera keys and class parameters: keys no class declares, and required parameters no file sets. */
function disagreements(keys: ReadonlySet<string>, classes: Map<string, Map<string, { optional: boolean }>>): string[] {
  const problems: string[] = [];
  for (const key of keys) {
    const cut = key.lastIndexOf("::");
    const params = classes.get(key.slice(0, cut));
    if (!params?.has(key.slice(cut + 2))) problems.push(`hiera key ${key} is no parameter of the module (Puppet would ignore it silently)`);
  }
  for (const [name, params] of classes) {
    for (const [param, { optional }] of params) if (!optional && !keys.has(`${name}::${param}`)) problems.push(`${name}::${param} is required but the compiler never emits it`);
  }
  return problems;
}

/**
 * Class parameters nothing reads: not the class body (`$param`), not another manifest or function
 * of the module (`class::param`). A parameter the compiler emits and nobody reads is a loop left open.
 */
async function unreadParameters(): Promise<string[]> {
  const sources = new Map<string, string>();
  for (const dir of ["manifests", "functions"]) {
    for (const file of (await readdir(join(moduleDir, dir), { recursive: true })).filter((f) => f.endsWith(".pp"))) {
      sources.set(join(dir, file), await readFile(join(moduleDir, dir, file), "utf8"));
    }
  }
  const unread: string[] = [];
  for (const [file, text] of sources) {
    const match = /^class ([a-z0-9_:]+)\s*\(([\s\S]*?)\n\)\s*\{/m.exec(text);
    if (!match) continue;
    const body = text.slice(match.index + match[0].length);
    for (const [, param] of match[2]!.replace(/#.*$/gm, "").matchAll(/\$([a-z_][a-z0-9_]*)\s*(?=[=,]|$)/gm)) {
      if (new RegExp(`\\$\\{?${param}\\b`).test(body)) continue;
      const qualified = new RegExp(`\\b${match[1]}::${param}\\b`);
      if ([...sources].some(([other, source]) => other !== file && qualified.test(source))) continue;
      unread.push(`${match[1]}::${param}`);
    }
  }
  return unread.sort();
}

describe("Puppet module oci: the compiler's hiera is exactly what the classes take, and every node's catalog compiles with real Puppet", { timeout: 900_000 }, () => {
  const sites: [string, () => Promise<string>][] = [
    ["sample-site", async () => sampleSite], ["without Ceph, VIP by BGP", sampleSiteWithoutCephBgp], ["swift only, two datacenters and three zones, the controllers as proxies", sampleSiteSwiftOnly],
    ["Ceph monitors on the controllers", sampleSiteMonsOnControllers],
  ];
  const spaces = new Map<string, PuppetWorkspace>();
  let sample: PuppetWorkspace;

  before(async () => {
    for (const [name, make] of sites) spaces.set(name, await puppetWorkspace(await make()));
    sample = spaces.get("sample-site")!;
  });

  it("every manifest passes puppet parser validate", async () => {
    const files = (await readdir(moduleDir, { recursive: true })).filter((f) => f.endsWith(".pp")).map((f) => join(moduleDir, f));
    assert.ok(files.length >= 30, `${files.length} manifests`);
    const result = await runTool("puppet", ["parser", "validate", ...files]);
    assert.equal(result.code, 0, result.output);
  });

  it("puppet-lint finds nothing, warnings included", async () => {
    const result = await runTool("puppet-lint", ["--fail-on-warnings", moduleDir]);
    assert.equal(result.code, 0, result.output);
  });

  it("every hiera key the compiler emits is a declared parameter, and every required parameter is emitted", async () => {
    const keys = new Set<string>();
    for (const space of spaces.values()) {
      const hiera = (await readdir(join(space.render, "hiera"), { recursive: true })).filter((f) => f.endsWith(".yaml"));
      for (const file of hiera) for (const key of Object.keys(parse(await readFile(join(space.render, "hiera", file), "utf8")) as object)) keys.add(key);
    }
    const classes = await declaredClasses();
    assert.ok(classes.size >= 30 && keys.size >= 80, `${classes.size} classes, ${keys.size} keys`);
    assert.deepEqual(disagreements(keys, classes), []);
    // The check can fail: a key nobody declares, and a required parameter nobody sets.
    const drifted = new Set([...keys].filter((k) => k !== "oci::profile::keystone::admin_password"));
    drifted.add("oci::profile::keystone::admin_pasword");
    assert.deepEqual(disagreements(drifted, classes).sort(), [
      "hiera key oci::profile::keystone::admin_pasword is no parameter of the module (Puppet would ignore it silently)",
      "oci::profile::keystone::admin_password is required but the compiler never emits it",
    ]);
  });

  it("every class parameter is read by the module: no value the compiler emits is left unused", async () => {
    assert.deepEqual(await unreadParameters(), []);
  });

  for (const [name] of sites) {
    it(`every machine of ${name} compiles its catalog, with the resources its role and its cluster's data call for`, async () => {
      const space = spaces.get(name)!;
      const cluster = await readHiera(space, "clusters/cl1.yaml");
      const started = Date.now();
      const results = await mapWithLimit([...space.machines], 2, async (fqdn) => [fqdn, await compileCatalog(space, fqdn)] as const);
      const seconds = (Date.now() - started) / 1000;
      const failures: string[] = [];
      const catalogs = new Map<string, Catalog>();
      for (const [fqdn, result] of results) {
        if (result.code !== 0) failures.push(`${fqdn}: ${result.output.slice(0, 1500)}`);
        else catalogs.set(fqdn, result.catalog);
      }
      assert.deepEqual(failures, []);
      // No dependency cycle: Puppet would refuse to apply the catalog, which compiling alone does not show.
      const files = results.map(([, result]) => result.file!);
      const reports = await puppetCycles(files);
      assert.equal(reports.length, files.length);
      for (const report of reports) assert.deepEqual(report.cycles, [], `${report.file}: dependency cycles`);
      for (const [fqdn, catalog] of catalogs) {
        checkNodeCatalog(catalog, cluster, await readHiera(space, `nodes/${fqdn}.yaml`));
        // BIRD itself reads the BGP configuration the catalog writes (and refuses a broken one: see below).
        const bird = catalog.find("File", "/etc/bird/bird.conf")?.parameters?.["content"];
        if (typeof bird === "string") {
          const file = join(space.work, `${fqdn}.bird.conf`);
          await writeFile(file, bird);
          assert.equal((await runTool("bird", ["-p", "-c", file])).code, 0, `${fqdn}: bird -p accepts its configuration`);
          await writeFile(file, bird.replace(/neighbor (\S+) as/, "neighbor $1 ass"));
          assert.notEqual((await runTool("bird", ["-p", "-c", file])).code, 0, "bird -p refuses a broken configuration");
        }
      }
      const [resources, edges] = [reports.reduce((n, r) => n + r.resources, 0), reports.reduce((n, r) => n + r.edges, 0)];
      console.log(`# ${name}: ${space.machines.length} catalogs compiled (${seconds.toFixed(1)} s, 2 at a time) and checked; ${resources} resources, ${edges} graph edges, no cycle`);
    });
  }

  it("the cycle check finds a cycle: two files that require each other", async () => {
    const result = await compileCatalog(sample, sample.machines[0]!);
    const catalog = JSON.parse(await readFile(result.file!, "utf8")) as { resources: { type: string; title: string; parameters?: Record<string, unknown> }[] };
    const file = (title: string) => catalog.resources.find((r) => r.type === "File" && r.title === title)!;
    file("/etc/ssl/oci/ca.pem").parameters = { ...file("/etc/ssl/oci/ca.pem").parameters, require: "File[/etc/ssl/oci/node.pem]" };
    file("/etc/ssl/oci/node.pem").parameters = { ...file("/etc/ssl/oci/node.pem").parameters, require: "File[/etc/ssl/oci/ca.pem]" };
    const cyclic = join(sample.work, "cyclic.json");
    await writeFile(cyclic, JSON.stringify(catalog));
    const [report] = await puppetCycles([cyclic]);
    assert.deepEqual(report?.cycles, [["File[/etc/ssl/oci/ca.pem]", "File[/etc/ssl/oci/node.pem]", "File[/etc/ssl/oci/ca.pem]"]]);
  });

  it("a hiera value of the wrong type fails the compile, and says which parameter", async () => {
    const broken = join(sample.work, "broken-code");
    const env = join(broken, "environments/production");
    await mkdir(join(env, "modules"), { recursive: true });
    await symlink(moduleDir, join(env, "modules/oci"));
    await writeFile(join(env, "hiera.yaml"), await readFile(join(sample.work, "code/environments/production/hiera.yaml"), "utf8"));
    await mkdir(join(env, "data"));
    await symlink(join(sample.render, "hiera/nodes"), join(env, "data/nodes"));
    await symlink(join(sample.render, "hiera/common.yaml"), join(env, "data/common.yaml"));
    await mkdir(join(env, "data/clusters"));
    const cluster = await readFile(join(sample.render, "hiera/clusters/cl1.yaml"), "utf8");
    await writeFile(join(env, "data/clusters/cl1.yaml"), cluster.replace(/^oci::cluster::swift_part_power: \d+$/m, 'oci::cluster::swift_part_power: "ten"'));
    const result = await compileCatalog(sample, sample.machines[0]!, broken);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /swift_part_power/);
  });
});
