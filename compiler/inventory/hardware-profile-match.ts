import type { DiscoveredHardwareDoc, HardwareProfileDoc } from "../validate/site-model.js";

const GIB = 1024 ** 3;

/** Why a profile does not fit a report, or undefined when every condition of its match holds. */
export function profileMismatch(profile: HardwareProfileDoc, hw: DiscoveredHardwareDoc): string | undefined {
  const match = profile.match;
  if (match.vendor !== undefined && hw.vendor !== match.vendor) return `vendor ${JSON.stringify(hw.vendor ?? "")} is not ${JSON.stringify(match.vendor)}`;
  if (match.product !== undefined && hw.product !== match.product) return `product ${JSON.stringify(hw.product ?? "")} is not ${JSON.stringify(match.product)}`;
  if (match.minRamMiB !== undefined && (hw.ramMiB ?? 0) < match.minRamMiB) return `${hw.ramMiB ?? 0} MiB of RAM, fewer than ${match.minRamMiB}`;
  // minDiskGiB says which disks count; minDisks how many of them there must be.
  const counted = (hw.disks ?? []).filter((d) => match.minDiskGiB === undefined || d.sizeBytes >= match.minDiskGiB * GIB);
  if (match.minDisks !== undefined && counted.length < match.minDisks) {
    return `${counted.length} disk(s)${match.minDiskGiB === undefined ? "" : ` of ${match.minDiskGiB} GiB or more`}, fewer than ${match.minDisks}`;
  }
  if (match.minDisks === undefined && match.minDiskGiB !== undefined && counted.length === 0) return `no disk of ${match.minDiskGiB} GiB or more`;
  return undefined;
}

/** The first profile, by name, whose match fits the report: profiles are files, so their order is their names'. */
export function matchingProfile(profiles: readonly HardwareProfileDoc[], hw: DiscoveredHardwareDoc): HardwareProfileDoc | undefined {
  return [...profiles].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).find((p) => profileMismatch(p, hw) === undefined);
}
