import assert from "node:assert/strict";
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { mapWithLimit } from "../../compiler/async/map-with-limit.js";
import { compile } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { writeRenderDirectory } from "../../runtime/render/render-directory.js";
import { freshKeystore } from "../helpers/keystore.js";
import { fixtures, repoRoot, sampleSite } from "../helpers/paths.js";
import { runTool } from "../helpers/run-tool.js";
import { sampleSiteSwiftOnly, sampleSiteWithoutCeph } from "../helpers/site-variants.js";
import { tempDir } from "../helpers/temp-dirs.js";

const moduleDir = join(repoRoot, "puppet/modules/oci");

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

interface Workspace { readonly render: string; readonly work: string; readonly machines: readonly string[] }

/** Compiles a site (with a keystore: certificates and node keys issued) and sets up an isolated puppet to compile its nodes. */
async function workspace(site: string): Promise<Workspace> {
  const { ca } = await freshKeystore();
  const result = await compile({ tree: new DirectoryTree(site), ca });
  assert.ok(result.files, JSON.stringify(result.diagnostics));
  const work = await tempDir("oci-puppet-");
  const render = join(work, "render");
  await writeRenderDirectory(render, result.files);
  const machines = (await readdir(join(render, "enc"))).map((f) => f.replace(/\.yaml$/, "")).sort();

  // An isolated puppet: its own confdir, vardir and codedir; facts from YAML; the ENC from the render.
  const env = join(work, "code/environments/production");
  await mkdir(join(env, "modules"), { recursive: true });
  await symlink(moduleDir, join(env, "modules/oci"));
  await symlink(join(render, "hiera"), join(env, "data"));
  // As the published hiera.yaml, but keyed on the fqdn fact: with facts_terminus yaml, trusted.certname is empty.
  await writeFile(join(env, "hiera.yaml"), [
    "---", "version: 5", "defaults:", "  datadir: data", "hierarchy:", "  - name: oci", "    lookup_key: eyaml_lookup_key", "    paths:",
    '      - "nodes/%{facts.networking.fqdn}.yaml"', '      - "clusters/%{oci_cluster}.yaml"', '      - "common.yaml"', "    options:",
    `      pkcs7_private_key: ${join(fixtures, "eyaml/private_key.pkcs7.pem")}`, `      pkcs7_public_key: ${join(fixtures, "eyaml/public_key.pkcs7.pem")}`, "",
  ].join("\n"));
  await writeFile(join(work, "enc"), `#!/bin/sh\nexec cat "${join(render, "enc")}/$1.yaml"\n`);
  await chmod(join(work, "enc"), 0o755);
  await mkdir(join(work, "var/yaml/facts"), { recursive: true });
  for (const fqdn of machines) {
    await writeFile(join(work, "var/yaml/facts", `${fqdn}.yaml`), [
      "--- !ruby/object:Puppet::Node::Facts", `name: ${fqdn}`, "values:", "  networking:", `    fqdn: ${fqdn}`, `    hostname: ${fqdn.split(".")[0]}`,
      "  os:", "    family: Debian", "    name: Debian", "    release: { major: \"12\", full: \"12.5\" }", "    distro: { codename: bookworm }",
      // What facter and openstacklib's custom facts would say, as far as the wrapped modules (keystone, apache) read them.
      `  fqdn: ${fqdn}`, `  hostname: ${fqdn.split(".")[0]}`, `  domain: ${fqdn.split(".").slice(1).join(".")}`, "  osfamily: Debian", "  operatingsystem: Debian",
      '  operatingsystemrelease: "12.5"', '  operatingsystemmajrelease: "12"', "  lsbdistcodename: bookworm", "  kernel: Linux", "  architecture: amd64",
      '  clientversion: "7.23.0"', '  puppetversion: "7.23.0"', "  path: /usr/sbin:/usr/bin:/sbin:/bin", "  processors: { count: 2 }",
      '  os_service_default: "<SERVICE DEFAULT>"', "  os_workers: 2", "  os_workers_small: 2", "  os_workers_large: 2", "  os_workers_keystone: 2", "",
    ].join("\n"));
  }
  return { render, work, machines };
}

describe("Puppet module oci: the compiler's hiera is exactly what the classes take, and every node's catalog compiles with real Puppet", { timeout: 900_000 }, () => {
  const sites: [string, () => Promise<string>][] = [["sample-site", async () => sampleSite], ["without Ceph", sampleSiteWithoutCeph], ["swift only", sampleSiteSwiftOnly]];
  const spaces = new Map<string, Workspace>();
  let render: string;
  let work: string;

  before(async () => {
    for (const [name, make] of sites) spaces.set(name, await workspace(await make()));
    ({ render, work } = spaces.get("sample-site")!);
  });

  async function catalog(fqdn: string, codedir = join(work, "code"), space: Workspace = spaces.get("sample-site")!): Promise<{ code: number; resources: { type: string; title: string; parameters?: Record<string, unknown> }[]; output: string }> {
    const result = await runTool("puppet", ["catalog", "compile", fqdn, "--confdir", join(space.work, "conf"), "--vardir", join(space.work, "var"), "--codedir", codedir,
      "--modulepath", `${join(codedir, "environments/production/modules")}:/usr/share/puppet/modules`,
      "--environment", "production", "--node_terminus", "exec", "--external_nodes", join(space.work, "enc"), "--facts_terminus", "yaml", "--render-as", "json"]);
    // The catalog is one line of JSON among puppet's notices and the wrapped modules' warnings.
    const json = result.output.split("\n").find((line) => line.startsWith("{"));
    if (result.code !== 0 || !json) return { code: result.code || 1, resources: [], output: result.output };
    return { code: 0, resources: (JSON.parse(json) as { resources: { type: string; title: string }[] }).resources, output: result.output };
  }

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

  for (const [name] of sites) {
    it(`every machine of ${name} compiles its catalog: its role, its decrypted TLS key, the profiles its cluster runs`, async () => {
      const space = spaces.get(name)!;
      const failures: string[] = [];
      const catalogs = await mapWithLimit([...space.machines], 2, async (fqdn) => [fqdn, await catalog(fqdn, join(space.work, "code"), space)] as const);
      for (const [fqdn, result] of catalogs) {
        if (result.code !== 0) {
          failures.push(`${fqdn}: ${result.output.slice(0, 1500)}`);
          continue;
        }
        const enc = parse(await readFile(join(space.render, "enc", `${fqdn}.yaml`), "utf8")) as { parameters: { oci_role: string } };
        const role = enc.parameters.oci_role;
        const has = (type: string, title: string) => result.resources.some((r) => r.type === type && r.title === title);
        assert.ok(has("Class", `Oci::Role::${role[0]!.toUpperCase()}${role.slice(1)}`), `${fqdn} has its role class`);
        const key = result.resources.find((r) => r.type === "File" && r.title === "/etc/ssl/oci/node.key");
        assert.match(String(key?.parameters?.["content"] ?? ""), new RegExp(`^-----BEGIN ${"PRIVATE"} KEY-----`), `${fqdn}: the eyaml-encrypted key arrives decrypted`);
        // Cinder through puppet-module-cinder: cinder-volume on the computes with Ceph, on the volume nodes with LVM, nowhere else.
        const clusterData = parse(await readFile(join(space.render, "hiera/clusters/cl1.yaml"), "utf8")) as Record<string, string>;
        const cinderBackend = clusterData["oci::cluster::cinder_backend"];
        const volumeBackend = result.resources.find((r) => r.type === "Cinder_config" && r.title === "DEFAULT/enabled_backends")?.parameters?.["value"];
        const expectedVolume = role === "compute" && cinderBackend === "ceph" ? "ceph" : role === "volume" && cinderBackend === "lvm" ? "lvm" : undefined;
        assert.equal(volumeBackend, expectedVolume, `${fqdn}: cinder-volume backend`);
        if (role === "controller") {
          for (const p of ["Keystone", "Galera", "Haproxy", "Rabbitmq", "Swift"]) assert.ok(has("Class", `Oci::Profile::${p}`), `${fqdn} has ${p}`);
          // Keystone through Debian's puppet-module-keystone: its database on the VIP, its public endpoint, Apache with the node's certificate.
          const config = (title: string) => result.resources.find((r) => r.type === "Keystone_config" && r.title === title)?.parameters?.["value"];
          const cluster = clusterData;
          assert.match(String(config("database/connection")), new RegExp(`^mysql\\+pymysql://keystone:[^@]+@${cluster["oci::cluster::vip"]!.replace(/\./g, "\\.")}/keystone$`), `${fqdn}: keystone's database`);
          assert.equal(config("DEFAULT/public_endpoint"), `https://${cluster["oci::cluster::public_endpoint"]}:5000`);
          const vhost = result.resources.find((r) => r.type === "Apache::Vhost" && r.title === "keystone_wsgi");
          assert.equal(vhost?.parameters?.["ssl_cert"], "/etc/ssl/oci/node.pem", `${fqdn}: keystone served with the node certificate`);
          // HAProxy through puppetlabs-haproxy: one TLS frontend on the VIP per API the cluster runs, its members the controllers (swift: the proxies).
          const services = cluster["oci::cluster::services"] as unknown as string[];
          const withApi = services.filter((service) => service !== "ceilometer");
          const listens = result.resources.filter((r) => r.type === "Haproxy::Listen" && r.title !== "stats");
          assert.deepEqual(listens.map((r) => r.title).sort(), [...withApi].sort(), `${fqdn}: a frontend per API`);
          for (const listen of listens) assert.match(Object.keys(listen.parameters?.["bind"] as object)[0]!, new RegExp(`^${cluster["oci::cluster::vip"]!.replace(/\./g, "\\.")}:\\d+$`));
          const members = (service: string) => result.resources.filter((r) => r.type === "Haproxy::Balancermember" && r.parameters?.["listening_service"] === service).map((r) => r.parameters?.["ipaddresses"]).sort();
          const expected = (list: string) => (cluster[list] as unknown as { address: string }[]).map((m) => m.address).sort();
          assert.deepEqual(members("keystone"), expected("oci::cluster::controllers"));
          if (services.includes("swift")) assert.deepEqual(members("swift"), expected("oci::cluster::swift_proxies"));
          // Galera through puppetlabs-mysql: the cluster address lists the SQL hosts (here the controllers).
          const server = result.resources.find((r) => r.type === "Class" && r.title === "Mysql::Server");
          const mysqld = (server?.parameters?.["override_options"] as { mysqld: Record<string, string> } | undefined)?.mysqld;
          assert.equal(mysqld?.["wsrep_cluster_address"], `gcomm://${expected("oci::cluster::sql_hosts").join(",")}`, `${fqdn}: galera members`);
          assert.equal(mysqld?.["ssl-cert"], "/etc/ssl/oci/node.pem");
          // RabbitMQ through puppetlabs-rabbitmq: clustered across the messaging hosts, TLS only.
          const rabbit = result.resources.find((r) => r.type === "Class" && r.title === "Rabbitmq")?.parameters;
          assert.deepEqual(rabbit?.["cluster_nodes"], (cluster["oci::cluster::messaging_hosts"] as unknown as { hostname: string }[]).map((m) => m.hostname));
          assert.equal(rabbit?.["ssl_only"], true);
          // Glance through puppet-module-glance: the image store the compiler chose (sample-site: ceph; without Ceph: swift).
          if (services.includes("glance")) {
            const backend = cluster["oci::cluster::glance_backend"]!;
            const glance = (title: string) => result.resources.find((r) => r.type === "Glance_api_config" && r.title === title)?.parameters?.["value"];
            assert.equal(glance("DEFAULT/enabled_backends"), `${backend}:${{ ceph: "rbd", swift: "swift", file: "file" }[backend]}`);
            assert.equal(backend, name === "sample-site" ? "ceph" : "swift");
          }
          assert.equal(has("Class", "Oci::Profile::Nova"), name !== "swift only", `${fqdn}: nova exactly when the cluster runs it`);
          assert.equal(has("Class", "Oci::Profile::Ceph"), name === "sample-site", `${fqdn}: ceph exactly when the cluster has OSDs`);
        }
      }
      assert.deepEqual(failures, []);
      console.log(`# ${name}: ${space.machines.length} catalogs compiled`);
    });
  }

  it("a hiera value of the wrong type fails the compile, and says which parameter", async () => {
    const broken = join(work, "broken-code");
    const env = join(broken, "environments/production");
    await mkdir(join(env, "modules"), { recursive: true });
    await symlink(moduleDir, join(env, "modules/oci"));
    await writeFile(join(env, "hiera.yaml"), await readFile(join(work, "code/environments/production/hiera.yaml"), "utf8"));
    await mkdir(join(env, "data"));
    await symlink(join(render, "hiera/nodes"), join(env, "data/nodes"));
    await symlink(join(render, "hiera/common.yaml"), join(env, "data/common.yaml"));
    await mkdir(join(env, "data/clusters"));
    const cluster = await readFile(join(render, "hiera/clusters/cl1.yaml"), "utf8");
    await writeFile(join(env, "data/clusters/cl1.yaml"), cluster.replace(/^oci::cluster::swift_part_power: \d+$/m, 'oci::cluster::swift_part_power: "ten"'));
    const result = await catalog(spaces.get("sample-site")!.machines[0]!, broken);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /swift_part_power/);
  });
});
