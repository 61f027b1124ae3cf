// The benchmark harness, runtime-agnostic: the browser page, Node and Deno all drive it the same way.
// For each workload: prepare every engine on the same input bytes; run each once (compilation included)
// and CHECK its output against a float64 CPU reference and against every other engine; only then time.
//   throughput: N repetitions encoded back to back, one sync at the end, time / N; median of `runs`
//   end-to-end: one repetition plus reading its result back to the CPU; median of `runs`
import { workloads, rng, compareParts, compareEngines } from './workloads.mjs';
import { NotImplemented } from './engines/webgrad.mjs';
import { sweepWorkloads } from './sweep.mjs';

const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const message = (e) => String(e?.message ?? e).split('\n')[0].slice(0, 300);

/** sweep: 'quick' or 'full' benchmarks the shape sweep (sweep.mjs) instead of the main workloads. */
export function createBench(engines, { size = 'full', sweep = null } = {}) {
  const list = sweep ? sweepWorkloads(sweep) : workloads(size);
  const byId = new Map(list.map((w) => [w.id, w]));
  const state = new Map(engines.map((e) => [e.name, { engine: e, info: null, error: null }]));
  const live = new Map();

  const get = (id) => {
    const w = byId.get(id);
    if (!w) throw new Error(`unknown workload ${id}`);
    return w;
  };

  /** Runs the check steps (1, or the workload's checkSteps) and returns the output parts. */
  async function checkRun(inst, w) {
    const steps = w.checkSteps ?? 1;
    if (steps === 1) {
      const h = inst.run();
      try {
        return await inst.read(h);
      } finally {
        inst.dispose(h);
      }
    }
    const first = [];
    for (let s = 0; s < steps; s++) {
      const h = inst.run();
      try {
        first.push((await inst.read(h))[0][0]);
      } finally {
        inst.dispose(h);
      }
    }
    const out = [Float32Array.from(first)];
    if (inst.final) out.push(await inst.final());
    return out;
  }

  return {
    workloads: () =>
      list.map(({ id, label, kind, group, family, dims, metric, flops, bytes, ops, params, outBytes, optIn }) => ({ id, label, kind, group, family, dims, metric, flops, bytes, ops, params, outBytes, optIn: !!optIn })),

    async init() {
      const out = {};
      for (const [name, s] of state) {
        try {
          s.info = await s.engine.init();
          out[name] = { ok: true, info: s.info };
        } catch (e) {
          s.error = message(e);
          out[name] = { ok: false, error: s.error };
        }
      }
      return out;
    },

    /** Makes the inputs and the CPU reference, and each engine's instance of the workload. */
    async prepare(id) {
      const w = get(id);
      const t0 = now();
      const inputs = w.inputs(rng(w.seed));
      const ref = w.reference(inputs, rng(w.seed ^ 0x9e3779b9));
      const refMs = now() - t0;
      const entry = { w, inputs, ref, insts: new Map(), outputs: new Map(), status: {} };
      live.set(id, entry);
      for (const [name, s] of state) {
        if (w.engines && !w.engines.includes(name)) {
          entry.status[name] = { status: 'not-applicable', reason: w.enginesWhy ?? `${w.id} runs on ${w.engines.join(', ')} only` };
          continue;
        }
        if (s.error) {
          entry.status[name] = { status: 'unavailable', reason: `${name} did not start: ${s.error}` };
          continue;
        }
        try {
          const inst = s.engine.prepare(w, inputs);
          entry.insts.set(name, inst);
          entry.status[name] = { status: 'ok', variant: inst.variant };
        } catch (e) {
          entry.status[name] = e instanceof NotImplemented ? { status: 'not-implemented', reason: message(e) } : { status: 'error', reason: `prepare: ${message(e)}` };
        }
      }
      return { refMs, engines: entry.status };
    },

    /** Warm-up run of every engine, compared with the reference and with each other. */
    async check(id, { tol } = {}) {
      const entry = live.get(id);
      const { w, ref } = entry;
      const limit = tol ?? w.tol ?? 1e-3;
      const result = { tol: limit, engines: {}, cross: [] };
      for (const [name, inst] of entry.insts) {
        const t0 = now();
        try {
          const out = await checkRun(inst, w);
          const firstMs = now() - t0;
          const c = compareParts(out, ref, limit);
          entry.outputs.set(name, out);
          result.engines[name] = { ok: c.ok, err: c.err, detail: c.detail, firstMs };
          if (!c.ok) entry.status[name] = { ...entry.status[name], wrong: true };
        } catch (e) {
          result.engines[name] = { ok: false, error: message(e), firstMs: now() - t0 };
          entry.status[name] = { status: e instanceof NotImplemented ? 'not-implemented' : 'error', reason: `run: ${message(e)}` };
        }
      }
      const names = [...entry.outputs.keys()];
      for (let i = 0; i < names.length; i++)
        for (let j = i + 1; j < names.length; j++) {
          const c = compareEngines(entry.outputs.get(names[i]), entry.outputs.get(names[j]), ref, limit);
          result.cross.push({ a: names[i], b: names[j], ok: c.ok, err: c.err, detail: c.detail });
        }
      entry.outputs.clear();
      return result;
    },

    /** Times one engine on a checked workload. */
    async time(id, name, { runs = 5, targetMs = 300, maxReps = 50, maxBytes = 256 << 20, budgetMs = 120_000, warmup = true, e2e: endToEnd = true, reps: fixedReps, warmCalls = 0, warmBudgetMs = 0 } = {}) {
      const entry = live.get(id);
      const inst = entry.insts.get(name);
      const st = entry.status[name];
      if (!inst || st.status !== 'ok') return { skipped: st?.reason ?? 'not prepared' };
      const engine = state.get(name).engine;
      const start = now();
      try {
        // The check already ran everything once (compiling it). Then warm-up runs, which also
        // calibrate N (below); quick mode skips them and uses N = 1.
        let h, t0;
        // `fixedReps` (from an earlier call's calibration) skips the warm-up: interleaved rounds.
        let reps = fixedReps ?? 1;
        let calib;
        if (warmup && !fixedReps) {
          // A synced batch of k runs takes k * per + wait, where the wait for the queue is 0.6-3 ms in
          // Chromium (completion crosses to the GPU process and back) and dominates small work: sized
          // from one synced run, a tiny workload got 8 repetitions and a third of a millisecond of wait
          // per call, whatever its shape. So `per` comes from the difference between a batch of 8 and a
          // single run, each the fastest of up to three (one burst of load on a shared machine would
          // otherwise set the batch size of a whole shape), stopping once they add up to 3 * targetMs.
          const batch = async (k) => {
            const t = now();
            const hs = Array.from({ length: k }, () => inst.run());
            await inst.sync(hs);
            const ms = now() - t;
            for (const x of hs) inst.dispose(x);
            return ms;
          };
          let one = Infinity, eight = Infinity, spent = 0;
          for (let i = 0; i < 3 && (i === 0 || spent < 3 * targetMs); i++) {
            const ms = await batch(1);
            one = Math.min(one, ms);
            spent += ms;
          }
          let per = one;
          if (one <= targetMs && maxReps > 8 && 8 * (entry.w.outBytes ?? 4) <= maxBytes) {
            for (let i = 0; i < 3 && (i === 0 || spent < 3 * targetMs); i++) {
              const ms = await batch(8);
              eight = Math.min(eight, ms);
              spent += ms;
            }
            per = Math.min(one, Math.max((eight - one) / 7, one / 256));
          }
          calib = { oneMs: one, eightMs: Number.isFinite(eight) ? eight : undefined, perMs: per };
          const memCap = Math.max(1, Math.floor(maxBytes / Math.max(entry.w.outBytes ?? 4, 4)));
          reps = Math.max(1, Math.min(maxReps, memCap, Math.ceil(targetMs / Math.max(per, 1e-3))));
          // The first shape of a family runs code the page's JIT has not yet compiled for it (the
          // engine's op path, whichever engine): its first few hundred calls ran up to 2x the steady
          // state. warmCalls (the driver sets it for each family's first shape) runs untimed batches
          // until that many calls or warmBudgetMs have gone by.
          for (let calls = 0, t = now(); calls < warmCalls && now() - t < warmBudgetMs; calls += reps) await batch(reps);
        }
        const through = [];
        let dispatches;
        for (let r = 0; r < runs; r++) {
          const d0 = r === 0 ? engine.dispatches?.() : undefined;
          const hs = [];
          t0 = now();
          for (let i = 0; i < reps; i++) hs.push(inst.run());
          await inst.sync(hs);
          through.push((now() - t0) / reps);
          if (d0 !== undefined) dispatches = (engine.dispatches() - d0) / reps;
          for (const x of hs) inst.dispose(x);
          if (now() - start > budgetMs && through.length >= 5) break;
        }
        const e2e = [];
        for (let r = 0; r < (endToEnd ? runs : 0); r++) {
          t0 = now();
          h = inst.run();
          await inst.read(h);
          e2e.push(now() - t0);
          inst.dispose(h);
          if (now() - start > budgetMs && e2e.length >= 5) break;
        }
        return { reps, calib, runs: through.length, ms: median(through), msAll: through, e2eMs: e2e.length ? median(e2e) : undefined, e2eAll: e2e, dispatches };
      } catch (e) {
        return { error: message(e) };
      }
    },

    free(id) {
      const entry = live.get(id);
      if (!entry) return;
      for (const inst of entry.insts.values()) {
        try {
          inst.free();
        } catch {}
      }
      live.delete(id);
    },
  };
}
