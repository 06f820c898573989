// DHCP: oci serve's embedded server against Kea (kea-dhcp4, memfile), each driven by Kea's
// perfdhcp from a second network namespace, same site, same rates, one run.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

interface Result { rate: number; drops: number; sent: number }

function perfdhcp(client: string, rate: number, clients: number, seconds: number): Result {
  let output = "";
  try {
    output = execFileSync("ip", ["netns", "exec", client, "perfdhcp", "-4", "-r", String(rate), "-R", String(clients), "-p", String(seconds), "-W", "1000000", "10.100.0.2"], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    output = (error as { stdout?: string }).stdout ?? ""; // perfdhcp exits 3 when it saw drops
  }
  // perfdhcp's own rate divides by the run including the exit wait (-W): count the ACKs of the test period instead.
  const acks = Number(/Statistics for: REQUEST-ACK[\s\S]*?received packets: (\d+)/.exec(output)?.[1] ?? 0);
  const achieved = acks / seconds;
  const drops = [...output.matchAll(/^drops: (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const sent = [...output.matchAll(/^sent packets: (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return { rate: achieved, drops, sent };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
}

export async function benchDhcp(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "oci-bench-dhcp-"));
  const id = process.pid.toString(36);
  const [server, client] = [`obs${id}`, `obc${id}`];
  const children: ChildProcess[] = [];
  try {
    const site = join(root, "site");
    await cp(fileURLToPath(new URL("../../test/fixtures/base-site", import.meta.url)), site, { recursive: true });
    await writeFile(join(site, "networks/pxe.yaml"), "apiVersion: oci/v1\nkind: Network\nname: pxe\ncidr: 10.100.0.0/16\ngateway: 10.100.0.1\npurpose: pxe\ndiscoveryPool:\n  start: 10.100.16.1\n  end: 10.100.255.254\nreserved:\n  - start: 10.100.0.1\n    end: 10.100.0.9\n");
    await writeFile(join(site, "site.yaml"), (await readFile(join(site, "site.yaml"), "utf8")).replace("address: 192.168.10.2", "address: 10.100.0.2"));
    const render = join(root, "render");
    execFileSync(process.execPath, [cli, "compile", site, "--out", render], { stdio: "pipe" });
    ip("netns", "add", server);
    ip("netns", "add", client);
    ip("link", "add", `s${id}`, "netns", server, "type", "veth", "peer", "name", `c${id}`, "netns", client);
    ip("-n", server, "addr", "add", "10.100.0.2/16", "dev", `s${id}`);
    ip("-n", client, "addr", "add", "10.100.0.50/16", "dev", `c${id}`);
    for (const [ns, dev] of [[server, `s${id}`], [client, `c${id}`]]) {
      ip("-n", ns!, "link", "set", "lo", "up");
      ip("-n", ns!, "link", "set", dev!, "up");
    }
    const kea = JSON.parse(await readFile(join(render, "dhcp/kea-dhcp4.json"), "utf8")) as { Dhcp4: Record<string, unknown> };
    kea.Dhcp4["interfaces-config"] = { interfaces: [`s${id}`] };
    kea.Dhcp4["lease-database"] = { type: "memfile", persist: true, name: join(root, "kea-leases.csv") };
    kea.Dhcp4["loggers"] = [{ name: "kea-dhcp4", severity: "WARN", output_options: [{ output: join(root, "kea.log") }] }];
    await writeFile(join(root, "kea.json"), JSON.stringify(kea));

    const rates = [1000, 1500, 2000, 4000, 8000];
    const servers: [string, string[]][] = [
      ["oci serve", [process.execPath, cli, "serve", "--render", render, "--listen", "10.100.0.2", "--no-tftp", "--http-port", "18081", "--state-dir", join(root, "state")]],
      ["peer: kea-dhcp4", ["kea-dhcp4", "-c", join(root, "kea.json")]],
    ];
    const table = new Map<string, Result[]>();
    for (const [name, command] of servers) {
      const child = spawn("ip", ["netns", "exec", server, ...command], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, KEA_PIDFILE_DIR: root, KEA_LOCKFILE_DIR: root } });
      children.push(child);
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
      const exited = new Promise((r) => child.once("exit", r));
      await waitFor(() => execFileSync("ip", ["netns", "exec", server, "ss", "-lun"], { encoding: "utf8" }).includes(":67 "));
      if (child.exitCode !== null) throw new Error(`${name} exited at start: ${stderr}`);
      table.set(name, rates.map((rate) => perfdhcp(client, rate, 1000, 10)));
      child.kill();
      await exited;
    }
    console.log("\n## DHCP: perfdhcp DORA, 1,000 clients, 10 s per rate, relayed (giaddr), in network namespaces; a reply still in flight when the 10 s end is waited for (1 s), not counted as a drop\n");
    console.log(`| target rate/s | ${[...table.keys()].map((n) => `${n} exchanges/s | drops`).join(" | ")} |`);
    console.log(`|---:|${[...table.keys()].map(() => "---:|---:").join("|")}|`);
    rates.forEach((rate, i) => console.log(`| ${rate} | ${[...table.values()].map((r) => `${r[i]!.rate.toFixed(0)} | ${r[i]!.drops}`).join(" | ")} |`));
  } finally {
    for (const child of children) child.kill();
    execFileSync("sh", ["-c", `ip netns del ${server} 2>/dev/null; ip netns del ${client} 2>/dev/null; true`]);
    await rm(root, { recursive: true, force: true });
  }
}
