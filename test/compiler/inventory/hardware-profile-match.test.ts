import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { matchingProfile, profileMismatch } from "../../../compiler/inventory/hardware-profile-match.js";
import type { DiscoveredHardwareDoc, HardwareProfileDoc } from "../../../compiler/validate/site-model.js";
import { sampleSite } from "../../helpers/paths.js";

const read = async <T>(path: string) => parse(await readFile(join(sampleSite, path), "utf8")) as T;
const GIB = 1024 ** 3;

describe("hardware profiles match discovery reports", async () => {
  // Real-shaped: the sample site's report of a Dell R640, as the agent writes it, and its profiles.
  const r640 = await read<DiscoveredHardwareDoc>("inventory/discovered/CZ3099999.yaml");
  const compute = await read<HardwareProfileDoc>("hardware-profiles/compute-r640.yaml");
  const swift = await read<HardwareProfileDoc>("hardware-profiles/swiftstore-r740xd.yaml");
  const r740xd: DiscoveredHardwareDoc = {
    ...r640, serial: "CZ3088888", product: "PowerEdge R740xd", ramMiB: 196608,
    disks: [
      { name: "sda", sizeBytes: 480 * GIB }, { name: "sdb", sizeBytes: 480 * GIB },
      ...Array.from({ length: 10 }, (_, i) => ({ name: `sd${String.fromCharCode(99 + i)}`, sizeBytes: 8000 * GIB, rotational: true })),
    ],
  };

  it("the R640 report is a compute, the R740xd with ten 8 TB disks a swift store", () => {
    assert.equal(matchingProfile([swift, compute], r640)?.name, "compute-r640");
    assert.equal(matchingProfile([swift, compute], r740xd)?.name, "swiftstore-r740xd");
  });

  it("says which condition fails", () => {
    assert.equal(profileMismatch(compute, r640), undefined);
    assert.match(profileMismatch(compute, { ...r640, ramMiB: 131072 })!, /131072 MiB of RAM, fewer than 262144/);
    assert.match(profileMismatch(compute, { ...r640, vendor: "HPE" })!, /vendor "HPE" is not "Dell Inc\."/);
    assert.match(profileMismatch(compute, { ...r640, disks: [r640.disks![0]!] })!, /1 disk\(s\), fewer than 2/);
    // minDiskGiB decides which disks count: the two 480 GB system disks do not.
    const small = { ...r740xd, disks: r740xd.disks!.slice(0, 9) };
    assert.match(profileMismatch(swift, small)!, /7 disk\(s\) of 4000 GiB or more, fewer than 8/);
    assert.equal(matchingProfile([swift, compute], small), undefined, "an R740xd has no compute profile");
  });

  it("takes the first profile by name when several match", () => {
    const any = { ...compute, name: "aaa-any", match: {}, role: "volume" as const };
    assert.equal(matchingProfile([compute, any], r640)?.name, "aaa-any");
  });
});
