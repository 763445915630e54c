// The failover report: one self-contained HTML file (inline CSS and SVG, no scripts or
// external resources) drawing, for each run, the client's requests on a time axis
// coloured by the node that answered, failed requests, the gap, the fault and the
// cluster's events from the nodes' logs.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { LabConfig } from "./config.js";
import { gapSteps } from "./breakdown.js";
import type { FailoverResult, FailoverRun, GapSplit } from "./failover.js";
import { median } from "./poller.js";

const PALETTE = ["#2f7ed8", "#e4572e", "#29a35a", "#9b59b6", "#f1a208", "#17becf", "#8c564b", "#e377c2"];

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

function colorOf(lab: LabConfig, node: string | undefined): string {
  const i = lab.nodes.findIndex((n) => n.name === node);
  return i < 0 ? "#777" : PALETTE[i % PALETTE.length];
}

function runSvg(lab: LabConfig, r: FailoverRun, idx: number): string {
  const W = 1100;
  const left = 150;
  const right = 20;
  const t0 = Math.min(r.tFault - 300, ...r.samples.slice(0, 1).map((s) => s.t0));
  const tEndRaw = Math.max(r.firstNewEnd ?? r.tFault, ...r.samples.map((s) => s.t1));
  // The interesting part is the failover; a long heal would squash it, so the axis ends
  // shortly after the switch unless the failback is drawn too.
  const tEnd = r.failback ? tEndRaw : Math.min(tEndRaw, (r.firstNewEnd ?? r.tFault) + 1000);
  const span = Math.max(tEnd - t0, 1);
  const x = (t: number) => left + ((t - t0) / span) * (W - left - right);
  const events = r.events.filter((e) => e.t >= t0 && e.t <= tEnd);
  const rowH = 16;
  const clientY = 40;
  const evY = 110;
  const H = evY + events.length * rowH + 30;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="run ${idx + 1} timeline">`,
  );
  // Time axis: a tick every 100/200/500/1000 ms depending on the span.
  const step = [100, 200, 500, 1000, 2000, 5000, 10000].find((s) => span / s <= 14) ?? 20000;
  for (let t = Math.ceil((t0 - r.tFault) / step) * step; r.tFault + t <= tEnd; t += step) {
    const xx = x(r.tFault + t).toFixed(1);
    parts.push(`<line x1="${xx}" y1="20" x2="${xx}" y2="${H - 20}" stroke="#eee"/>`);
    parts.push(
      `<text x="${xx}" y="${H - 6}" font-size="10" text-anchor="middle" fill="#666">${(t / 1000).toFixed(step < 1000 ? 1 : 0)} s</text>`,
    );
  }
  parts.push(`<text x="8" y="${clientY + 12}" font-size="12">client requests</text>`);
  // Requests: a bar from send to answer, coloured by the node; failures in grey/red.
  for (const s of r.samples) {
    if (s.t1 < t0 || s.t0 > tEnd) continue;
    const x0 = x(Math.max(s.t0, t0));
    const w = Math.max(x(Math.min(s.t1, tEnd)) - x0, 1.2);
    const lane = s.ok ? 0 : 1;
    const fill = s.ok ? colorOf(lab, s.node) : "#c0392b";
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${clientY + lane * 22}" width="${w.toFixed(1)}" height="16" fill="${fill}" fill-opacity="${s.ok ? 0.85 : 0.45}"><title>${esc(`${((s.t0 - r.tFault) / 1000).toFixed(3)} s: ${s.ok ? `answered by ${s.node}` : `failed (${s.error})`} in ${(s.t1 - s.t0).toFixed(0)} ms`)}</title></rect>`,
    );
  }
  // The gap.
  if (r.lastOldEnd !== undefined && r.firstNewEnd !== undefined) {
    const a = x(r.lastOldEnd);
    const b = x(r.firstNewEnd);
    parts.push(
      `<rect x="${a.toFixed(1)}" y="${clientY - 14}" width="${Math.max(b - a, 1).toFixed(1)}" height="56" fill="none" stroke="#000" stroke-dasharray="4 3"/>`,
    );
    parts.push(
      `<text x="${((a + b) / 2).toFixed(1)}" y="${clientY - 18}" font-size="11" text-anchor="middle">gap ${((r.gapMs ?? 0) / 1000).toFixed(3)} s</text>`,
    );
  }
  // The fault.
  const fx = x(r.tFault).toFixed(1);
  parts.push(`<line x1="${fx}" y1="18" x2="${fx}" y2="${H - 20}" stroke="#c0392b" stroke-width="2"/>`);
  parts.push(
    `<text x="${Number(fx) + 4}" y="16" font-size="11" fill="#c0392b">${esc(`${r.fault} ${r.from}`)}</text>`,
  );
  parts.push(`<text x="8" y="${evY - 4}" font-size="12">cluster events</text>`);
  events.forEach((e, i) => {
    const y = evY + i * rowH + 10;
    const ex = x(e.t);
    parts.push(`<circle cx="${ex.toFixed(1)}" cy="${y - 4}" r="4" fill="${colorOf(lab, e.node)}"/>`);
    const anchorRight = ex > W * 0.5;
    parts.push(
      `<text x="${(anchorRight ? ex - 8 : ex + 8).toFixed(1)}" y="${y}" font-size="10.5" text-anchor="${anchorRight ? "end" : "start"}" fill="#333">${esc(`${((e.t - r.tFault) / 1000).toFixed(3)} ${e.node} ${e.text}`.slice(0, 105))}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** The gap step by step (breakdown.ts gapSteps), for the table. */
const stepsCell = (sp: GapSplit | undefined) => (sp ? esc(gapSteps(sp.actions, sp.from, sp.to)) : "");

export function renderReport(lab: LabConfig, res: FailoverResult): string {
  const gaps = res.runs.filter((r) => r.gapMs !== undefined).map((r) => (r.gapMs as number) / 1000);
  const legend = lab.nodes
    .map(
      (n) =>
        `<span class="key" style="background:${colorOf(lab, n.name)}"></span>${esc(n.name)} (${esc(n.address)})`,
    )
    .join(" &nbsp; ");
  const rows = res.runs
    .map(
      (r, i) =>
        `<tr><td>${i + 1}</td><td>${esc(r.from)}</td><td>${esc(r.to ?? "-")}</td><td>${r.gapMs === undefined ? "-" : (r.gapMs / 1000).toFixed(3)}</td><td>${r.failedRequests}</td><td>${r.doubleAnswers}</td><td>${r.failback ? `${esc(r.failback.from)} → ${esc(r.failback.to)} ${((r.failback.gapMs ?? 0) / 1000).toFixed(3)} s` : "-"}</td><td class="steps">${stepsCell(r.split)}${r.failback?.split ? `<br>failback: ${stepsCell(r.failback.split)}` : ""}</td></tr>`,
    )
    .join("\n");
  const runs = res.runs
    .map(
      (r, i) =>
        `<h2>Run ${i + 1}: ${esc(r.fault)} on ${esc(r.from)} → ${esc(r.to ?? "no other node")}</h2>\n${runSvg(lab, r, i)}${r.error ? `<p class="err">${esc(r.error)}</p>` : ""}`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tandem failover report: ${esc(res.fault)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
.key{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
.steps{text-align:left;font-size:12px} .err{color:#c0392b} svg{border:1px solid #ddd;margin-bottom:18px}
</style></head><body>
<h1>Failover: fault '${esc(res.fault)}', ${res.runs.length} run(s)</h1>
<p>Client: GET ${esc(res.url)} every 20 ms (new connection each, 250 ms timeout). Gap = end of the last good answer from the old node to the end of the first good answer from the new one.
Lab ${esc(lab.dir)} (${esc(lab.mode)}), ${lab.nodes.length} nodes.</p>
<p>${legend} &nbsp; <span class="key" style="background:#c0392b;opacity:.45"></span>failed request</p>
<table><tr><th>run</th><th>from</th><th>to</th><th>gap (s)</th><th>failed requests</th><th>double answers</th><th>failback</th><th>steps (ms): lead-in, each action, +hop, | tail</th></tr>
${rows}
</table>
${gaps.length ? `<p>Gap: min ${Math.min(...gaps).toFixed(3)} s, median ${median(gaps).toFixed(3)} s, max ${Math.max(...gaps).toFixed(3)} s.</p>` : ""}
${runs}
</body></html>
`;
}

export function writeReport(cwd: string, file: string, lab: LabConfig, res: FailoverResult): string {
  const p = resolve(cwd, file);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, renderReport(lab, res));
  return p;
}
