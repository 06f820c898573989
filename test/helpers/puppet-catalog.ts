import assert from "node:assert/strict";
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { compile } from "../../compiler/index.js";
import { DirectoryTree } from "../../compiler/load/directory-tree.js";
import { writeRenderDirectory } from "../../runtime/render/render-directory.js";
import { freshKeystore } from "./keystore.js";
import { fixtures, repoRoot } from "./paths.js";
import { runTool } from "./run-tool.js";
import { tempDir } from "./temp-dirs.js";

export const puppetModuleDir = join(repoRoot, "puppet/modules/oci");

/** A compiled site and an isolated puppet (its own confdir, vardir and codedir) that compiles its nodes' catalogs. */
export interface PuppetWorkspace {
  readonly render: string;
  readonly work: string;
  readonly machines: readonly string[];
}

/**
 * The external facts the oci module hands every agent (its facts.d, synced by Puppet before the
 * first catalog): read from the module, so a catalog compiles here only if a real agent gets them.
 */
async function moduleExternalFacts(): Promise<string[]> {
  const dir = join(puppetModuleDir, "facts.d");
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith(".txt"));
  const lines = (await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")))).flatMap((t) => t.split("\n")).filter((l) => l.includes("="));
  return lines.map((l) => `  ${l.slice(0, l.indexOf("="))}: ${JSON.stringify(l.slice(l.indexOf("=") + 1))}`);
}

/**
 * What facter (with the wrapped modules' custom facts: openstacklib's os_workers, swift's
 * swift_device_uuids) says on a fresh Debian 12 node with 2 CPUs and 8 GiB, as far as the modules read it.
 * openstacklib's os_service_default is not here: Debian ships it as a file of the openstacklib
 * package (/etc/facter/facts.d), which nodes do not have; the oci module's facts.d provides it.
 */
function nodeFacts(fqdn: string, external: readonly string[]): string {
  const [hostname, ...domain] = fqdn.split(".");
  return [
    "--- !ruby/object:Puppet::Node::Facts", `name: ${fqdn}`, "values:", "  networking:", `    fqdn: ${fqdn}`, `    hostname: ${hostname}`,
    "  os:", "    family: Debian", "    name: Debian", '    release: { major: "12", full: "12.5" }', "    distro: { codename: bookworm }",
    `  fqdn: ${fqdn}`, `  hostname: ${hostname}`, `  domain: ${domain.join(".")}`, "  osfamily: Debian", "  operatingsystem: Debian",
    '  operatingsystemrelease: "12.5"', '  operatingsystemmajrelease: "12"', "  lsbdistcodename: bookworm", "  kernel: Linux", "  architecture: amd64",
    '  clientversion: "7.23.0"', '  puppetversion: "7.23.0"', "  path: /usr/sbin:/usr/bin:/sbin:/bin", "  processors: { count: 2 }", "  processorcount: 2",
    "  memorysize: 8.00 GiB", "  memorysize_mb: 8192", "  memory: { system: { total_bytes: 8589934592 } }", "  service_provider: systemd",
    ...external, "  os_workers: 2", "  os_workers_small: 2", "  os_workers_large: 2", "  os_workers_keystone: 2",
    "  swift_device_uuids: {}", "",
  ].join("\n");
}

/** Compiles a site (with a keystore: certificates and node keys issued) and sets up an isolated puppet to compile its nodes. */
export async function puppetWorkspace(site: string): Promise<PuppetWorkspace> {
  const { ca } = await freshKeystore();
  const result = await compile({ tree: new DirectoryTree(site), ca });
  assert.ok(result.files, JSON.stringify(result.diagnostics));
  const work = await tempDir("oci-puppet-");
  const render = join(work, "render");
  await writeRenderDirectory(render, result.files);
  const machines = (await readdir(join(render, "enc"))).map((f) => f.replace(/\.yaml$/, "")).sort();

  const env = join(work, "code/environments/production");
  await mkdir(join(env, "modules"), { recursive: true });
  await symlink(puppetModuleDir, join(env, "modules/oci"));
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
  const external = await moduleExternalFacts();
  for (const fqdn of machines) await writeFile(join(work, "var/yaml/facts", `${fqdn}.yaml`), nodeFacts(fqdn, external));
  return { render, work, machines };
}

export interface Resource {
  readonly type: string;
  readonly title: string;
  readonly parameters?: Record<string, unknown>;
  readonly tags?: readonly string[];
}

/** A compiled catalog's resources, with the lookups the assertions need. */
export class Catalog {
  constructor(readonly resources: readonly Resource[]) {}

  find(type: string, title: string): Resource | undefined {
    return this.resources.find((r) => r.type === type && r.title === title);
  }

  has(type: string, title: string): boolean {
    return this.find(type, title) !== undefined;
  }

  /** Titles of every resource of a type, sorted. */
  titles(type: string): string[] {
    return this.resources.filter((r) => r.type === type).map((r) => r.title).sort();
  }

  /** The value an ini-style *_config resource sets (nova_config, neutron_agent_ovs …). */
  config(type: string, title: string): unknown {
    return this.find(type, title)?.parameters?.["value"];
  }
}

export interface CatalogResult {
  readonly code: number;
  readonly catalog: Catalog;
  readonly output: string;
  /** The catalog as puppet printed it (JSON), kept in the workspace for puppetCycles. */
  readonly file?: string;
}

/** `puppet catalog compile` of one node, from the workspace's render (hiera + ENC) and facts. */
export async function compileCatalog(space: PuppetWorkspace, fqdn: string, codedir = join(space.work, "code")): Promise<CatalogResult> {
  const result = await runTool("puppet", ["catalog", "compile", fqdn, "--confdir", join(space.work, "conf"), "--vardir", join(space.work, "var"), "--codedir", codedir,
    "--modulepath", `${join(codedir, "environments/production/modules")}:/usr/share/puppet/modules`,
    "--environment", "production", "--node_terminus", "exec", "--external_nodes", join(space.work, "enc"), "--facts_terminus", "yaml", "--render-as", "json"],
    // A bound, not a speed target: a controller's catalog takes ~15 s alone, and over 60 s on a loaded machine.
    { timeout: 600_000 });
  // The catalog is one line of JSON among puppet's notices and the wrapped modules' warnings.
  const json = result.output.split("\n").find((line) => line.startsWith("{"));
  if (result.code !== 0 || !json) return { code: result.code || 1, catalog: new Catalog([]), output: result.output };
  const file = join(space.work, "catalogs", `${fqdn}.json`);
  await mkdir(join(space.work, "catalogs"), { recursive: true });
  await writeFile(file, json);
  return { code: 0, catalog: new Catalog((JSON.parse(json) as { resources: Resource[] }).resources), output: result.output, file };
}

export interface CycleReport {
  readonly file: string;
  readonly resources: number;
  readonly edges: number;
  /** Each cycle as the chain of resource references that closes it. */
  readonly cycles: readonly (readonly string[])[];
}

/** Builds Puppet's own relationship graph of each catalog file, as `puppet apply` does first, and reports its cycles. */
export async function puppetCycles(files: readonly string[]): Promise<CycleReport[]> {
  const modulepath = `${puppetModuleDir.replace(/\/oci$/, "")}:/usr/share/puppet/modules`;
  const result = await runTool("ruby", [join(repoRoot, "test/helpers/puppet-cycles.rb"), modulepath, ...files], { timeout: 600_000 });
  assert.equal(result.code, 0, result.output.slice(0, 2000));
  return result.output.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as CycleReport);
}

/** A render's hiera file as a plain object. */
export async function readHiera(space: PuppetWorkspace, path: string): Promise<Record<string, unknown>> {
  return parse(await readFile(join(space.render, "hiera", path), "utf8")) as Record<string, unknown>;
}
