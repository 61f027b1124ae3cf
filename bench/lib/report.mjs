// Formats benchmark results as Markdown tables (printed to the terminal and pasted into RESULTS.md).

const sig = (x, n = 3) => (x >= 100 ? x.toFixed(0) : x.toPrecision(n));
export const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));

export function rate(w, ms) {
  if (!(ms > 0)) return '';
  if (w.metric === 'GFLOP/s') return `${sig(w.flops / ms / 1e6)} GFLOP/s`;
  if (w.metric === 'GB/s') return `${sig(w.bytes / ms / 1e6)} GB/s`;
  if (w.metric === 'µs/op') return `${sig((ms * 1000) / w.ops)} µs/op`;
  return '';
}

function cell(w, name, field) {
  const s = w.prepare?.engines?.[name];
  if (!s) return w.error ? `error: ${w.error}` : '—';
  if (s.status === 'not-implemented') return s.reason.replace(/^webgrad: /, '');
  if (s.status !== 'ok') return `${s.status}: ${s.reason}`;
  const c = w.check?.engines?.[name];
  if (c?.error) return `error: ${c.error}`;
  const t = w.timings?.[name];
  const wrong = c && !c.ok ? `**WRONG** (err ${c.err.toExponential(1)}) ` : '';
  if (!t) return wrong || (c?.ok ? 'checked ✓ (not timed)' : '—');
  if (t.error) return `${wrong}timing error: ${t.error}`;
  if (t.skipped) return `${wrong}skipped: ${t.skipped}`;
  const ms = t[field];
  return `${wrong}${fmtMs(ms)} ms${field === 'ms' ? ` · ${rate(w, ms)}` : ''}`;
}

function ratio(w, peer, field) {
  const a = w.timings?.webgrad?.[field], b = w.timings?.[peer]?.[field];
  const ok = (n) => w.check?.engines?.[n]?.ok;
  if (!(a > 0) || !(b > 0)) return '—';
  if (!ok('webgrad') || !ok(peer)) return 'n/a (wrong result)';
  return `${(b / a).toFixed(2)}×`;
}

const LABEL = { webgrad: 'webgrad', tfjs: 'TF.js 4.22', 'jax-js': 'jax-js', 'jax-js-jit': 'jax-js (jit)' };

/** Markdown tables: throughput and end-to-end, with webgrad's speed ratio to each peer. */
export function tables(results) {
  const names = Object.keys(results.engines);
  const peers = names.filter((n) => n !== 'webgrad');
  const hasWg = names.includes('webgrad');
  const out = [];
  const o = results.options ?? {};
  const runs = `median of ${o.runs ?? 5} runs`;
  for (const [field, title] of [
    ['ms', o.warmup === false ? `Throughput (quick: 1 repetition per run, one sync; ${runs})` : `Throughput (N repetitions encoded back to back, one sync at the end; time per repetition, ${runs})`],
    ['e2eMs', `End-to-end (one repetition + readback of its result to the CPU; ${runs})`],
  ]) {
    const head = ['workload', ...names.map((n) => LABEL[n] ?? n), ...(hasWg ? peers.map((p) => `webgrad vs ${LABEL[p] ?? p}`) : [])];
    out.push(`**${title}**`, '');
    out.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const w of results.workloads) {
      const row = [w.label, ...names.map((n) => cell(w, n, field)), ...(hasWg ? peers.map((p) => ratio(w, p, field)) : [])];
      out.push(`| ${row.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`);
    }
    out.push('');
  }
  if (hasWg && peers.length) out.push('Ratios are peer time / webgrad time: above 1× webgrad is faster, below 1× it is slower.', '');
  const counts = results.workloads.filter((w) => w.timings?.webgrad?.dispatches !== undefined).map((w) => `${w.id} ${+w.timings.webgrad.dispatches.toFixed(1)}`);
  if (counts.length) out.push(`webgrad GPU dispatches per repetition: ${counts.join(', ')}.`, '');
  return out.join('\n');
}

/** One line per check, as the smoke test prints them. */
export function checkLines(results) {
  const lines = [];
  for (const w of results.workloads) {
    if (w.error) lines.push({ ok: false, text: `${w.id}: ${w.error}` });
    for (const [name, s] of Object.entries(w.prepare?.engines ?? {})) {
      const c = w.check?.engines?.[name];
      if (s.status === 'not-implemented') lines.push({ ok: null, text: `${w.id} ${name}: ${s.reason.replace(/^webgrad: /, "")}` });
      else if (s.status !== 'ok') lines.push({ ok: false, text: `${w.id} ${name}: ${s.status}: ${s.reason}` });
      else if (!c) lines.push({ ok: false, text: `${w.id} ${name}: not checked` });
      else if (c.error) lines.push({ ok: false, text: `${w.id} ${name}: ${c.error}` });
      else lines.push({ ok: c.ok, text: `${w.id} ${name} vs CPU reference: err ${c.err.toExponential(1)} (tol ${w.check.tol})${c.ok ? '' : ` WRONG: ${c.detail}`}` });
    }
    for (const c of w.check?.cross ?? []) lines.push({ ok: c.ok, text: `${w.id} ${c.a} vs ${c.b}: err ${c.err.toExponential(1)}${c.ok ? '' : ` DISAGREE: ${c.detail}`}` });
  }
  return lines;
}
