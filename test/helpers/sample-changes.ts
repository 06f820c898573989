import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Adds compute `cl1-compute-3` to a copy of sample-site (a copy of cl1-compute-2 with its own serial and MAC). */
export async function addComputeToSample(site: string, hostname = "cl1-compute-3", macByte = "99"): Promise<void> {
  const text = await readFile(join(site, "clusters/cl1/machines/cl1-compute-2.yaml"), "utf8");
  await writeFile(
    join(site, `clusters/cl1/machines/${hostname}.yaml`),
    text.replace("hostname: cl1-compute-2", `hostname: ${hostname}`).replace("CZ300005", `CZ3000${macByte}`).replaceAll("52:54:00:00:00:05", `52:54:00:00:00:${macByte}`),
  );
}
