import { Code } from "../diagnostics/codes.js";
import { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { LoadedFile } from "../load/load-site.js";
import { deepFreeze, type SchemaVerdict } from "../load/site-file-cache.js";
import { where } from "./rules/first-seen.js";
import { checkAddressing } from "./rules/addressing.js";
import { checkHostNetwork } from "./rules/host-network.js";
import { checkReferences } from "./rules/references.js";
import { checkSiteSettings } from "./rules/site-settings.js";
import type { Rule } from "./rules/rule.js";
import { checkTopology } from "./rules/topology.js";
import { checkUniqueness } from "./rules/uniqueness.js";
import type { SourceFile } from "../load/source-file.js";
import { checkFileSchema } from "./schema-check.js";
import { KeyedMemo } from "../memo/keyed-memo.js";
import { SiteIndex } from "./site-index.js";
import type {
  ClusterDoc, DiscoveredHardwareDoc, HardwareProfileDoc, Located, LocatedMachine, LocationDoc, MachineDoc, MachineIdentity, NetworkDoc, SiteDoc, SiteModel,
} from "./site-model.js";

const RULES: readonly Rule[] = [checkSiteSettings, checkUniqueness, checkReferences, checkAddressing, checkTopology, checkHostNetwork];

/** Schema checks on every file, then every semantic rule on what passed: all problems in one run. */
export function validateSite(files: readonly LoadedFile[], diagnostics: DiagnosticBag): SiteIndex {
  let site: Located<SiteDoc> | undefined;
  const networks: Located<NetworkDoc>[] = [];
  const locations: Located<LocationDoc>[] = [];
  const clusters: Located<ClusterDoc>[] = [];
  const machines: LocatedMachine[] = [];
  const profiles: Located<HardwareProfileDoc>[] = [];
  const discovered: Located<DiscoveredHardwareDoc>[] = [];
  const clusterFilesPresent = new Set<string>();
  const brokenNetworkNames = new Set<string>();
  const clustersWithBrokenMachines = new Set<string>();
  const machineIdentities: MachineIdentity[] = [];

  for (const file of files) {
    const { source, place } = file;
    if (place.kind === "Cluster") clusterFilesPresent.add(place.cluster!);
    const value = checkFileSchemaOnce(file, diagnostics, place.kind === "Machine" ? (raw, bad) => {
      const identity = machineIdentity(raw, bad, source, place.cluster!);
      if (identity) machineIdentities.push(identity);
    } : undefined);
    if (value === undefined) {
      const name = place.kind === "Network" ? source.document.get("name") : undefined;
      if (typeof name === "string") brokenNetworkNames.add(name);
      if (place.kind === "Machine") clustersWithBrokenMachines.add(place.cluster!);
      continue;
    }
    switch (place.kind) {
      case "Site":
        if (site) diagnostics.error(Code.MultipleDocuments, source.start(), `a second site file; the first is ${where(site.source.start())}`, "keep one of site.yaml and site.yml");
        else site = { doc: value as SiteDoc, source };
        break;
      case "Network": networks.push({ doc: value as NetworkDoc, source }); break;
      case "Location": locations.push({ doc: value as LocationDoc, source }); break;
      case "Cluster": clusters.push({ doc: value as ClusterDoc, source }); break;
      case "Machine": machines.push({ doc: value as MachineDoc, source, cluster: place.cluster! }); break;
      case "HardwareProfile": profiles.push({ doc: value as HardwareProfileDoc, source }); break;
      case "DiscoveredHardware": discovered.push({ doc: value as DiscoveredHardwareDoc, source }); break;
    }
  }
  const networkNames = new Set(networks.map((n) => n.doc.name));
  attachClusterNetworks(clusters, machines, networkNames);
  attachLocationNetworks(locations, machines, networkNames);
  const model: SiteModel = { ...(site ? { site } : {}), networks, locations, clusters, machines, profiles, discovered, clusterFilesPresent, brokenNetworkNames, clustersWithBrokenMachines, machineIdentities };
  const index = new SiteIndex(model);
  for (const rule of RULES) rule(index, diagnostics);
  return index;
}

/**
 * The file's schema check, done once per path and bytes when the load kept a verdict: its value is
 * then frozen and shared by later compiles, so nothing after this point may change a document in place.
 */
function checkFileSchemaOnce(file: LoadedFile, diagnostics: DiagnosticBag, onRejected?: (value: unknown, badPaths: readonly string[]) => void): unknown | undefined {
  const { verdict } = file;
  if (!verdict) return checkFileSchema(file, diagnostics, onRejected);
  if (!verdict.schema) {
    const own = new DiagnosticBag();
    let rejected: SchemaVerdict["rejected"];
    const value = checkFileSchema(file, own, (raw, badPaths) => {
      rejected = { value: deepFreeze(raw), badPaths };
    });
    verdict.schema = { value: deepFreeze(value), diagnostics: own.sorted(), ...(rejected ? { rejected } : {}) };
  }
  for (const d of verdict.schema.diagnostics) diagnostics.add(d);
  if (verdict.schema.rejected) onRejected?.(verdict.schema.rejected.value, verdict.schema.rejected.badPaths);
  return verdict.schema.value;
}

/**
 * OCI attaches networks to clusters and roles: a machine of a listed role that does not name the
 * network itself gets an interface there, `ip: auto`, placed as its own interfaces without a device
 * are. Its own entry wins. Diagnostics about it point at the machine's interfaces. The machine's
 * document is replaced, never changed: it may be shared with other compiles.
 */
function attachClusterNetworks(clusters: readonly Located<ClusterDoc>[], machines: LocatedMachine[], networks: ReadonlySet<string>): void {
  const byName = new Map(clusters.map((c) => [c.doc.name, c.doc]));
  for (const [index, machine] of machines.entries()) {
    const added: string[] = [];
    for (const attachment of byName.get(machine.cluster)?.networks ?? []) {
      // An unknown network is reported once, at the cluster's entry (references), not per machine.
      if (!networks.has(attachment.network) || (attachment.roles && !attachment.roles.includes(machine.doc.role))) continue;
      if (machine.doc.interfaces.some((i) => i.network === attachment.network) || added.includes(attachment.network)) continue;
      added.push(attachment.network);
    }
    machines[index] = withInterfaces(machine, added);
  }
}

/** A machine standing in a Location (`location.dc`) is on its networks and its rack's, unless its file lists them. */
function attachLocationNetworks(locations: readonly Located<LocationDoc>[], machines: LocatedMachine[], networks: ReadonlySet<string>): void {
  const byName = new Map(locations.map((l) => [l.doc.name, l.doc]));
  for (const [index, machine] of machines.entries()) {
    const where = machine.doc.location;
    const location = where?.dc === undefined ? undefined : byName.get(where.dc);
    if (!location) continue;
    const rack = location.racks?.find((r) => r.name === where!.rack);
    const added: string[] = [];
    for (const network of [...(location.networks ?? []), ...(rack?.networks ?? [])]) {
      if (!networks.has(network) || machine.doc.interfaces.some((i) => i.network === network) || added.includes(network)) continue;
      added.push(network);
    }
    machines[index] = withInterfaces(machine, added);
  }
}

function withInterfaces(machine: LocatedMachine, networks: readonly string[]): LocatedMachine {
  if (networks.length === 0) return machine;
  const make = () => ({ ...machine.doc, interfaces: [...machine.doc.interfaces, ...networks.map((network) => ({ network }))] });
  // A shared (frozen) document gets the same extended document every compile: what resolves from it can be kept too.
  const doc = Object.isFrozen(machine.doc) ? ATTACHED.get(machine.doc, [networks.join("\0")], () => deepFreeze(make())) : make();
  return { ...machine, doc };
}

/** Pure, keyed by the frozen document it extends: safe to share by every compile of the process. */
const ATTACHED = new KeyedMemo<MachineDoc, MachineDoc>();

/** The hostname, serial and boot MACs of a rejected machine file that are valid where they stand (no schema error at or under them). */
function machineIdentity(raw: unknown, badPaths: readonly string[], source: SourceFile, cluster: string): MachineIdentity | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const doc = raw as Record<string, unknown>;
  const clean = (path: string) => !badPaths.some((bad) => bad === path || bad.startsWith(`${path}/`) || (bad !== "" && path.startsWith(`${bad}/`)));
  const text = (key: string) => (typeof doc[key] === "string" && clean(`/${key}`) ? (doc[key] as string) : undefined);
  const hostname = text("hostname");
  const serial = text("serial");
  const bootMacs = (Array.isArray(doc["bootMacs"]) ? (doc["bootMacs"] as unknown[]) : [])
    .map((mac, index) => ({ mac, index }))
    .filter((m): m is { mac: string; index: number } => typeof m.mac === "string" && clean(`/bootMacs/${m.index}`));
  if (hostname === undefined && serial === undefined && bootMacs.length === 0) return undefined;
  return { source, cluster, ...(hostname === undefined ? {} : { hostname }), ...(serial === undefined ? {} : { serial }), bootMacs };
}
