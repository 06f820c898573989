import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { diffFiles } from "../../../compiler/plan/file-diff.js";
import { commitAll, gitCli, repoFromSite } from "../../helpers/git-repo.js";
import { sampleSite } from "../../helpers/paths.js";
import { runOci } from "../../helpers/run-cli.js";
import { tempDir } from "../../helpers/temp-dirs.js";
import { addComputeToSample } from "../../helpers/sample-changes.js";
import { freshKeystore } from "../../helpers/keystore.js";

describe("oci plan", () => {
  it("adding one compute names that node, its addresses, its DHCP entry and its wave, and nothing unrelated", async () => {
    const repo = await repoFromSite(sampleSite);
    // The host's render of main: the plan reads its state (addresses, secrets, certificates).
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    await gitCli(repo, "checkout", "-q", "-b", "pr");
    await addComputeToSample(repo);
    await commitAll(repo, "Add cl1-compute-3");
    const result = await runOci(["plan", "main", "HEAD", "--repo", repo]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^rendered state: oci\/rendered \([0-9a-f]{12}\)$/m);
    const summarySection = result.stdout.slice(0, result.stdout.indexOf("output file(s) change"));
    const summary = summarySection.split("\n").filter((l) => /^[+\-~!] /.test(l));
    assert.deepEqual(summary, [
      "+ machine cl1-compute-3 (compute, cluster cl1) gets 10.10.0.30",
      "+ address 10.20.0.21 on ipmi for ipmi/cl1-compute-3",
      "+ address 10.10.0.30 on management for machine/cl1-compute-3/management",
      "+ address 192.168.100.29 on pxe for machine/cl1-compute-3/pxe",
      "+ address 10.40.0.3 on vm for machine/cl1-compute-3/vm",
      "+ DHCP reservation 52:54:00:00:00:99 → 192.168.100.29 (cl1-compute-3)",
      "~ setup wave 4. other of cluster cl1: +cl1-compute-3",
      "+ certificate cl1-compute-3.cl1.example.com to be issued by provisioning host",
      "+ secret autosign/cl1-compute-3.cl1.example.com created (encrypted; value never shown)",
      "+ secret ipmi/cl1-compute-3.cl1.example.com created (encrypted; value never shown)",
    ]);
    assert.match(result.stdout, /^\+\+\+ b\/hiera\/nodes\/cl1-compute-3\.cl1\.example\.com\.yaml$/m);
    assert.match(result.stdout, /^\+  - address: "10\.10\.0\.30"$/m, "the cluster hiera lists the new compute");

    const json = JSON.parse((await runOci(["plan", "main", "HEAD", "--repo", repo, "--format", "json"])).stdout) as { machines: { added: { hostname: string }[] }; files: { path: string; status: string }[] };
    assert.deepEqual(json.machines.added.map((m) => m.hostname), ["cl1-compute-3"]);
    const touched = json.files.map((f) => `${f.status} ${f.path}`);
    assert.deepEqual(touched, [
      "changed dhcp/dhcpd.conf",
      "changed dhcp/dnsmasq.conf",
      "changed dhcp/kea-dhcp4.json",
      "changed dhcp/reservations.json",
      "added enc/cl1-compute-3.cl1.example.com.yaml",
      "changed hiera/clusters/cl1.yaml",
      "added hiera/nodes/cl1-compute-3.cl1.example.com.yaml",
      "changed manifest.json",
      "added pxe/grub/grub.cfg-01-52-54-00-00-00-99",
      "added pxe/ipxe/52-54-00-00-00-99.ipxe",
      "added pxe/pxelinux.cfg/01-52-54-00-00-00-99",
      "changed setup/order.json",
      "changed state/ipam.json",
      "changed state/secrets.json",
    ], "the new machine's files and the shared files that list it; no other machine's file");

    const markdown = await runOci(["plan", "main", "HEAD", "--repo", repo, "--format", "markdown"]);
    assert.match(markdown.stdout, /^### oci plan `main` → `HEAD`$/m);
    assert.match(markdown.stdout, /<details><summary>added <code>enc\/cl1-compute-3\.cl1\.example\.com\.yaml<\/code>/);
  });

  it("adding one machine: derived files (manifest, DHCP formats beyond dhcpd.conf) are named, not shown, unless --all-files", async () => {
    const repo = await repoFromSite(sampleSite);
    await addComputeToSample(repo);
    await commitAll(repo, "Add cl1-compute-3");
    const short = (await runOci(["plan", "HEAD~1", "HEAD", "--repo", repo])).stdout;
    assert.match(short, /^also changed, the same change in derived form \(--all-files shows them\): dhcp\/dnsmasq\.conf, dhcp\/kea-dhcp4\.json, dhcp\/reservations\.json, manifest\.json$/m);
    assert.doesNotMatch(short, /^\+\+\+ b\/manifest\.json$/m);
    assert.match(short, /^\+\+\+ b\/dhcp\/dhcpd\.conf$/m, "one DHCP format stays");
    const all = (await runOci(["plan", "HEAD~1", "HEAD", "--repo", repo, "--all-files"])).stdout;
    assert.match(all, /^\+\+\+ b\/manifest\.json$/m);
    assert.ok(short.split("\n").length < all.split("\n").length - 50, `${short.split("\n").length} lines against ${all.split("\n").length}`);
  });

  it("cluster, network, service, secret and role changes read as sentences in the summary", async () => {
    const repo = await repoFromSite(sampleSite);
    const edit = async (path: string, from: string | RegExp, to: string) => {
      const text = await readFile(join(repo, path), "utf8");
      const next = text.replace(from, to);
      assert.notEqual(next, text, `${path}: ${String(from)}`);
      await writeFile(join(repo, path), next);
    };
    await edit("networks/management.yaml", "mtu: 1500", "mtu: 9000");
    await edit("clusters/cl1/cluster.yaml", /heat, /, "");
    await edit("clusters/cl1/machines/cl1-compute-2.yaml", "  compute:\n    storage: local", "  compute:\n    storage: ceph");
    await edit("clusters/cl1/machines/cl1-compute-1.yaml", "role: compute", "role: network");
    await edit("clusters/cl1/machines/cl1-compute-1.yaml", /options:\n  compute:\n.*\n/, "");
    await rm(join(repo, "clusters/cl1/machines/cl1-swiftstore-6.yaml"));
    await commitAll(repo, "A mixed change");
    const result = await runOci(["plan", "HEAD~1", "HEAD", "--repo", repo]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const summary = result.stdout.split("\n").filter((l) => /^[+\-~!] /.test(l));
    const has = (line: string | RegExp) => assert.ok(summary.some((l) => (typeof line === "string" ? l === line : line.test(l))), `${String(line)} in:\n${summary.join("\n")}`);
    has("~ network management: MTU: 1500 → 9000");
    has("~ cluster cl1: service heat removed: Puppet stops managing it (what runs, its database and its data stay until removed by hand); its secrets leave hiera");
    has(/^- secret cl1\/heat\/\S+ removed \(nothing uses it any more\)$/);
    has("~ machine cl1-compute-2: compute storage: local → ceph");
    has(/^~ machine cl1-compute-1: role compute → network: Puppet applies the network role on the installed system; raise installGeneration to reinstall it clean/);
    has(/^- machine cl1-swiftstore-6 \(swiftstore, cluster cl1\) removed, frees \S+; the swift ring shrinks/);
    assert.ok(!summary.some((l) => l.includes("[null")), "no raw arrays of options");
  });

  it("in a CI clone it reads the remote's rendered branch and gives the addresses the host will give; with none it warns that they are a guess", async () => {
    // The host's history: rendered, then cl1-compute-1 removed (its addresses freed, every other kept where it is).
    const repo = await repoFromSite(sampleSite);
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    await rm(join(repo, "clusters/cl1/machines/cl1-compute-1.yaml"));
    await commitAll(repo, "Retire cl1-compute-1");
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    // CI's clone: origin/main and origin/oci/rendered, no local rendered branch; a pull request adds a compute.
    const ci = join(await tempDir("oci-ci-"), "clone");
    await gitCli(repo, "clone", "-q", repo, ci);
    await gitCli(ci, "checkout", "-q", "-b", "pr");
    await addComputeToSample(ci);
    await commitAll(ci, "Add cl1-compute-3");
    const plan = await runOci(["plan", "origin/main", "HEAD", "--repo", ci]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stderr, /BASE compiled on the rendered state of origin\/oci\/rendered \([0-9a-f]{12}\)/);
    assert.match(plan.stdout, /^rendered state: origin\/oci\/rendered /m);
    assert.doesNotMatch(plan.stdout, /a guess/);
    const planned = /^\+ machine cl1-compute-3 \(compute, cluster cl1\) gets (\S+)$/m.exec(plan.stdout)?.[1];
    // What the host gives once the change is merged and rendered.
    await gitCli(repo, "pull", "-q", "--no-rebase", ci, "pr");
    assert.equal((await runOci(["compile", "--commit", "--repo", repo])).code, 0);
    const hiera = await gitCli(repo, "show", "oci/rendered:hiera/nodes/cl1-compute-3.cl1.example.com.yaml");
    const given = /^oci::node::management_address: "([\d.]+)"$/m.exec(hiera)?.[1];
    assert.ok(planned && given, hiera);
    assert.equal(planned, given, "the plan's address is the one the host gives");
    // The fresh allocation it used to show instead differs here: the removed machine's address is free.
    await gitCli(ci, "update-ref", "-d", "refs/remotes/origin/oci/rendered");
    const guessed = await runOci(["plan", "origin/main", "HEAD", "--repo", ci]);
    assert.equal(guessed.code, 0, guessed.stderr);
    assert.match(guessed.stderr, /WARNING: no rendered branch here \(oci\/rendered, nor a remote's\)/);
    assert.match(guessed.stdout, /^WARNING: no rendered branch was found/m);
    const guess = /^\+ machine cl1-compute-3 \(compute, cluster cl1\) gets (\S+) \(a guess: no rendered state\)$/m.exec(guessed.stdout)?.[1];
    assert.ok(guess, guessed.stdout.slice(0, 2000));
    assert.notEqual(guess, planned, "without the state the address differs: it was never right to show it as real");
  });

  it("keeps the certificate verdicts of a run for the next, and plans the same with them, without them and with a damaged file", async () => {
    const repo = await repoFromSite(sampleSite);
    const { dir: keystore } = await freshKeystore();
    assert.equal((await runOci(["compile", "--commit", "--repo", repo, "--keystore", keystore])).code, 0);
    await gitCli(repo, "checkout", "-q", "-b", "pr");
    // A change that makes no secret (a new one would be encrypted afresh at every run, and its redacted digest with it).
    const machine = join(repo, "clusters/cl1/machines/cl1-compute-2.yaml");
    await writeFile(machine, (await readFile(machine, "utf8")).replace("CZ300005", "CZ300777"));
    await commitAll(repo, "A new serial for cl1-compute-2");
    const plan = async (...extra: string[]) => {
      const result = await runOci(["plan", "main", "HEAD", "--repo", repo, "--format", "json", ...extra]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout;
    };
    const cacheFile = join(repo, ".git/oci/plan-cache.json");
    const reference = await plan("--no-cache");
    await assert.rejects(readFile(cacheFile), "--no-cache keeps nothing");
    assert.equal(await plan(), reference, "the first run, judging every certificate");
    const kept = JSON.parse(await readFile(cacheFile, "utf8")) as { format: number; certificates: Record<string, number> };
    const issued = (await gitCli(repo, "ls-tree", "--name-only", "oci/rendered", "pki/certs/")).trim().split("\n").length;
    assert.equal(Object.keys(kept.certificates).length, issued, "one verdict per certificate of the rendered state");
    assert.equal(await plan(), reference, "the next run, taking them");
    await writeFile(cacheFile, "{ damaged");
    assert.equal(await plan(), reference, "a damaged file is ignored");
    assert.equal(Object.keys((JSON.parse(await readFile(cacheFile, "utf8")) as typeof kept).certificates).length, issued, "and replaced");
  });

  it("exits 1 with HEAD's diagnostics when HEAD does not compile", async () => {
    const repo = await repoFromSite(sampleSite);
    await writeFile(join(repo, "clusters/cl1/machines/cl1-compute-2.yaml"), "apiVersion: oci/v1\nkind: Machine\nhostname: cl1-compute-2\nrole: wizard\ninterfaces: [{network: management}]\n");
    await commitAll(repo, "Break it");
    const result = await runOci(["plan", "HEAD~1", "HEAD", "--repo", repo]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^clusters\/cl1\/machines\/cl1-compute-2\.yaml:4:7: error OCI1104: /m);
    assert.match(result.stdout, /HEAD does not compile/);
  });

  it("never shows an encrypted value, only whether it changed", () => {
    const before = [{ path: "hiera/nodes/a.yaml", content: "a: ENC[PKCS7,AAAA]\nb: ENC[PKCS7,BBBB]\n" }];
    const after = [{ path: "hiera/nodes/a.yaml", content: "a: ENC[PKCS7,AAAA]\nb: ENC[PKCS7,CCCC]\n" }];
    const [diff] = diffFiles(before, after);
    assert.equal(diff!.redacted, true);
    assert.ok(!/AAAA|BBBB|CCCC/.test(diff!.patch!), diff!.patch);
    assert.match(diff!.patch!, /^-b: ENC\[redacted [0-9a-f]{8}\]$/m);
    assert.match(diff!.patch!, /^ a: ENC\[redacted [0-9a-f]{8}\]$/m, "an unchanged value stays a context line");
  });
});
