import { formatDiagnostic } from "../diagnostics/diagnostic.js";
import type { FileDiff } from "./file-diff.js";
import type { Plan } from "./plan.js";

export type PlanFormat = "text" | "markdown" | "json";

export interface PlanFormatOptions {
  /** Show the diffs of derived files too (the manifest, the DHCP formats beyond dhcpd.conf). */
  readonly allFiles?: boolean;
}

// The same change again in another form: the manifest's hashes, and the reservations in the other
// DHCP servers' formats. dhcp/dhcpd.conf stays as the readable one.
const DERIVED = new Set(["manifest.json", "dhcp/dnsmasq.conf", "dhcp/kea-dhcp4.json", "dhcp/reservations.json"]);

export function formatPlan(plan: Plan, format: PlanFormat, options: PlanFormatOptions = {}): string {
  if (format === "json") return `${JSON.stringify(plan, null, 2)}\n`;
  const shown = options.allFiles ? plan.files : plan.files.filter((f) => !DERIVED.has(f.path));
  const derived = plan.files.filter((f) => !shown.includes(f)).map((f) => f.path);
  return format === "markdown" ? markdown(plan, shown, derived) : text(plan, shown, derived);
}

function derivedLine(derived: readonly string[]): string[] {
  return derived.length > 0 ? [`also changed, the same change in derived form (--all-files shows them): ${derived.join(", ")}`, ""] : [];
}

/** The summary as lines, shared by the text and markdown forms. */
function summaryLines(plan: Plan): string[] {
  const lines: string[] = [];
  // Without a rendered state an address is the compiler's guess: never shown as if it were real.
  const guess = plan.renderedState ? "" : " (a guess: no rendered state)";
  const { added, removed, changed } = plan.machines;
  for (const m of added) lines.push(`+ machine ${m.hostname} (${m.role}, cluster ${m.cluster}) gets ${m.address}${guess}`);
  for (const c of plan.clusters) {
    if (c.status === "added") lines.push(`+ cluster ${c.name}`);
    else if (c.status === "removed") lines.push(`- cluster ${c.name} removed`);
    else for (const change of c.changes) lines.push(`~ cluster ${c.name}: ${change}`);
  }
  for (const n of plan.networks) {
    if (n.status === "added") lines.push(`+ network ${n.name}`);
    else if (n.status === "removed") lines.push(`- network ${n.name} removed`);
    else for (const change of n.changes) lines.push(`~ network ${n.name}: ${change}`);
  }
  for (const m of removed) {
    const ring = m.role === "swiftstore" ? "; the swift ring shrinks: its devices leave and their data rebalances onto the other stores" : "";
    lines.push(`- machine ${m.hostname} (${m.role}, cluster ${m.cluster}) removed, frees ${m.address}${ring}`);
  }
  for (const m of changed) lines.push(`~ machine ${m.hostname}: ${m.changes.join("; ")}`);
  for (const a of plan.addresses) {
    if (a.from === undefined) lines.push(`+ address ${a.to} on ${a.network} for ${a.key}${guess}`);
    else if (a.to === undefined) lines.push(`- address ${a.from} on ${a.network} released by ${a.key}${guess}`);
    else lines.push(`~ address of ${a.key} on ${a.network}: ${a.from} → ${a.to}${guess}`);
  }
  for (const r of plan.reservations) {
    if (r.from === undefined) lines.push(`+ DHCP reservation ${r.mac} → ${r.to} (${r.hostname})${guess}`);
    else if (r.to === undefined) lines.push(`- DHCP reservation ${r.mac} → ${r.from} (${r.hostname})`);
    else lines.push(`~ DHCP reservation ${r.mac} (${r.hostname}): ${r.from} → ${r.to}`);
  }
  for (const w of plan.waves) {
    const parts = [...w.added.map((h) => `+${h}`), ...w.removed.map((h) => `-${h}`)];
    lines.push(`~ setup wave ${w.wave} of cluster ${w.cluster}: ${parts.join(" ")}`);
  }
  for (const c of plan.certificates) lines.push(`+ certificate ${c.name} to be issued by ${c.issuer}`);
  for (const name of plan.secrets.created) lines.push(`+ secret ${name} created (encrypted; value never shown)`);
  for (const name of plan.secrets.removed) lines.push(`- secret ${name} removed (nothing uses it any more)`);
  for (const name of plan.secrets.pending) lines.push(`! secret ${name} cannot be created: the site names no eyaml public key`);
  for (const h of plan.withoutBootMac) lines.push(`! machine ${h} has no boot MAC yet: no DHCP reservation until discovery reports it`);
  return lines;
}

function counts(plan: Plan): string {
  const by = (status: string) => plan.files.filter((f) => f.status === status).length;
  return `${plan.files.length} output file(s) change: ${by("added")} added, ${by("changed")} changed, ${by("removed")} removed`;
}

/** Where BASE's addresses came from; without a rendered state, a warning that they are a guess. */
function stateLine(plan: Plan): string {
  return plan.renderedState
    ? `rendered state: ${plan.renderedState.ref} (${plan.renderedState.commit.slice(0, 12)})`
    : "WARNING: no rendered branch was found: every address, certificate and secret below is allocated from nothing, a guess, not what the provisioning host will give (fetch the rendered branch, e.g. git fetch origin oci/rendered)";
}

function text(plan: Plan, files: readonly FileDiff[], derived: readonly string[]): string {
  const out: string[] = [`oci plan ${plan.base.revision} (${plan.base.commit.slice(0, 12)}) → ${plan.head.revision} (${plan.head.commit.slice(0, 12)})`, stateLine(plan), ""];
  if (plan.diagnostics.length > 0) out.push(...plan.diagnostics.map(formatDiagnostic), "");
  if (!plan.head.valid) {
    out.push("HEAD does not compile: fix the errors above.");
    return `${out.join("\n")}\n`;
  }
  const summary = summaryLines(plan);
  out.push(...(summary.length > 0 ? summary : ["no change to clusters, networks, machines, addresses, reservations, setup waves or secrets"]), "", counts(plan), "", ...derivedLine(derived));
  for (const f of files) out.push(f.patch ?? `${f.status} ${f.path} (diff too large to show)`);
  return `${out.join("\n")}\n`;
}

function markdown(plan: Plan, files: readonly FileDiff[], derived: readonly string[]): string {
  const out: string[] = [`### oci plan \`${plan.base.revision}\` → \`${plan.head.revision}\``, "", plan.renderedState ? stateLine(plan) : `> **${stateLine(plan)}**`, ""];
  out.push(plan.head.valid ? "HEAD compiles." : "**HEAD does not compile.**", "");
  if (plan.diagnostics.length > 0) out.push("#### Diagnostics", "", "```", ...plan.diagnostics.map(formatDiagnostic), "```", "");
  if (!plan.head.valid) return `${out.join("\n")}\n`;
  const summary = summaryLines(plan);
  out.push("#### Summary", "", ...(summary.length > 0 ? summary.map((l) => `- \`${l.slice(0, 1)}\` ${l.slice(2)}`) : ["No change to clusters, networks, machines, addresses, reservations, setup waves or secrets."]), "");
  out.push(`#### Files`, "", counts(plan), "", ...derivedLine(derived));
  for (const f of files) {
    out.push(`<details><summary>${f.status} <code>${f.path}</code>${f.redacted ? " (encrypted values redacted)" : ""}</summary>`, "", "```diff", f.patch ?? "(diff too large to show)", "```", "</details>", "");
  }
  return `${out.join("\n")}\n`;
}
