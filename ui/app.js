// The status page of oci serve: renders the overview the daemon streams (/api/v1/events), with the
// DOM API only (textContent, never innerHTML), so nothing a machine reported can become markup.
"use strict";

const STATUS_COLORS = {
  "-": "#9aa0a6", discovered: "#8e44ad", installing: "#2980b9", installed: "#16a085", "install-failed": "#c0392b",
  "puppet-running": "#d68910", "puppet-waiting": "#7f8c8d", "puppet-success": "#27ae60", "puppet-failure": "#e74c3c",
};
const RATE_COLORS = { dhcp: "#2980b9", tftp: "#d68910", http: "#27ae60" };
const SVG = "http://www.w3.org/2000/svg";

const state = { overview: undefined, sortKey: "fqdn", sortDir: 1 };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/** A commit id, linked to the forge when the site gives statusPage.commitUrl. */
function commitNode(commit) {
  if (!commit) return document.createTextNode("-");
  const text = commit.slice(0, 12);
  const template = state.overview && state.overview.commitUrl;
  if (!template || !/^https?:\/\//.test(template)) return el("code", { title: commit }, text);
  return el("a", { href: template.replace("{commit}", encodeURIComponent(commit)), title: commit, rel: "noreferrer" }, el("code", {}, text));
}

function duration(fromIso) {
  if (!fromIso) return "-";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(fromIso)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d`;
}

function renderRelease(o) {
  const dl = $("release");
  dl.replaceChildren();
  const row = (term, ...value) => dl.append(el("dt", {}, term), el("dd", {}, ...value));
  if (!o.release) {
    row("Served", "no release applied");
  } else {
    row("Rendered", commitNode(o.release.commit), ` applied ${new Date(o.release.appliedAt).toLocaleString()}`);
    const source = o.release.source;
    if (source) {
      row("Source", commitNode(source.commit), source.subject ? ` ${source.subject}` : "");
      if (source.author) row("Author", source.author, source.time ? `, ${new Date(source.time).toLocaleString()}` : "");
    }
    if (!o.release.commit) row("Served", o.release.id);
  }
  $("health").replaceChildren(...o.health.map((h) => el("li", { class: "chip", "data-ok": String(h.ok), title: h.detail }, `${h.name}: ${h.ok === null ? "off" : h.ok ? "ok" : "failing"}`)));
  $("refusals").replaceChildren(...o.refusals.map((r) => el("div", { class: "refusal", role: "alert" },
    el("strong", {}, `Refused ${r.stage}: `), commitNode(r.commit), ` at ${new Date(r.at).toLocaleString()}`, el("pre", {}, r.reason))));
  $("warnings").replaceChildren(...o.warnings.map((w) => el("li", {}, w)));
}

function renderWaves(o) {
  $("waves").replaceChildren(...o.clusters.map((c) => el("div", { class: "cluster" },
    el("h3", {}, c.cluster),
    el("ol", { class: "waves" }, ...c.waves.map((w) => el("li", { class: "wave", "data-open": String(w.open) },
      el("span", { class: "wave-name" }, `wave ${w.wave}`),
      ` ${w.succeeded}/${w.machines} succeeded · `, w.open ? "open" : `waits for ${w.waitingCount}: ${w.waitingFor.join(", ")}${w.waitingCount > w.waitingFor.length ? ", …" : ""}`))))));
}

function plot(svgNode, legendNode, samples, series, colors) {
  svgNode.replaceChildren();
  legendNode.replaceChildren();
  const width = 400, height = 150, pad = 24;
  svgNode.append(svg("line", { x1: pad, y1: height - pad, x2: width - 4, y2: height - pad, class: "axis" }), svg("line", { x1: pad, y1: 4, x2: pad, y2: height - pad, class: "axis" }));
  if (samples.length === 0) {
    const text = svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" });
    text.textContent = "first sample within a minute";
    svgNode.append(text);
    return;
  }
  const max = Math.max(1, ...samples.flatMap((s) => series.map((name) => s.values[name] || 0)));
  const t0 = samples[0].at, t1 = samples[samples.length - 1].at;
  const x = (at) => pad + (t1 === t0 ? width - pad - 4 : ((at - t0) / (t1 - t0)) * (width - pad - 4));
  const y = (v) => height - pad - (v / max) * (height - pad - 4);
  const label = svg("text", { x: 2, y: 12, class: "tick" });
  label.textContent = String(Math.round(max * 100) / 100);
  const first = svg("text", { x: pad, y: height - 8, class: "tick" });
  first.textContent = new Date(t0).toLocaleTimeString();
  const last = svg("text", { x: width - 4, y: height - 8, class: "tick", "text-anchor": "end" });
  last.textContent = new Date(t1).toLocaleTimeString();
  svgNode.append(label, first, last);
  for (const name of series) {
    if (!samples.some((s) => (s.values[name] || 0) > 0)) continue;
    const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.values[name] || 0).toFixed(1)}`).join(" ");
    svgNode.append(svg(samples.length === 1 ? "circle" : "polyline", samples.length === 1
      ? { cx: x(t0), cy: y(samples[0].values[name] || 0), r: 3, fill: colors[name] || "#555" }
      : { points, fill: "none", stroke: colors[name] || "#555", "stroke-width": 2 }));
    const swatch = svg("svg", { width: 10, height: 10, class: "swatch" });
    swatch.append(svg("rect", { width: 10, height: 10, fill: colors[name] || "#555" }));
    legendNode.append(el("li", {}, swatch, ` ${name}`));
  }
}

function renderPlots(o) {
  plot($("plot-machines"), $("legend-machines"), o.history.map((s) => ({ at: s.at, values: s.machines })), Object.keys(STATUS_COLORS), STATUS_COLORS);
  plot($("plot-rates"), $("legend-rates"), o.history.map((s) => ({ at: s.at, values: s.rates })), Object.keys(RATE_COLORS), RATE_COLORS);
}

function fillSelect(select, values) {
  const current = select.value;
  const options = [el("option", { value: "" }, "all"), ...[...new Set(values)].sort().map((v) => el("option", { value: v }, v))];
  select.replaceChildren(...options);
  select.value = [...select.options].some((o) => o.value === current) ? current : "";
}

function renderMachines(o) {
  const machines = o.machines;
  fillSelect($("filter-cluster"), machines.map((m) => m.cluster || "(unassigned)"));
  fillSelect($("filter-role"), machines.map((m) => m.role || "(unassigned)"));
  fillSelect($("filter-status"), machines.map((m) => m.status));
  const cluster = $("filter-cluster").value, role = $("filter-role").value, status = $("filter-status").value;
  const text = $("filter-text").value.trim().toLowerCase();
  const shown = machines.filter((m) =>
    (!cluster || (m.cluster || "(unassigned)") === cluster) && (!role || (m.role || "(unassigned)") === role) && (!status || m.status === status) &&
    (!text || [m.fqdn, m.serial, m.address, ...m.macs].some((v) => v && v.toLowerCase().includes(text))));
  const key = state.sortKey, dir = state.sortDir;
  shown.sort((a, b) => {
    const va = a[key] || "", vb = b[key] || "";
    return va < vb ? -dir : va > vb ? dir : 0;
  });
  for (const th of document.querySelectorAll("#machines th")) th.setAttribute("aria-sort", th.dataset.key === key ? (dir > 0 ? "ascending" : "descending") : "none");
  $("machine-count").textContent = `(${shown.length} of ${machines.length})`;
  const rows = [];
  for (const m of shown) {
    const failed = m.status === "install-failed" || m.status === "puppet-failure";
    rows.push(el("tr", { "data-serial": m.serial || "", "data-fqdn": m.fqdn || "", "data-status": m.status },
      el("td", { "data-label": "Hostname" }, m.fqdn || el("em", {}, "unassigned")),
      el("td", { "data-label": "Serial" }, m.serial || "-"),
      el("td", { "data-label": "Cluster" }, m.cluster || "-"),
      el("td", { "data-label": "Role" }, m.role || "-"),
      el("td", { "data-label": "PXE address" }, m.address || "-"),
      el("td", { "data-label": "Status" }, el("span", { class: "status", "data-status": m.status }, m.status), m.step ? ` (${m.step})` : ""),
      el("td", { "data-label": "In state", class: "since", "data-since": m.since || "" }, duration(m.since)),
      el("td", { "data-label": "Installed from" }, commitNode(m.installedFrom)),
      el("td", { "data-label": "Puppet applied" }, commitNode(m.applied))));
    if (failed && (m.detail || m.failedResources)) {
      rows.push(el("tr", { class: "detail" }, el("td", { colspan: "9" },
        el("pre", {}, [m.detail, m.failedResources && `failed: ${m.failedResources.join(", ")}`].filter(Boolean).join("\n")))));
    }
  }
  document.querySelector("#machines tbody").replaceChildren(...rows);
}

function render() {
  const o = state.overview;
  if (!o) return;
  renderRelease(o);
  renderWaves(o);
  renderPlots(o);
  renderMachines(o);
}

function connect() {
  const connection = $("connection");
  const events = new EventSource("/api/v1/events");
  events.addEventListener("overview", (event) => {
    state.overview = JSON.parse(event.data);
    connection.dataset.state = "live";
    connection.textContent = "live";
    render();
  });
  // EventSource reconnects by itself (the server asks for 2 s): a restarted daemon is picked up again.
  events.addEventListener("error", () => {
    connection.dataset.state = "reconnecting";
    connection.textContent = "reconnecting…";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const th of document.querySelectorAll("#machines th")) {
    th.querySelector("button").addEventListener("click", () => {
      state.sortDir = state.sortKey === th.dataset.key ? -state.sortDir : 1;
      state.sortKey = th.dataset.key;
      if (state.overview) renderMachines(state.overview);
    });
  }
  for (const id of ["filter-cluster", "filter-role", "filter-status"]) $(id).addEventListener("change", () => state.overview && renderMachines(state.overview));
  $("filter-text").addEventListener("input", () => state.overview && renderMachines(state.overview));
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  setInterval(() => {
    for (const cell of document.querySelectorAll("td.since")) cell.textContent = duration(cell.dataset.since);
  }, 1000);
  connect();
});
