#!/usr/bin/env node
// The shape sweep's report: per shape, webgrad's time, throughput and speed ratio to the best peer, and
// the cliff report; and the sweep plot (an SVG, no dependencies). bench/run.mjs --sweep calls it on its
// own results; by hand it compares two runs:
//   node bench/sweep-report.mjs AFTER.json [--before BEFORE.json] [--svg out.svg] [--worst 10]
//     [--before-extra B.json --after-extra A.json]   extra runs holding issue #9 shapes the sweeps lack
//
// A cliff is a shape where webgrad is slower than a neighbouring shape that does at least twice the work
// (same family, one dimension different), or slower than the best peer. Times within NOISE of each other
// count as equal: the sweep runs on a shared CPU, where sub-millisecond medians move by 10 % run to run.
// And a shape counts as slower than its neighbour only if even its fastest round is slower than the
// neighbour's median: at the dispatch floor (about 0.06 ms a call in Chromium on SwiftShader) one shape's
// rounds spread from 0.066 to 0.19 ms, wider than any difference between its neighbours. Nor does a
// difference smaller than the sweep's resolution count, the interquartile range of the rounds of its
// fastest shape (about 0.02 ms in Chromium on SwiftShader): one kernel's time moved by more than that
// with its position in the run (sum([4,4], all): 0.060 ms measured first, 0.038 ms measured later).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NOISE = 1.15;
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const sig = (x) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** One row per timed shape: { id, label, kind, family, dims, work, ms, peers: {name: ms}, best, bestPeer, ratio, rate }. */
export function sweepRows(results) {
  const rows = [];
  for (const w of results.workloads) {
    const ok = (n) => w.check?.engines?.[n]?.ok && w.timings?.[n]?.ms > 0;
    if (!ok('webgrad')) {
      rows.push({ id: w.id, label: w.label, kind: w.kind, family: w.family, dims: w.dims, failed: w.check?.engines?.webgrad?.error ?? w.error ?? 'wrong or untimed' });
      continue;
    }
    const ms = w.timings.webgrad.ms;
    const peers = {};
    for (const n of Object.keys(w.timings)) if (n !== 'webgrad' && ok(n)) peers[n] = w.timings[n].ms;
    const names = Object.keys(peers);
    const bestPeer = names.length ? names.reduce((a, b) => (peers[a] <= peers[b] ? a : b)) : null;
    const best = bestPeer ? peers[bestPeer] : null;
    const work = w.metric === 'GFLOP/s' ? w.flops : w.bytes;
    const rate = (t) => (w.metric === 'GFLOP/s' ? `${sig(w.flops / t / 1e6)} GFLOP/s` : `${sig(w.bytes / t / 1e6)} GB/s`);
    const msAll = w.timings.webgrad.msAll ?? [ms];
    const msMin = Math.min(...msAll);
    rows.push({ id: w.id, label: w.label, kind: w.kind, family: w.family, dims: w.dims, work, ms, msMin, msAll, peers, best, bestPeer, ratio: best ? best / ms : null, rate: rate(ms), peerRate: best ? rate(best) : '' });
  }
  return rows;
}

const neighbours = (a, b) => {
  if (a.family !== b.family || !a.dims || !b.dims) return false;
  const ks = Object.keys(a.dims);
  return ks.filter((k) => a.dims[k] !== b.dims[k]).length === 1;
};

/** The interquartile range of the rounds of the fastest shape: differences below it are not measured. */
export function resolution(rows) {
  const ok = rows.filter((r) => !r.failed && r.msAll?.length);
  if (!ok.length) return 0;
  const s = [...ok.reduce((a, b) => (a.ms <= b.ms ? a : b)).msAll].sort((a, b) => a - b);
  const q = (f) => s[Math.min(s.length - 1, Math.round(f * (s.length - 1)))];
  return q(0.75) - q(0.25);
}

/** Cliffs: { row, kind: 'neighbour' | 'peer', than, factor } (factor: how much slower). */
export function cliffs(rows) {
  const ok = rows.filter((r) => !r.failed);
  const res = resolution(ok);
  const out = [];
  for (const r of ok) {
    let worst = null;
    for (const n of ok)
      if (n !== r && n.work >= 2 * r.work && neighbours(r, n) && r.ms > NOISE * n.ms && r.msMin - n.ms > res && (!worst || n.ms < worst.ms)) worst = n;
    if (worst) out.push({ row: r, kind: 'neighbour', than: worst, factor: r.ms / worst.ms });
    if (r.ratio !== null && r.ratio * NOISE < 1) out.push({ row: r, kind: 'peer', than: null, factor: 1 / r.ratio });
  }
  return out.sort((a, b) => b.factor - a.factor);
}

/**
 * The reduction efficiency check of the issue: each reduction within 2x of the best time per element
 * its kernel reaches on the grid, with the dispatch floor (the fastest reduction of any size) as the
 * least time any shape can take.
 */
export function reduceEfficiency(rows) {
  const red = rows.filter((r) => !r.failed && r.kind === 'reduce');
  if (!red.length) return [];
  const perElem = Math.min(...red.map((r) => r.ms / (r.work / 4)));
  const floor = Math.min(...red.map((r) => r.ms));
  return red
    .map((r) => ({ row: r, bound: Math.max(floor, perElem * (r.work / 4)) }))
    .filter((e) => e.row.ms > 2 * e.bound)
    .map((e) => ({ ...e, factor: e.row.ms / e.bound }))
    .sort((a, b) => b.factor - a.factor);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};

export function summary(rows) {
  const rs = rows.filter((r) => r.ratio !== null && !r.failed).map((r) => r.ratio);
  const c = cliffs(rows);
  return {
    shapes: rows.length,
    failed: rows.filter((r) => r.failed).length,
    medianRatio: median(rs),
    atLeast1: rs.filter((x) => x >= 1).length / Math.max(rs.length, 1),
    neighbourCliffs: c.filter((x) => x.kind === 'neighbour').length,
    peerCliffs: c.filter((x) => x.kind === 'peer').length,
    reduceOver2x: reduceEfficiency(rows).length,
    resolutionMs: resolution(rows),
  };
}

const peerName = { tfjs: 'TF.js', 'jax-js': 'jax-js', 'jax-js-jit': 'jax-js jit' };

function rowLine(r) {
  return `| ${r.label} | ${fmt(r.ms)} ms · ${r.rate} | ${r.best ? `${fmt(r.best)} ms (${peerName[r.bestPeer] ?? r.bestPeer})` : '—'} | ${r.ratio ? `${r.ratio.toFixed(2)}×` : '—'} |`;
}

/** The worst `n` shapes by ratio to the best peer, as a Markdown table. */
export function worstTable(rows, n = 10) {
  const ok = rows.filter((r) => r.ratio !== null && !r.failed).sort((a, b) => a.ratio - b.ratio).slice(0, n);
  return ['| shape | webgrad | best peer | webgrad speed vs best peer |', '|---|---:|---:|---:|', ...ok.map(rowLine)].join('\n');
}

export function sweepReport(results, { worst = 10 } = {}) {
  const rows = sweepRows(results);
  const s = summary(rows);
  const c = cliffs(rows);
  const eff = reduceEfficiency(rows);
  const lines = [
    `**Sweep: ${s.shapes} shapes${s.failed ? `, ${s.failed} failed` : ''}.** webgrad ≥ 1× the best peer on ${(100 * s.atLeast1).toFixed(0)} % of shapes; median speed ratio ${s.medianRatio.toFixed(2)}×; ${s.neighbourCliffs} neighbour cliff(s) (resolution ${fmt(s.resolutionMs)} ms), ${s.peerCliffs} shape(s) slower than the best peer (beyond ${Math.round((NOISE - 1) * 100)} % noise); ${s.reduceOver2x} reduction(s) over 2× the best time per element.`,
    '',
    `**Worst ${worst} shapes (webgrad speed / best peer)**`,
    '',
    worstTable(rows, worst),
    '',
    '**Cliff report**',
    '',
    c.length ? '| shape | webgrad | cliff | factor |\n|---|---:|---|---:|' : 'No cliffs.',
    ...c.map((x) => `| ${x.row.label} | ${fmt(x.row.ms)} ms | ${x.kind === 'neighbour' ? `slower than ${x.than.label} (${fmt(x.than.ms)} ms, ${(x.than.work / x.row.work).toFixed(0)}× the work)` : `slower than ${peerName[x.row.bestPeer] ?? x.row.bestPeer} (${fmt(x.row.best)} ms)`} | ${x.factor.toFixed(2)}× |`),
    '',
  ];
  if (eff.length) {
    lines.push('**Reductions over 2× the best time per element (or the dispatch floor)**', '', '| shape | webgrad | bound | factor |', '|---|---:|---:|---:|');
    for (const e of eff) lines.push(`| ${e.row.label} | ${fmt(e.row.ms)} ms | ${fmt(e.bound)} ms | ${e.factor.toFixed(2)}× |`);
    lines.push('');
  }
  return { rows, summary: s, cliffs: c, markdown: lines.join('\n') };
}

// ---- the plot -------------------------------------------------------------------------------------

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const PANELS = [
  ['matmul', (r) => r.kind === 'matmul'],
  ['reductions', (r) => r.kind === 'reduce' && !['bias-grad', 'batchnorm'].includes(r.family)],
  ['softmax, bias gradients, batch norm', (r) => r.kind === 'softmax' || ['bias-grad', 'batchnorm'].includes(r.family)],
];

/**
 * An SVG dot chart: per shape (x, grouped by family), webgrad's speed relative to the best peer on a
 * log2 axis; one colour per run (before in grey, after in blue when two runs are given).
 */
export function plotSvg(runs) {
  const sets = runs.map(({ results }) => new Map(sweepRows(results).filter((r) => r.ratio).map((r) => [r.id, r])));
  const last = runs[runs.length - 1].results;
  const order = last.workloads.map((w) => w.id);
  const colours = runs.length > 1 ? ['#9a9a9a', '#1f6fd1'] : ['#1f6fd1'];
  const W = 1500, panelH = 230, top = 50, left = 60;
  const lo = -4, hi = 4; // log2 of the ratio, clamped
  const y = (ratio, y0) => y0 + ((hi - Math.max(lo, Math.min(hi, Math.log2(ratio)))) / (hi - lo)) * (panelH - 50);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top + PANELS.length * panelH + 20}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${left}" y="20" font-size="14">webgrad speed ÷ best peer (TF.js, jax-js) per shape, log scale; above the red line webgrad is faster</text>`);
  runs.forEach((r, i) => out.push(`<circle cx="${left + 6 + i * 260}" cy="36" r="4" fill="${colours[i]}"/><text x="${left + 14 + i * 260}" y="40">${esc(r.name)}</text>`));
  PANELS.forEach(([title, pick], p) => {
    const y0 = top + p * panelH;
    const ids = order.filter((id) => sets.some((m) => m.has(id) && pick(m.get(id))));
    const dx = (W - left - 20) / Math.max(ids.length, 1);
    out.push(`<text x="${left}" y="${y0 + 8}" font-weight="bold">${esc(title)}</text>`);
    for (let e = lo; e <= hi; e++) {
      const yy = y(2 ** e, y0 + 12);
      out.push(`<line x1="${left}" x2="${W - 20}" y1="${yy}" y2="${yy}" stroke="${e === 0 ? '#d22' : '#e4e4e4'}"/>`);
      out.push(`<text x="${left - 6}" y="${yy + 4}" text-anchor="end">${e >= 0 ? 2 ** e : `1/${2 ** -e}`}×</text>`);
    }
    let fam = null;
    ids.forEach((id, i) => {
      const x = left + (i + 0.5) * dx;
      const any = sets.map((m) => m.get(id)).find(Boolean);
      if (any.family !== fam) {
        fam = any.family;
        out.push(`<line x1="${x - dx / 2}" x2="${x - dx / 2}" y1="${y0 + 12}" y2="${y0 + panelH - 38}" stroke="#bbb" stroke-dasharray="2,2"/>`);
        out.push(`<text transform="translate(${x - dx / 2 + 2},${y0 + panelH - 34}) rotate(35)" font-size="9">${esc(fam)}</text>`);
      }
      sets.forEach((m, k) => {
        const r = m.get(id);
        if (r) out.push(`<circle cx="${x}" cy="${y(r.ratio, y0 + 12)}" r="3" fill="${colours[k]}"><title>${esc(`${r.label}: ${fmt(r.ms)} ms, ${r.ratio.toFixed(2)}× (${runs[k].name})`)}</title></circle>`);
      });
    });
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Writes the plot of the given result files (the last is "after") next to the last; returns its path. */
export function writePlot(files, outFile) {
  const runs = files.map((f) => ({ name: basename(f, '.json'), results: JSON.parse(readFileSync(f, 'utf8')) }));
  const file = outFile ?? join(dirname(files[files.length - 1]), `${basename(files[files.length - 1], '.json')}.svg`);
  writeFileSync(file, plotSvg(runs));
  return file;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (k) => {
    const i = args.indexOf(k);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const before = opt('--before');
  const beforeExtra = opt('--before-extra');
  const afterExtra = opt('--after-extra');
  const svg = opt('--svg');
  const worst = Number(opt('--worst') ?? 10);
  const after = args[0];
  if (!after) {
    console.error('usage: node bench/sweep-report.mjs AFTER.json [--before BEFORE.json] [--svg out.svg] [--worst 10]');
    process.exit(2);
  }
  if (before) {
    const b = sweepReport(JSON.parse(readFileSync(before, 'utf8')), { worst });
    console.log(`## Before (${basename(before)})\n\n${b.markdown}`);
    // The issue's shapes, also from extra runs of shapes a sweep file lacks (--before-extra, --after-extra).
    const { ISSUE_SHAPES } = await import('./lib/sweep.mjs');
    const rowsOf = (f) => (f ? new Map(sweepRows(JSON.parse(readFileSync(f, 'utf8'))).map((r) => [r.id, r])) : new Map());
    const [bm, am] = [[rowsOf(before), rowsOf(beforeExtra)], [rowsOf(after), rowsOf(afterExtra)]];
    const pick = (ms, id) => ms.map((m) => m.get(id)).find((r) => r && !r.failed);
    console.log('## Issue #9 shapes\n\n| shape | before | after | best peer (after run) |\n|---|---:|---:|---:|');
    for (const id of ISSUE_SHAPES) {
      const b0 = pick(bm, id), a0 = pick(am, id);
      if (b0 || a0) console.log(`| ${(a0 ?? b0).label} | ${b0 ? `${fmt(b0.ms)} ms` : '—'} | ${a0 ? `${fmt(a0.ms)} ms` : '—'} | ${a0?.best ? `${fmt(a0.best)} ms (${peerName[a0.bestPeer]})` : '—'} |`);
    }
    console.log('');
  }
  const a = sweepReport(JSON.parse(readFileSync(after, 'utf8')), { worst });
  console.log(`## ${before ? 'After' : 'Sweep'} (${basename(after)})\n\n${a.markdown}`);
  console.log(`plot: ${writePlot(before ? [before, after] : [after], svg)}`);
}
