// Drives a harness (in this process, or in a browser page through puppeteer) over the workloads and
// collects the results object that report.mjs prints and run.mjs writes. Runtime-agnostic.

const message = (e) => String(e?.message ?? e).split('\n')[0].slice(0, 300);

function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([p, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Picks workloads by id: a comma list of ids or prefixes ("matmul" selects every matmul-*). Opt-in
 * workloads are left out unless named by their exact id, so that neither the default run nor a prefix
 * like "matmul" grows by minutes.
 */
export function select(all, only) {
  if (!only) return all.filter((w) => !w.optIn);
  const keys = only.split(',').map((s) => s.trim()).filter(Boolean);
  return all.filter((w) => keys.some((k) => w.id === k || (!w.optIn && (w.id.startsWith(k + '-') || w.group === k))));
}

/**
 * api: { init, workloads, prepare, check, time, free } as async functions (the harness's methods).
 * opts: { only, runs, targetMs, maxReps, callTimeoutMs, skipTiming, log }
 */
export async function drive(api, opts = {}) {
  const log = opts.log ?? (() => {});
  const callTimeout = opts.callTimeoutMs ?? 900_000;
  const call = (what, f) => withTimeout(f(), callTimeout, what);
  const engines = await call('init', () => api.init());
  for (const [name, e] of Object.entries(engines)) log(e.ok ? `engine ${name}: ${describe(e.info)}` : `engine ${name}: UNAVAILABLE: ${e.error}`);
  const list = select(await api.workloads(), opts.only);
  const results = [];
  const mismatches = [];
  const errors = [];
  let timeouts = 0;
  let family = null;
  for (const w of list) {
    const r = { ...w, prepare: null, check: null, timings: {} };
    const firstOfFamily = w.family !== undefined && w.family !== family;
    family = w.family;
    results.push(r);
    const t0 = Date.now();
    try {
      r.prepare = await call(`${w.id}: prepare`, () => api.prepare(w.id));
      for (const [name, s] of Object.entries(r.prepare.engines)) if (s.status !== 'ok' && s.status !== 'not-applicable') log(`  ${w.id} ${name}: ${s.status}: ${s.reason}`);
      r.check = await call(`${w.id}: check`, () => api.check(w.id));
      for (const [name, c] of Object.entries(r.check.engines)) {
        if (c.error) {
          errors.push({ workload: w.id, engine: name, error: c.error });
          log(`  ${w.id} ${name}: ERROR ${c.error}`);
        }
        else if (!c.ok) {
          mismatches.push({ workload: w.id, engine: name, against: 'cpu-reference', err: c.err, detail: c.detail });
          log(`  !!! ${w.id} ${name}: WRONG RESULT vs the CPU reference: error ${fmtErr(c.err)} > ${r.check.tol} (${c.detail})`);
        }
      }
      for (const c of r.check.cross)
        if (!c.ok) {
          mismatches.push({ workload: w.id, engine: c.b, against: c.a, err: c.err, detail: c.detail });
          log(`  !!! ${w.id}: ${c.a} and ${c.b} DISAGREE: error ${fmtErr(c.err)} > ${r.check.tol} (${c.detail})`);
        }
      if (!opts.skipTiming && opts.interleave) r.timings = await interleaved(api, call, w.id, Object.keys(r.prepare.engines).filter((n) => r.check.engines[n] && !r.check.engines[n].error), { ...opts, warmCalls: firstOfFamily ? 1024 : 0 }, errors, log);
      else if (!opts.skipTiming)
        for (const name of Object.keys(r.prepare.engines)) {
          const c = r.check.engines[name];
          if (!c || c.error) continue;
          const t = await call(`${w.id}: time ${name}`, () => api.time(w.id, name, { runs: opts.runs, targetMs: opts.targetMs, maxReps: opts.maxReps, maxBytes: opts.maxBytes, warmup: opts.warmup ?? true, e2e: opts.e2e ?? true }));
          r.timings[name] = t;
          if (t.error) {
            errors.push({ workload: w.id, engine: name, error: `timing: ${t.error}` });
            log(`  ${w.id} ${name}: timing ERROR ${t.error}`);
          }
        }
    } catch (e) {
      r.error = message(e);
      errors.push({ workload: w.id, engine: '*', error: r.error });
      log(`  ${w.id}: ERROR ${r.error}`);
      if (/timed out/.test(r.error) && ++timeouts >= 2) {
        log('two calls timed out: stopping here');
        break;
      }
    } finally {
      await call(`${w.id}: free`, () => api.free(w.id)).catch(() => {});
    }
    log(lineFor(r, Date.now() - t0));
  }
  return { engines, workloads: results, mismatches, errors };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times the engines in rounds, one run of each per round (the first calibrates each engine's
 * repetitions), so that a burst of load on a shared machine hits every engine alike instead of
 * whichever was being timed: the sweep's ratios stay meaningful under load. Median per engine.
 */
async function interleaved(api, call, id, names, opts, errors, log) {
  const out = {};
  for (let round = 0; round < (opts.runs ?? 5); round++)
    for (const name of names) {
      const prev = out[name];
      if (prev?.error || prev?.skipped) continue;
      // A slow engine stops after 3 rounds once its runs add up to 2 s: the quick sweep keeps to minutes.
      if (prev && prev.msAll.length >= 3 && prev.msAll.reduce((a, b) => a + b, 0) * prev.reps > 2000) continue;
      const t = await call(`${id}: time ${name}`, () =>
        api.time(id, name, { runs: 1, targetMs: opts.targetMs, maxReps: opts.maxReps, maxBytes: opts.maxBytes, warmup: opts.warmup ?? true, e2e: false, reps: prev?.reps, warmCalls: opts.warmCalls ?? 0, warmBudgetMs: 10 * (opts.targetMs ?? 40) }),
      );
      if (t.error || t.skipped) {
        out[name] = t;
        if (t.error) {
          errors.push({ workload: id, engine: name, error: `timing: ${t.error}` });
          log(`  ${id} ${name}: timing ERROR ${t.error}`);
        }
        continue;
      }
      out[name] = prev ? { ...prev, msAll: [...prev.msAll, ...t.msAll], runs: prev.runs + 1 } : { ...t, interleaved: true };
    }
  for (const t of Object.values(out)) if (t.msAll) t.ms = median(t.msAll);
  return out;
}

export const fmtErr = (e) => (Number.isFinite(e) ? e.toExponential(1) : String(e));

function describe(info) {
  if (!info) return 'ok';
  const a = info.adapter ?? {};
  const ad = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ');
  return [info.version && `v${info.version}`, info.backend, info.runtime, ad && `adapter: ${ad}`, info.software ? 'software' : ''].filter(Boolean).join(', ');
}

function lineFor(r, ms) {
  const parts = Object.keys(r.prepare?.engines ?? {}).map((name) => {
    const s = r.prepare.engines[name];
    const c = r.check?.engines?.[name];
    const t = r.timings[name];
    if (s.status !== 'ok') return `${name} ${s.status}`;
    if (c?.error) return `${name} error`;
    const mark = c && !c.ok ? ' WRONG' : c ? ' ✓' : '';
    return `${name}${mark}${t?.ms !== undefined ? ` ${t.ms.toFixed(3)} ms` : ''}`;
  });
  return `${r.id.padEnd(15)} ${parts.join(' | ')}  (${(ms / 1000).toFixed(1)} s)`;
}
