// Where each kind of file lives in a site repository. One file per object, so a pull request
// that changes a machine touches one file.

export type Kind = "Site" | "Network" | "Location" | "Cluster" | "Machine" | "HardwareProfile" | "DiscoveredHardware";

export const KINDS: readonly Kind[] = ["Site", "Network", "Location", "Cluster", "Machine", "HardwareProfile", "DiscoveredHardware"];

export interface FilePlace {
  readonly kind: Kind;
  /** For files under `clusters/<name>/`: the cluster folder name. */
  readonly cluster?: string;
  /** The file name without `.yaml`: should equal the object's name. */
  readonly stem: string;
}

const YAML_FILE = /\.ya?ml$/;

export function isYamlFile(path: string): boolean {
  return YAML_FILE.test(path);
}

/** The kind a YAML file must hold, judged by where it is; undefined if the place is not part of the format. */
export function placeOf(path: string): FilePlace | undefined {
  const parts = path.split("/");
  const stem = (parts[parts.length - 1] ?? "").replace(YAML_FILE, "");
  if (parts.length === 1 && stem === "site") return { kind: "Site", stem };
  if (parts.length === 2 && parts[0] === "networks") return { kind: "Network", stem };
  if (parts.length === 2 && parts[0] === "locations") return { kind: "Location", stem };
  if (parts.length === 2 && parts[0] === "hardware-profiles") return { kind: "HardwareProfile", stem };
  if (parts.length === 3 && parts[0] === "inventory" && parts[1] === "discovered") return { kind: "DiscoveredHardware", stem };
  if (parts[0] === "clusters" && parts.length === 3 && stem === "cluster") return { kind: "Cluster", cluster: parts[1]!, stem: parts[1]! };
  if (parts[0] === "clusters" && parts.length === 4 && parts[2] === "machines") return { kind: "Machine", cluster: parts[1]!, stem };
  return undefined;
}

export const LAYOUT_HELP =
  "site.yaml, networks/*.yaml, locations/*.yaml, clusters/<name>/cluster.yaml, clusters/<name>/machines/*.yaml, hardware-profiles/*.yaml, inventory/discovered/*.yaml";
