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
  if (s.status === 'not-applicable') return `n/a (${s.reason})`;
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
      if (s.status === 'not-applicable') continue;
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

/** The workloads `--gpu-report` runs, in the order the report lists them. */
export const GPU_REPORT_WORKLOADS = ['matmul-4096', 'copy', 'softmax', 'sum-rows', 'sum-all', 'max-rows', 'max-all'];

/** Names the adapter as well as WebGPU lets it be named (some drivers leave fields empty). */
export function adapterName(a) {
  if (!a || a.error) return `no adapter (${a?.error ?? 'unknown'})`;
  return [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
}

/**
 * The issue's GPU figures from a --gpu-report run: matmul 4096 GFLOP/s (and % of peakGflops when given),
 * copy GB/s, and each softmax/reduction GB/s as a % of that copy GB/s. Markdown, for RESULTS.md.
 */
export function gpuReport(results, { peakGflops } = {}) {
  const byId = new Map(results.workloads.map((w) => [w.id, w]));
  const wgMs = (w) => {
    const t = w?.timings?.webgrad;
    return w?.check?.engines?.webgrad?.ok && t?.ms > 0 ? t.ms : null;
  };
  const why = (w) => {
    if (!w) return 'not run';
    const c = w.check?.engines?.webgrad;
    const t = w.timings?.webgrad;
    return w.error ?? c?.error ?? (c && !c.ok ? `WRONG result (err ${fmtErrShort(c.err)})` : null) ?? t?.error ?? t?.skipped ?? w.prepare?.engines?.webgrad?.reason ?? 'not timed';
  };
  const a = results.adapter ?? results.engines?.webgrad?.info?.adapter;
  const out = [];
  out.push(`**GPU report: webgrad on ${adapterName(a)}** (runtime ${results.runtime}${results.quick ? ', --quick: 1 repetition per run, not numbers to publish' : ''})`, '');
  out.push('| workload | time per repetition | repetitions × runs | rate | relative to |', '|---|---:|---:|---:|---|');
  const row = (w, ms, rateText, rel) => {
    const t = w.timings.webgrad;
    out.push(`| ${w.label} | ${fmtMs(ms)} ms | ${t.reps} × ${t.runs} | ${rateText} | ${rel} |`);
  };

  const mm = byId.get('matmul-4096');
  const mmMs = wgMs(mm);
  let mmGflops = null;
  if (mmMs) {
    mmGflops = mm.flops / mmMs / 1e6;
    row(mm, mmMs, `${sig(mmGflops)} GFLOP/s`, peakGflops ? `**${(100 * mmGflops / peakGflops).toFixed(1)} %** of ${peakGflops} GFLOP/s fp32 peak` : 'give --peak-gflops for % of peak');
  } else out.push(`| matmul 4096 | — | — | — | ${why(mm)} |`);

  const cp = byId.get('copy');
  const cpMs = wgMs(cp);
  const copyGBs = cpMs ? cp.bytes / cpMs / 1e6 : null;
  if (cpMs) row(cp, cpMs, `${sig(copyGBs)} GB/s`, 'the bandwidth yardstick (bytes read + written)');
  else out.push(`| copy | — | — | — | ${why(cp)} |`);

  for (const id of GPU_REPORT_WORKLOADS.slice(2)) {
    const w = byId.get(id);
    const ms = wgMs(w);
    if (!ms) {
      out.push(`| ${w?.label ?? id} | — | — | — | ${why(w)} |`);
      continue;
    }
    const gbs = w.bytes / ms / 1e6;
    row(w, ms, `${sig(gbs)} GB/s`, copyGBs ? `**${(100 * gbs / copyGBs).toFixed(1)} %** of copy` : 'no copy figure');
  }
  out.push('');
  out.push(`adapter: ${JSON.stringify(a ? { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, isFallbackAdapter: a.isFallbackAdapter } : null)}`);
  // Why this caveat: the harness times with the wall clock (no timestamp queries), so a kernel far
  // shorter than a submit-and-wait shows that overhead rather than its bandwidth.
  const short = results.workloads.filter((w) => GPU_REPORT_WORKLOADS.includes(w.id) && wgMs(w) !== null && wgMs(w) * w.timings.webgrad.reps < 2);
  if (short.length) out.push(`note: ${short.map((w) => w.id).join(', ')} ran under 2 ms per timed batch, so submit/sync overhead weighs on those rates; raise --max-mb (more repetitions per batch) if the GPU has the memory.`);
  out.push('note: softmax and the reductions move 16–32 MB per repetition, which a large last-level cache can partly hold; copy moves 512 MB, which none can.');
  out.push('');
  return out.join('\n');
}

const fmtErrShort = (e) => (Number.isFinite(e) ? e.toExponential(1) : String(e));
