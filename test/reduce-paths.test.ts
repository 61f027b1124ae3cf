// The pass kinds of the reduce and softmax kernels at sizes the other files do not reach: many long rows
// (one invocation per row on a software adapter such as SwiftShader, a workgroup per row on a GPU),
// NaN / -inf inside rows long enough for the unrolled loops and the workgroup trees, and both the
// software and the GPU plans of reduce and softmax (forced, so either runs on any adapter),
// contiguous and strided, against the float64 references.
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { forceProfile, restoreProfile } from './support/profile.ts';
import { profileOf } from '../src/kernels/index.ts';
import { device } from '../src/tensor/context.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { logSoftmaxRef, permuteRef, REDUCERS, reduceRef, softmaxRef } from './reference/reduce.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const exact = { rtol: 0, atol: 0 };

/** [rows, n] values in [-3, 3] with NaN in row 1 and -inf scattered through row 2 (and row 4's end). */
function special(rows: number, n: number, seed: number): Ref {
  const r = randomRef([rows, n], seed, -3, 3);
  r.data[1 * n + 7] = NaN;
  for (let j = 0; j < n; j += 3) r.data[2 * n + j] = -Infinity;
  r.data[4 * n + n - 1] = -Infinity;
  return r;
}

/** The same values as a contiguous tensor and as the transpose of a contiguous [n, rows] one. */
function both(r: Ref): [wg.Tensor, string][] {
  return [
    [up(r), 'contiguous'],
    [up(permuteRef(r, [1, 0])).T, 'transposed'],
  ];
}

describe('many long rows', () => {
  it('reductions of 600 rows of 300 (and 5 rows: a workgroup each)', async () => {
    for (const rows of [600, 5])
      await wg.scope(async () => {
        const r = randomRef([rows, 300], 11);
        for (const [t, label] of both(r)) {
          const at = `${rows} rows ${label}`;
          assertClose(await t.sum(1).data(), reduceRef(r, [1], false, REDUCERS.sum), {}, `sum ${at}`);
          assertClose(await t.mean(1).data(), reduceRef(r, [1], false, REDUCERS.mean), {}, `mean ${at}`);
          assertClose(await t.max(1).data(), reduceRef(r, [1], false, REDUCERS.max), exact, `max ${at}`);
          assertClose(await t.min(1).data(), reduceRef(r, [1], false, REDUCERS.min), exact, `min ${at}`);
          assertClose(await t.var(1).data(), reduceRef(r, [1], false, (v) => REDUCERS.var(v)), {}, `var ${at}`);
          assertClose(await t.logsumexp(1).data(), reduceRef(r, [1], false, REDUCERS.logsumexp), {}, `logsumexp ${at}`);
          assertClose(await t.argmax(1).data(), reduceRef(r, [1], false, REDUCERS.argmax), exact, `argmax ${at}`);
          assertClose(await t.argmin(1).data(), reduceRef(r, [1], false, REDUCERS.argmin), exact, `argmin ${at}`);
        }
      });
  });

  it('NaN and -inf inside long rows reduce like the reference', async () => {
    for (const rows of [600, 5])
      await wg.scope(async () => {
        const r = special(rows, 301, 12);
        for (const [t, label] of both(r)) {
          const at = `${rows} rows ${label}`;
          assertClose(await t.sum(1).data(), reduceRef(r, [1], false, REDUCERS.sum), {}, `sum ${at}`);
          assertClose(await t.max(1).data(), reduceRef(r, [1], false, REDUCERS.max), exact, `max ${at}`);
          assertClose(await t.argmax(1).data(), reduceRef(r, [1], false, REDUCERS.argmax), exact, `argmax ${at}`);
          assertClose(await t.logsumexp(1).data(), reduceRef(r, [1], false, REDUCERS.logsumexp), {}, `logsumexp ${at}`);
        }
      });
  });

  it('softmax and logSoftmax of 600 and of 5 rows of 301 with NaN and -inf', async () => {
    const tol = { rtol: 1e-4, atol: 1e-6 };
    for (const rows of [600, 5])
      await wg.scope(async () => {
        const r = special(rows, 301, 13);
        for (const [t, label] of both(r)) {
          assertClose(await t.softmax(1).data(), softmaxRef(r, 1), tol, `softmax ${rows} rows ${label}`);
          assertClose(await wg.logSoftmax(t, 1).data(), logSoftmaxRef(r, 1), tol, `logSoftmax ${rows} rows ${label}`);
        }
        // A row of -inf has no maximum to subtract: NaN, as in PyTorch.
        const z = up({ data: new Float64Array(2 * 301).fill(-Infinity).fill(0, 301), shape: [2, 301] });
        const y = await z.softmax(1).data();
        expect(Array.from(y.slice(0, 301)).every(Number.isNaN)).toBe(true);
        assertClose(y.slice(301), new Float64Array(301).fill(1 / 301), tol, 'row of zeros');
      });
  });

  it('softmax backward over 600 rows of 130: y * (g - sum(g * y))', async () => {
    await wg.scope(async () => {
      const r = randomRef([600, 130], 14, -3, 3);
      const g = randomRef([600, 130], 15);
      const y = softmaxRef(r, 1);
      const want = new Float64Array(r.data.length);
      for (let i = 0; i < 600; i++) {
        let dot = 0;
        for (let j = 0; j < 130; j++) dot += g.data[i * 130 + j]! * y.data[i * 130 + j]!;
        for (let j = 0; j < 130; j++) want[i * 130 + j] = y.data[i * 130 + j]! * (g.data[i * 130 + j]! - dot);
      }
      const x = wg.tensor(Float32Array.from(r.data), { shape: r.shape, requiresGrad: true });
      x.softmax(1).mul(up(g)).sum().backward();
      assertClose(await x.grad!.data(), want, { rtol: 1e-3, atol: 1e-6 }, 'softmax grad');
    });
  });
});

describe('the software and GPU plans of reduce and softmax', () => {
  afterEach(restoreProfile);

  it.each(['software', 'gpu'] as const)('%s plan: long rows, and rows split into chunks over several passes', async (plan) => {
    forceProfile({ plan });
    // The GPU plan's workgroup per row is slow on SwiftShader (barriers), so it gets fewer rows.
    const rows = plan === 'software' ? 600 : 24;
    await wg.scope(async () => {
      const r = special(rows, 130, 16);
      for (const [t, label] of both(r)) {
        const at = `${plan} ${rows} rows ${label}`;
        assertClose(await t.sum(1).data(), reduceRef(r, [1], false, REDUCERS.sum), {}, `sum ${at}`);
        assertClose(await t.min(1).data(), reduceRef(r, [1], false, REDUCERS.min), exact, `min ${at}`);
        assertClose(await t.argmax(1).data(), reduceRef(r, [1], false, REDUCERS.argmax), exact, `argmax ${at}`);
        assertClose(await t.softmax(1).data(), softmaxRef(r, 1), { rtol: 1e-4, atol: 1e-6 }, `softmax ${at}`);
      }
      // 401 -> 101 chunks of 4 -> 26 -> the result; with a tie for the maximum across chunks.
      forceProfile({ reduceChunk: 4 });
      const s = randomRef([3, 401], 17);
      s.data[100] = 5;
      s.data[300] = 5;
      s.data[401 + 250] = NaN;
      for (const [t, label] of both(s)) {
        const at = `${plan} chunked ${label}`;
        assertClose(await t.sum(1).data(), reduceRef(s, [1], false, REDUCERS.sum), {}, `sum ${at}`);
        assertClose(await t.max(1).data(), reduceRef(s, [1], false, REDUCERS.max), exact, `max ${at}`);
        assertClose(await t.std(1).data(), reduceRef(s, [1], false, (v) => REDUCERS.std(v)), {}, `std ${at}`);
        assertClose(await t.argmax(1).data(), reduceRef(s, [1], false, REDUCERS.argmax), exact, `argmax ${at}`);
        assertClose([await t.sum().item()], [REDUCERS.sum(Array.from(s.data))], {}, `whole sum ${at}`);
        assertClose([await t.argmin().item()], [REDUCERS.argmin(Array.from(s.data))], exact, `whole argmin ${at}`);
      }
    });
  });
});

// Reducing a non-innermost axis runs one invocation per (output, split) with outputs fastest, on both
// plans; the software plan also splits few rows of medium length. Batch-norm statistics reduce two
// coalesced axes (0 and 2, 3 of NCHW), walked as runs. Odd sizes, several passes (small chunks), against
// the float64 reference; sums to the default tolerance, max/min/argmax exactly.
describe('outputs-fastest passes, medium rows split, two reduced axes', () => {
  afterEach(restoreProfile);

  const PLANS = [
    { plan: 'software' as const },
    { plan: 'gpu' as const },
    // Tiny chunks and thread targets force three or more passes of each kind.
    { plan: 'software' as const, reduceChunk: 4, reduceThreads: 4096, reduceRun: 2, reduceSplitMin: 0, shortRow: 3 },
    // (The GPU plan's workgroup trees over 4-element chunks take minutes on SwiftShader.)
    { plan: 'gpu' as const, reduceThreads: 1 << 16, reduceRun: 2, reduceSplitMin: 0 },
  ];

  it.each(PLANS)('%o: axis 0 of [rows, cols] and axis 1 of few medium rows', async (patch) => {
    forceProfile(patch);
    for (const [rows, cols] of [[130, 3], [7, 65], [1000, 1], [33, 300], [3, 701]] as const)
      await wg.scope(async () => {
        const r = special(Math.max(rows, 5), cols, rows + cols);
        const ref = { data: r.data.slice(0, rows * cols), shape: [rows, cols] };
        const t = up(ref);
        const at = `${JSON.stringify(patch)} [${rows},${cols}]`;
        for (const axis of [0, 1]) {
          assertClose(await t.sum(axis).data(), reduceRef(ref, [axis], false, REDUCERS.sum), {}, `sum(${axis}) ${at}`);
          assertClose(await t.mean(axis).data(), reduceRef(ref, [axis], false, REDUCERS.mean), {}, `mean(${axis}) ${at}`);
          assertClose(await t.max(axis).data(), reduceRef(ref, [axis], false, REDUCERS.max), exact, `max(${axis}) ${at}`);
          assertClose(await t.var(axis).data(), reduceRef(ref, [axis], false, (v) => REDUCERS.var(v)), {}, `var(${axis}) ${at}`);
          assertClose(await t.argmax(axis).data(), reduceRef(ref, [axis], false, REDUCERS.argmax), exact, `argmax(${axis}) ${at}`);
          assertClose(await t.argmin(axis).data(), reduceRef(ref, [axis], false, REDUCERS.argmin), exact, `argmin(${axis}) ${at}`);
        }
      });
  });

  it.each(PLANS)('%o: sum, mean, max over axes 0, 2, 3 of NCHW and over a transposed view', async (patch) => {
    forceProfile(patch);
    // [3, 40, 5, 40] under the tiny-chunk plan: fewer splits than a run holds (each split a column set).
    for (const shape of [[5, 3, 7, 11], [33, 4, 9, 13], [2, 1, 1, 130], [3, 40, 5, 40]])
      await wg.scope(async () => {
        const r = randomRef(shape, shape[1]! + shape[3]!);
        const t = up(r);
        const at = `${JSON.stringify(patch)} ${JSON.stringify(shape)}`;
        assertClose(await t.sum([0, 2, 3]).data(), reduceRef(r, [0, 2, 3], false, REDUCERS.sum), {}, `sum ${at}`);
        assertClose(await t.mean([0, 2, 3]).data(), reduceRef(r, [0, 2, 3], false, REDUCERS.mean), {}, `mean ${at}`);
        assertClose(await t.max([0, 2, 3]).data(), reduceRef(r, [0, 2, 3], false, REDUCERS.max), exact, `max ${at}`);
        assertClose(await t.var([0, 2, 3]).data(), reduceRef(r, [0, 2, 3], false, (v) => REDUCERS.var(v)), {}, `var ${at}`);
        // The same values stored NHWC and viewed as NCHW: the reduced axes are strided, the kept one too.
        const nhwc = up(permuteRef(r, [0, 2, 3, 1])).permute([0, 3, 1, 2]);
        assertClose(await nhwc.sum([0, 2, 3]).data(), reduceRef(r, [0, 2, 3], false, REDUCERS.sum), {}, `sum NHWC ${at}`);
        assertClose(await nhwc.min([0, 2, 3]).data(), reduceRef(r, [0, 2, 3], false, REDUCERS.min), exact, `min NHWC ${at}`);
      });
  });

  it('the software plan splits 512 rows of 1024, and axis 0 of [1024, 256], into two passes; not [64, 1024] or 4096 elements', async () => {
    forceProfile({ plan: 'software' });
    await wg.scope(async () => {
      // reduceSplitMin (2^18 elements on the software plan): at or past it, the threads split.
      const r = randomRef([512, 1024], 31);
      const c = randomRef([1024, 256], 32);
      const [t, u] = [up(r), up(c)];
      wg.resetStats();
      assertClose(await t.sum(1).data(), reduceRef(r, [1], false, REDUCERS.sum), {}, 'sum(1)');
      assertClose(await u.sum(0).data(), reduceRef(c, [0], false, REDUCERS.sum), {}, 'sum(0)');
      const k = wg.stats().kernels;
      // [512, 1024] -> [512, 2] partials (split pass) -> the result (':t:p'); [1024, 256] -> [4, 256] -> result.
      expect(k['reduce:sum:f32>f32']).toBe(2);
      expect(k['reduce:sum:f32>f32:t:p']).toBe(2);
      expect(Object.keys(k).sort()).toEqual(['reduce:sum:f32>f32', 'reduce:sum:f32>f32:t:p']);
      // Below it, one pass: 64 rows of 1024 and axis 0 of [1024, 64] (each one invocation per output).
      const r2 = randomRef([64, 1024], 34);
      const c2 = randomRef([1024, 64], 35);
      wg.resetStats();
      assertClose(await up(r2).sum(1).data(), reduceRef(r2, [1], false, REDUCERS.sum), {}, 'sum(1) of [64, 1024]');
      assertClose(await up(c2).sum(0).data(), reduceRef(c2, [0], false, REDUCERS.sum), {}, 'sum(0) of [1024, 64]');
      expect(wg.stats().kernels).toEqual({ 'reduce:sum:f32>f32:t': 2 });
      // A whole-tensor sum of 4096 elements is one pass: one subgroup's lanes where the probe passed,
      // else one invocation.
      const s = randomRef([32, 128], 33);
      wg.resetStats();
      assertClose([await up(s).sum().item()], [REDUCERS.sum(Array.from(s.data))], {}, 'sum of 4096');
      expect(wg.stats().kernels).toEqual({ [`reduce:sum:f32>f32:${profileOf(device()).reduceLanes ? 'l' : 't'}`]: 1 });
    });
  });
});

// Each pipeline is specialised to the rank of its coalesced layouts (IN_RANK 1-3, OUT_RANK 1-2 in
// reduce_layout.wgsl; OUT_RANK in softmax.wgsl), so every class is checked on the same values: a 5-D
// tensor stored permuted, so that no two axes coalesce, and contiguous (everything coalesces to one).
describe('layout rank classes', () => {
  const r = special(6, 70, 21); // [6, 70] -> viewed as [3, 2, 5, 7, 2] below
  const shape = [3, 2, 5, 7, 2];
  const r5: Ref = { shape, data: r.data };
  const perm = [4, 2, 0, 3, 1];
  const inv = perm.map((_, i) => perm.indexOf(i));
  const views = (): [wg.Tensor, string][] => [
    [up(r5), 'contiguous'],
    [up(permuteRef(r5, perm)).permute(inv), 'permuted'],
  ];
  // inner ranks 1, 2, 3 (permuted) with outer ranks 2 and 1.
  const AXES = [[1], [3], [0, 1], [1, 3], [0, 2, 4], [1, 2, 3, 4], [0, 1, 2, 3]];

  it('sum, max, var and argmax over each class match the reference', async () => {
    await wg.scope(async () => {
      for (const [t, label] of views())
        for (const axes of AXES) {
          const at = `${label} axes [${axes}]`;
          assertClose(await t.sum(axes).data(), reduceRef(r5, axes, false, REDUCERS.sum), {}, `sum ${at}`);
          assertClose(await t.max(axes).data(), reduceRef(r5, axes, false, REDUCERS.max), exact, `max ${at}`);
          assertClose(await t.var(axes).data(), reduceRef(r5, axes, false, (v) => REDUCERS.var(v)), {}, `var ${at}`);
          if (axes.length === 1) assertClose(await t.argmax(axes[0]).data(), reduceRef(r5, axes, false, REDUCERS.argmax), exact, `argmax ${at}`);
        }
    });
  });

  // reduce.wgsl's WALK: a bare load for rows of one element, a plain loop below the profile's
  // reduceUnrollMin (8) elements per invocation, unrolled by four from there; NaN and -inf included.
  it.each([1, 5, 8, 41])('rows of %i elements, along either axis', async (n) => {
    await wg.scope(async () => {
      const rr = special(6, n, 22 + n);
      rr.data[0] = NaN;
      for (const [t, label] of both(rr))
        for (const [name, gpu, f] of [
          ['sum', (x: wg.Tensor) => x.sum(1), REDUCERS.sum],
          ['max', (x: wg.Tensor) => x.max(1), REDUCERS.max],
          ['min', (x: wg.Tensor) => x.min(1), REDUCERS.min],
          ['mean', (x: wg.Tensor) => x.mean(1), REDUCERS.mean],
          ['logsumexp', (x: wg.Tensor) => x.logsumexp(1), REDUCERS.logsumexp],
        ] as const)
          assertClose(await gpu(t).data(), reduceRef(rr, [1], false, f), name === 'max' || name === 'min' ? exact : {}, `${name} ${label} rows of ${n}`);
    });
  });

  it('softmax along an axis with one or several row axes', async () => {
    await wg.scope(async () => {
      const r2: Ref = { shape: [6, 70], data: r.data };
      assertClose(await up(r2).softmax(-1).data(), softmaxRef(r2, 1), {}, 'softmax [6, 70] (one row axis)');
      for (const [t, label] of views())
        for (const axis of [2, 4]) assertClose(await t.softmax(axis).data(), softmaxRef(r5, axis), {}, `softmax ${label} axis ${axis}`);
    });
  });
});

// reduce.wgsl's LANES passes: on the software plan, fewer rows than a subgroup has lanes (whole-tensor
// reductions, most of all) give each row one subgroup, which combines by shuffles in the same pass.
// Only where the subgroup probe passed (SwiftShader in Node and Chromium: 4 lanes).
describe('subgroup lanes per row', () => {
  afterEach(restoreProfile);
  const lanes = () => profileOf(device()).subgroupLanes;
  const OPS = [
    ['sum', (x: wg.Tensor, a?: number[]) => x.sum(a), REDUCERS.sum, {}],
    ['mean', (x: wg.Tensor, a?: number[]) => x.mean(a), REDUCERS.mean, {}],
    ['max', (x: wg.Tensor, a?: number[]) => x.max(a), REDUCERS.max, exact],
    ['min', (x: wg.Tensor, a?: number[]) => x.min(a), REDUCERS.min, exact],
    ['var', (x: wg.Tensor, a?: number[]) => x.var(a), (v: number[]) => REDUCERS.var(v), {}],
    ['logsumexp', (x: wg.Tensor, a?: number[]) => x.logsumexp(a ?? [0, 1]), REDUCERS.logsumexp, {}],
    ['norm2', (x: wg.Tensor, a?: number[]) => x.norm(2, a), REDUCERS.norm2, {}],
  ] as const;

  it('run in one pass for whole tensors and up to 3 rows, with NaN and -inf, and match the reference', async (ctx) => {
    if (!lanes()) return ctx.skip();
    forceProfile({ plan: 'software', reduceLanes: lanes() });
    // [1, 700] and [3, 4096] rows; 8192 elements whole; past 2 chunks a lane (32769) the pass splits.
    for (const [rows, n] of [[1, 700], [3, 4096], [2, 4096], [1, 32769]] as const)
      await wg.scope(async () => {
        const r = randomRef([rows, n], rows + n, -3, 3);
        const clean = { shape: r.shape, data: r.data.slice() };
        r.data[n - 1] = NaN;
        r.data[rows * n - 5] = -Infinity;
        for (const ref of [clean, r])
          for (const [name, gpu, f, tol] of OPS) {
            const t = up(ref);
            const at = `${name} [${rows}, ${n}]${ref === r ? ' with NaN' : ''}`;
            wg.resetStats();
            assertClose(await gpu(t, [1]).data(), reduceRef(ref, [1], false, f), tol, `${at} axis 1`);
            const k = Object.keys(wg.stats().kernels);
            const viaLanes = k.some((x) => /:l(:p)?$/.test(x));
            if (n <= 32768) expect(viaLanes, `${at}: ${k}`).toBe(true);
            else expect([viaLanes, k.some((x) => x.endsWith(':t:p'))], `${at}: ${k}`).toEqual([false, true]);
            assertClose(await gpu(t).data(), reduceRef(ref, [0, 1], false, f), tol, `${at} whole`);
          }
      });
  });

  it('two-axis rows: runs of 2 (lanes split them), runs of 3 (one lane a row), NCHW', async (ctx) => {
    if (!lanes()) return ctx.skip();
    forceProfile({ plan: 'software', reduceLanes: lanes() });
    for (const [shape, axes] of [[[300, 3, 2], [0, 2]], [[300, 3, 3], [0, 2]], [[12, 2, 9, 13], [0, 2, 3]]] as const)
      await wg.scope(async () => {
        const r = randomRef([...shape], shape.length + shape[0]!, -3, 3);
        r.data[7] = NaN;
        const t = up(r);
        const ax = [...axes];
        for (const [name, gpu, f, tol] of OPS.slice(0, 5)) {
          wg.resetStats();
          assertClose(await gpu(t, ax).data(), reduceRef(r, ax, false, f), tol, `${name} ${JSON.stringify(shape)} over [${ax}]`);
          const viaLanes = Object.keys(wg.stats().kernels).some((x) => /:l(:p)?$/.test(x));
          expect(viaLanes, `${name} ${JSON.stringify(shape)}`).toBe(shape[2] !== 3);
        }
      });
  });

  it('are never used for 4 rows or more, by argmax, or on the GPU plan', async () => {
    await wg.scope(async () => {
      const r = randomRef([4, 1000], 5);
      const t = up(r);
      wg.resetStats();
      assertClose(await t.sum(1).data(), reduceRef(r, [1], false, REDUCERS.sum), {}, 'sum(1) of 4 rows');
      assertClose(await t.argmax(1).data(), reduceRef(r, [1], false, REDUCERS.argmax), exact, 'argmax');
      forceProfile({ plan: 'gpu' });
      assertClose([await t.sum().item()], [REDUCERS.sum(Array.from(r.data))], {}, 'sum on the GPU plan');
      expect(Object.keys(wg.stats().kernels).filter((x) => /:l(:p)?$/.test(x))).toEqual([]);
    });
  });

  it('are on by default where the probe passed on a software adapter, and cannot be forced past it', () => {
    const p = profileOf(device());
    expect(p.reduceLanes).toBe(p.plan === 'software' ? p.subgroupLanes : 0);
    expect(() => forceProfile({ reduceLanes: lanes() + 4 })).toThrow(/reduceLanes .* was forced, but subgroups here are/);
  });
});
