// Reductions against the float64 references in test/reference/reduce.ts: every subset of axes of 3-D and
// 4-D tensors, in contiguous and non-contiguous layouts, long rows (chunked), many short rows (one
// invocation per row), whole-tensor reductions over several passes, NaN/Inf, integer dtypes, errors, and
// gradients (first and second order). Float tolerances are the reference defaults (rtol 1e-4, atol 1e-5)
// unless stated; integer results and indices are exact.
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { forceProfile, restoreProfile } from './support/profile.ts';
import { profileOf } from '../src/kernels/index.ts';
import { device } from '../src/tensor/context.ts';
import { gradcheck } from './reference/gradcheck.ts';
import { assertClose, randomRef, type Ref, type Tolerance } from './reference/index.ts';
import { expandRef, fdGrad, inversePerm, permuteRef, REDUCERS, reduceRef, sliceRef, subsets } from './reference/reduce.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const exact = { rtol: 0, atol: 0 };
const mapRef = (r: Ref, f: (v: number, i: number) => number): Ref => ({ data: r.data.map(f), shape: [...r.shape] });

/** Values in +-[0.6, 1.4], so that products of ~100 of them stay well inside float32's range. */
const prodSafe = (shape: number[], seed: number) => mapRef(randomRef(shape, seed), (v) => Math.fround(Math.sign(v || 1) * (0.6 + 0.8 * Math.abs(v))));

type Fn = (t: wg.Tensor, axes: number[] | undefined, keepdim: boolean) => wg.Tensor;
interface Case {
  name: string;
  gpu: Fn;
  cpu: (v: number[]) => number;
  tol?: Tolerance;
  input?: (shape: number[], seed: number) => Ref;
}

const CASES: Case[] = [
  { name: 'sum', gpu: (t, a, k) => t.sum(a, k), cpu: REDUCERS.sum },
  { name: 'mean', gpu: (t, a, k) => t.mean(a, k), cpu: REDUCERS.mean },
  { name: 'prod', gpu: (t, a, k) => t.prod(a, k), cpu: REDUCERS.prod, input: prodSafe },
  { name: 'max', gpu: (t, a, k) => t.max(a, k), cpu: REDUCERS.max, tol: exact },
  { name: 'min', gpu: (t, a, k) => t.min(a, k), cpu: REDUCERS.min, tol: exact },
  { name: 'var', gpu: (t, a, k) => t.var(a, { keepdim: k }), cpu: (v) => REDUCERS.var(v) },
  { name: 'var(correction 0)', gpu: (t, a, k) => wg.var(t, a, { correction: 0, keepdim: k }), cpu: (v) => REDUCERS.var(v, 0) },
  { name: 'std', gpu: (t, a, k) => t.std(a, { keepdim: k }), cpu: (v) => REDUCERS.std(v) },
  { name: 'logsumexp', gpu: (t, a, k) => t.logsumexp(a, k), cpu: REDUCERS.logsumexp },
  { name: 'norm1', gpu: (t, a, k) => t.norm(1, a, k), cpu: REDUCERS.norm1 },
  { name: 'norm2', gpu: (t, a, k) => wg.norm(t, 2, a, k), cpu: REDUCERS.norm2 },
];

/** A tensor whose values are `r`, in one of several layouts. */
type Layout = 'contiguous' | 'permuted' | 'sliced' | 'expanded';
function layoutOf(r: Ref, layout: Layout): { t: wg.Tensor; ref: Ref } {
  const nd = r.shape.length;
  if (layout === 'contiguous') return { t: up(r), ref: r };
  if (layout === 'permuted') {
    const dims = [...Array(nd).keys()].reverse();
    return { t: up(permuteRef(r, dims)).permute(inversePerm(dims)), ref: r };
  }
  if (layout === 'sliced') {
    // Every other element of a tensor twice as long along axis 1, from an offset of 1.
    const big = randomRef(r.shape.map((s, d) => (d === 1 ? 2 * s + 1 : s)), 99);
    const ref = sliceRef(big, 1, 1, 2 * r.shape[1]! + 1, 2);
    return { t: up(big).slice(1, 1, undefined, 2), ref };
  }
  // Axis 1 broadcast from size 1.
  const small = { data: r.data.slice(0, r.data.length / r.shape[1]!), shape: r.shape.map((s, d) => (d === 1 ? 1 : s)) };
  const src = randomRef(small.shape, 98);
  return { t: up(src).expand(r.shape), ref: expandRef(src, r.shape) };
}

async function check(c: Case, t: wg.Tensor, ref: Ref, axes: number[] | undefined, keepdim: boolean, label: string): Promise<void> {
  const y = c.gpu(t, axes, keepdim);
  const want = reduceRef(ref, axes, keepdim, c.cpu);
  expect(y.shape, label).toEqual(want.shape);
  assertClose(await y.data(), want, c.tol, label);
  y.dispose();
}

describe('every subset of axes', () => {
  // Reduced sizes 1..65 and 91, 455: both the per-invocation path (rows <= 64) and the workgroup path.
  it.each(CASES)('$name over [5, 7, 13] in four layouts', async (c) => {
    for (const layout of ['contiguous', 'permuted', 'sliced', 'expanded'] as Layout[])
      await wg.scope(async () => {
        const { t, ref } = layoutOf(c.input?.([5, 7, 13], 1) ?? randomRef([5, 7, 13], 1), layout);
        let k = 0;
        for (const axes of subsets(3)) await check(c, t, ref, axes, k++ % 2 === 1, `${c.name} ${layout} axes [${axes}]`);
        await check(c, t, ref, undefined, false, `${c.name} ${layout} all axes`);
      });
  });

  it.each(CASES.filter((c) => ['sum', 'max', 'var', 'logsumexp', 'norm2', 'prod'].includes(c.name)))('$name over [2, 3, 1, 13], permuted', async (c) => {
    await wg.scope(async () => {
      const { t, ref } = layoutOf(c.input?.([2, 3, 1, 13], 2) ?? randomRef([2, 3, 1, 13], 2), 'permuted');
      for (const axes of subsets(4)) await check(c, t, ref, axes, axes.length % 2 === 0, `${c.name} axes [${axes}]`);
    });
  });

  it.each([
    { shape: [1], axes: [0] },
    { shape: [7], axes: [0] },
    { shape: [127], axes: undefined },
    { shape: [13, 1], axes: [1] },
    { shape: [1, 1, 1], axes: [0, 2] },
    { shape: [3, 12_701], axes: [1] },
    { shape: [12_701, 3], axes: [0] },
  ])('shape $shape over axes $axes', async ({ shape, axes }) => {
    await wg.scope(async () => {
      for (const c of CASES) {
        const r = c.input?.(shape, 3) ?? randomRef(shape, 3);
        await check(c, up(r), r, axes, false, `${c.name} ${JSON.stringify(shape)}`);
      }
      // Rounded, so that rows hold ties.
      const r = mapRef(randomRef(shape, 4), (v) => Math.round(v * 8));
      const axis = axes?.length === 1 ? axes[0] : undefined;
      assertClose(await up(r).argmax(axis).data(), reduceRef(r, axis === undefined ? undefined : [axis], false, REDUCERS.argmax), exact, 'argmax');
      assertClose(await up(r).argmin(axis).data(), reduceRef(r, axis === undefined ? undefined : [axis], false, REDUCERS.argmin), exact, 'argmin');
    });
  });
});

describe('argmax and argmin', () => {
  const ARG = [
    { name: 'argmax', gpu: (t: wg.Tensor, a?: number, k?: boolean) => t.argmax(a, k), cpu: REDUCERS.argmax },
    { name: 'argmin', gpu: (t: wg.Tensor, a?: number, k?: boolean) => wg.argmin(t, a, k), cpu: REDUCERS.argmin },
  ];

  it.each(ARG)('$name along every axis, with ties, in several layouts', async ({ gpu, cpu }) => {
    // Few distinct values, so every row has ties and the first occurrence must win.
    const r = mapRef(randomRef([3, 5, 7], 4), (v) => Math.round(v * 2));
    for (const layout of ['contiguous', 'permuted', 'sliced', 'expanded'] as Layout[])
      await wg.scope(async () => {
        const { t, ref } = layoutOf(r, layout);
        const rr = layout === 'contiguous' || layout === 'permuted' ? ref : mapRef(ref, (v) => Math.round(v * 2));
        const tt = layout === 'contiguous' || layout === 'permuted' ? t : t.mul(2).round();
        for (const axis of [0, 1, 2, -1])
          for (const keepdim of [false, true]) {
            const y = gpu(tt, axis, keepdim);
            const want = reduceRef(rr, [axis], keepdim, cpu);
            expect(y.dtype).toBe('int32');
            expect(y.shape).toEqual(want.shape);
            assertClose(await y.data(), want, exact, `${layout} axis ${axis}`);
          }
        const flat = gpu(tt);
        expect(flat.shape).toEqual([]);
        expect(await flat.item()).toBe(cpu(Array.from(rr.data)));
        expect(gpu(tt, undefined, true).shape).toEqual([1, 1, 1]);
      });
  });

  it('NaN is the answer (its first occurrence), as in torch', async () => {
    const x = wg.tensor([[1, NaN, 3, NaN], [2, 5, -1, 0], [NaN, 9, 9, 1]]);
    expect(await x.argmax(1).toArray()).toEqual([1, 1, 0]);
    expect(await x.argmin(1).toArray()).toEqual([1, 2, 0]);
    expect(await x.argmax().item()).toBe(1);
    const inf = wg.tensor([-Infinity, -Infinity, 3, Infinity, Infinity]);
    expect(await inf.argmax().item()).toBe(3);
    expect(await inf.argmin().item()).toBe(0);
  });

  it('int32 and bool inputs; a 0-d input gives 0', async () => {
    const i = wg.tensor(Int32Array.from([3, -7, 9, 9, -7, 2]), { shape: [2, 3] });
    expect(await i.argmax(1).toArray()).toEqual([2, 0]);
    expect(await i.argmin().item()).toBe(1);
    expect(await i.argmax().item()).toBe(2);
    const b = wg.tensor([false, true, true, false]);
    expect(await b.argmax().item()).toBe(1);
    expect(await b.argmin().item()).toBe(0);
    expect(await wg.tensor(5).argmax().item()).toBe(0);
  });
});

describe('multi-pass and large reductions', () => {
  afterEach(restoreProfile);

  it('a 4M-element whole-tensor sum and argmax run in two passes', async () => {
    await wg.scope(async () => {
      const n = 4 << 20;
      const r = randomRef([n], 5, 0, 1);
      r.data[3_000_001] = 2;
      r.data[3_500_000] = 2; // a tie in a later chunk: the first must win
      const x = up(r);
      wg.resetStats();
      const s = x.sum();
      const a = x.argmax();
      const k = wg.stats().kernels;
      // The second pass reads 1024 partials: on the software plan one subgroup's lanes where the probe
      // passed (profile.reduceLanes), else one invocation (too little work to split:
      // profile.reduceSplitMin); a workgroup on the GPU plan.
      const p = profileOf(device());
      const t = p.plan === 'software' ? ':t' : '';
      expect(k['reduce:sum:f32>f32']).toBe(1);
      expect(k[`reduce:sum:f32>f32${p.reduceLanes ? ':l' : t}:p`]).toBe(1);
      expect(k['argmax:f32']).toBe(1);
      expect(k[`argmax:u32${t}:p`]).toBe(1);
      assertClose([await s.item()], [REDUCERS.sum(Array.from(r.data))], { rtol: 1e-5 }, 'sum');
      expect(await a.item()).toBe(3_000_001);
    });
  });

  it('with a 4-element chunk, rows of 300 take three passes for every op', async () => {
    // 300 -> 75 partials per row (a workgroup each) -> 19 (one invocation each) -> the result.
    forceProfile({ reduceChunk: 4 });
    await wg.scope(async () => {
      const r = randomRef([2, 300], 6);
      r.data[100] = 5;
      r.data[290] = 5; // row 0: tie across chunks
      r.data[300 + 17] = -5;
      r.data[300 + 299] = -5;
      for (const [t, ref, label] of [
        [up(r), r, 'contiguous'],
        [up(permuteRef(r, [1, 0])).T, r, 'transposed'],
      ] as const) {
        if (label === 'transposed') for (const c of CASES.filter((c) => c.name !== 'prod')) await check(c, t, ref, [1], false, `${c.name} ${label}`);
        wg.resetStats();
        assertClose(await t.sum(1).data(), reduceRef(ref, [1], false, REDUCERS.sum), {}, 'sum');
        assertClose(await t.argmax(1).data(), reduceRef(ref, [1], false, REDUCERS.argmax), exact, 'argmax');
        // Passes 2 and 3 read (value, index) pairs.
        const k = wg.stats().kernels;
        expect([k['argmax:f32'], k['argmax:u32:p'], k['argmax:u32:t:p']]).toEqual([1, 1, 1]);
        expect([k['reduce:sum:f32>f32'], k['reduce:sum:f32>f32:p'], k['reduce:sum:f32>f32:t:p']]).toEqual([1, 1, 1]);
        assertClose(await t.argmin(1).data(), reduceRef(ref, [1], false, REDUCERS.argmin), exact, 'argmin');
        assertClose([await t.argmax().item()], [REDUCERS.argmax(Array.from(ref.data))], exact, 'flat argmax');
      }
      const p = prodSafe([2, 300], 7);
      assertClose(await up(p).prod(1).data(), reduceRef(p, [1], false, REDUCERS.prod), { rtol: 1e-3 }, 'prod');
    });
  });

  it('more than 65,535 short rows take one invocation each', async () => {
    await wg.scope(async () => {
      const r = randomRef([70_001, 3], 8);
      const x = up(r);
      wg.resetStats();
      for (const c of CASES.filter((c) => ['sum', 'max', 'var', 'logsumexp'].includes(c.name))) await check(c, x, r, [1], false, c.name);
      assertClose(await x.argmax(1).data(), reduceRef(r, [1], false, REDUCERS.argmax), exact, 'argmax');
      const k = wg.stats().kernels;
      expect(k['reduce:sum:f32>f32:t']).toBe(1);
      expect(k['argmax:f32:t']).toBe(1);
      // The same rows read down a transposed view.
      const xt = up(permuteRef(r, [1, 0])).T;
      assertClose(await xt.max(1).data(), reduceRef(r, [1], false, REDUCERS.max), exact, 'transposed max');
    });
  });

  it('grids split over x and y decode every row (limit lowered to 7 workgroups per dimension)', async () => {
    const limits = wg.device().info.limits;
    const saved = limits.maxComputeWorkgroupsPerDimension;
    limits.maxComputeWorkgroupsPerDimension = 7;
    try {
      await wg.scope(async () => {
        for (const shape of [[100, 300], [2000, 3]]) {
          const r = randomRef(shape, 9);
          const x = up(r);
          for (const c of CASES.filter((c) => ['sum', 'min', 'std', 'logsumexp'].includes(c.name))) await check(c, x, r, [1], false, `${c.name} ${shape}`);
          assertClose(await x.argmin(1).data(), reduceRef(r, [1], false, REDUCERS.argmin), exact, 'argmin');
        }
        forceProfile({ reduceChunk: 16 });
        const r = randomRef([3000], 10);
        assertClose([await up(r).sum().item()], [REDUCERS.sum(Array.from(r.data))], {}, 'chunked sum');
        assertClose([await up(r).argmax().item()], [REDUCERS.argmax(Array.from(r.data))], exact, 'chunked argmax');
      });
    } finally {
      limits.maxComputeWorkgroupsPerDimension = saved;
    }
  });
});

describe('NaN, Inf and dtypes', () => {
  it('NaN propagates through sum, mean, prod, max, min, var, logsumexp and norms of its row only', async () => {
    const r: Ref = { data: Float64Array.from([1, NaN, 3, -2, 4, 5, 7, 0.5, -1]), shape: [3, 3] };
    const x = up(r);
    for (const c of CASES) await check(c, x, r, [1], false, c.name);
    for (const c of CASES) await check(c, x, r, undefined, false, `${c.name} all`);
    const y = await x.max(1).data();
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(Array.from(y.slice(1))).toEqual([5, 7]);
  });

  it('infinities: max/min, logsumexp of -inf and +inf rows, large magnitudes', async () => {
    const r: Ref = { data: Float64Array.from([-Infinity, -Infinity, -Infinity, Infinity, 1, 2, 1e4, -1e4, 0, -1e4, -1e4, -1e4]), shape: [4, 3] };
    const x = up(r);
    for (const c of CASES.filter((c) => ['sum', 'max', 'min', 'logsumexp'].includes(c.name))) await check(c, x, r, [1], true, c.name);
    const lse = await x.logsumexp(1).data();
    expect(Array.from(lse)).toEqual([-Infinity, Infinity, 1e4, Math.fround(-1e4 + Math.log(3))]);
    const big = wg.tensor([1e4, -1e4, 0, 1e4]);
    assertClose([await big.var().item(), await big.norm().item()], [REDUCERS.var([1e4, -1e4, 0, 1e4]), Math.sqrt(3e8)], { rtol: 1e-6 });
  });

  it('var/std of one element with correction 1 is NaN, with correction 0 is 0', async () => {
    const x = wg.tensor([[3], [4]]);
    expect(Array.from(await x.var(1).data()).every(Number.isNaN)).toBe(true);
    expect(Array.from(await x.std(1, { correction: 0 }).data())).toEqual([0, 0]);
  });

  it('integer and bool inputs keep integer results where torch does', async () => {
    const i = wg.tensor(Int32Array.from([3, -7, 9, 2, 5, -1]), { shape: [2, 3] });
    const s = i.sum(1);
    expect(s.dtype).toBe('int32');
    expect(await s.toArray()).toEqual([5, 6]);
    expect(await i.prod(1).toArray()).toEqual([-189, -10]);
    expect(await i.max().item()).toBe(9);
    expect(i.min(0).dtype).toBe('int32');
    expect(await i.min(0).toArray()).toEqual([2, -7, -1]);
    expect(i.mean().dtype).toBe('float32');
    assertClose([await i.mean().item(), await i.var().item(), await i.norm(1).item()], [11 / 6, REDUCERS.var([3, -7, 9, 2, 5, -1]), 27]);
    const b = wg.tensor([[true, false, true], [true, true, true]]);
    expect(b.sum(1).dtype).toBe('int32');
    expect(await b.sum(1).toArray()).toEqual([2, 3]);
    expect(await b.max(1).toArray()).toEqual([true, true]);
    expect(await b.min(1).toArray()).toEqual([false, true]);
  });

  it('empty reductions: sum 0, prod 1, logsumexp -inf; max/argmax refuse', async () => {
    const e = wg.zeros([2, 0]);
    expect(await e.sum(1).toArray()).toEqual([0, 0]);
    expect(await e.prod(1).toArray()).toEqual([1, 1]);
    expect(await e.logsumexp(1).toArray()).toEqual([-Infinity, -Infinity]);
    expect(e.max(0).shape).toEqual([0]);
    rejects(() => e.max(1), /max: axis 1 of shape \[2, 0\] is empty/);
    rejects(() => e.argmax(), /argmax: axis 1 .* has no index/);
  });
});

/** Runs fn, expecting a WebGradError matching `re` before any GPU work. */
function rejects(fn: () => unknown, re: RegExp): void {
  const before = wg.stats().dispatches;
  let err: unknown;
  try {
    wg.tidy(() => void fn());
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(wg.WebGradError);
  expect((err as Error).message).toMatch(re);
  expect(wg.stats().dispatches).toBe(before);
}

describe('bad arguments', () => {
  it('throw WebGradErrors naming the op and what is valid', () => {
    const x = wg.tensor([[1, 2], [3, 4]]);
    rejects(() => x.norm(3 as 2), /norm: p = 3 is not supported.*p = 1 or p = 2/s);
    rejects(() => x.var(0, { correction: NaN }), /var: correction must be a finite number/);
    rejects(() => x.argmax(2), /argmax: axis 2 is out of range for a tensor of rank 2/);
    rejects(() => x.sum([0, 0]), /sum: axes \[0,0\] repeat an axis/);
    rejects(() => x.logsumexp(-3), /logsumexp: axis -3 is out of range/);
    rejects(() => x.std([5]), /std: axis 5 is out of range/);
  });
});

describe('gradients', () => {
  /** Non-contiguous leaf: the values stored transposed, viewed back. */
  const transposed = (r: Ref) => {
    const dims = [...Array(r.shape.length).keys()].reverse();
    return up(permuteRef(r, dims)).permute(inversePerm(dims));
  };
  const grads: { name: string; gpu: Fn; cpu: (v: number[]) => number; input?: (s: number[], seed: number) => Ref }[] = [
    { name: 'sum', gpu: (t, a, k) => t.sum(a, k), cpu: REDUCERS.sum },
    { name: 'mean', gpu: (t, a, k) => t.mean(a, k), cpu: REDUCERS.mean },
    { name: 'prod', gpu: (t, a, k) => t.prod(a, k), cpu: REDUCERS.prod, input: prodSafe },
    { name: 'var', gpu: (t, a, k) => t.var(a, { keepdim: k }), cpu: (v) => REDUCERS.var(v) },
    { name: 'var(correction 0)', gpu: (t, a, k) => t.var(a, { keepdim: k, correction: 0 }), cpu: (v) => REDUCERS.var(v, 0) },
    { name: 'std', gpu: (t, a, k) => t.std(a, { keepdim: k }), cpu: (v) => REDUCERS.std(v) },
    { name: 'logsumexp', gpu: (t, a, k) => t.logsumexp(a, k), cpu: REDUCERS.logsumexp },
    { name: 'norm1', gpu: (t, a, k) => t.norm(1, a, k), cpu: REDUCERS.norm1 },
    { name: 'norm2', gpu: (t, a, k) => t.norm(2, a, k), cpu: REDUCERS.norm2 },
    { name: 'max', gpu: (t, a, k) => t.max(a, k), cpu: REDUCERS.max },
    { name: 'min', gpu: (t, a, k) => t.min(a, k), cpu: REDUCERS.min },
  ];

  it.each(grads)('$name: axes subsets, keepdim, non-contiguous input', async (c) => {
    const r = c.input?.([2, 3, 4], 11) ?? randomRef([2, 3, 4], 11);
    for (const [axes, keepdim] of [[[1], false], [[0, 2], true], [undefined, false]] as const)
      await gradcheck((x) => c.gpu(x, axes && [...axes], keepdim), (x) => reduceRef(x, axes, keepdim, c.cpu), [r]);
    await gradcheck((x) => c.gpu(x, [2], false), (x) => reduceRef(x, [2], false, c.cpu), [r], { makeInput: transposed });
  });

  it.each(grads.filter((c) => ['var', 'prod', 'logsumexp', 'norm2'].includes(c.name)))('$name of a broadcast product', async (c) => {
    const a = randomRef([3, 5], 12, 0.5, 1.5);
    const b = randomRef([5], 13, 0.5, 1.5);
    const mulRef = (x: Ref, y: Ref) => ({ data: x.data.map((v, i) => v * y.data[i % 5]!), shape: [3, 5] });
    await gradcheck((x, y) => c.gpu(x.mul(y), [1], false), (x, y) => reduceRef(mulRef(x, y), [1], false, c.cpu), [a, b]);
    await gradcheck((x, y) => c.gpu(x.mul(y), [0], true), (x, y) => reduceRef(mulRef(x, y), [0], true, c.cpu), [a, b]);
  });

  it('max/min ties share the gradient evenly', async () => {
    // Two-way ties: the central difference also gives 1/2 each.
    const r: Ref = { data: Float64Array.from([1, 3, 3, 0, -2, 5, -2, 1]), shape: [2, 4] };
    await gradcheck((x) => x.max(1), (x) => reduceRef(x, [1], false, REDUCERS.max), [r]);
    await gradcheck((x) => x.min(1), (x) => reduceRef(x, [1], false, REDUCERS.min), [r]);
    const x = wg.tensor([2, 7, 7, 7, 1], { requiresGrad: true });
    x.max().backward();
    assertClose(await x.grad!.data(), [0, 1 / 3, 1 / 3, 1 / 3, 0], { rtol: 1e-6 });
  });

  it('prod with one zero (the product of the others) and with two zeros (zero)', async () => {
    const r: Ref = { data: Float64Array.from([2, 0, 3, -1.5, 0.5, 4, 1.25, -2, 0, 3, 0, 7]), shape: [3, 4] };
    await gradcheck((x) => x.prod(1), (x) => reduceRef(x, [1], false, REDUCERS.prod), [r]);
    await gradcheck((x) => x.prod(0, true), (x) => reduceRef(x, [0], true, REDUCERS.prod), [r]);
    const x = wg.tensor([[2, 0, 3, -1.5], [0, 3, 0, 7]], { requiresGrad: true });
    x.prod(1).sum().backward();
    expect(Array.from(await x.grad!.data(), (v) => v + 0)).toEqual([0, -9, 0, 0, 0, 0, 0, 0]);
  });

  it('norm2 of an all-zero row has gradient 0, not NaN', async () => {
    const x = wg.tensor([[0, 0, 0], [3, 0, 4]], { requiresGrad: true });
    x.norm(2, 1).sum().backward();
    assertClose(await x.grad!.data(), [0, 0, 0, 0.6, 0, 0.8], { rtol: 1e-6 });
  });

  it('logsumexp gradients stay finite for inputs of magnitude 1e4', async () => {
    const x = wg.tensor([[1e4, -1e4, 0], [-1e4, -1e4, -1e4]], { requiresGrad: true });
    x.logsumexp(1).sum().backward();
    // The second row's result, -1e4 + log 3, is rounded to float32's 1e-3 spacing there, hence rtol 1e-3.
    assertClose(await x.grad!.data(), [1, 0, 0, 1 / 3, 1 / 3, 1 / 3], { rtol: 1e-3, atol: 1e-7 });
  });

  it.each(grads.filter((c) => ['prod', 'var', 'std', 'logsumexp', 'norm2'].includes(c.name)))('$name twice (gradient of the gradient)', async (c) => {
    const r = c.input?.([2, 3], 14) ?? randomRef([2, 3], 14);
    const w = randomRef([2], 15);
    const wt = up(w);
    const f = (x: wg.Tensor) => c.gpu(x, [1], false).mul(wt).sum();
    const cpuF = (x: Ref) => reduceRef(x, [1], false, c.cpu).data.reduce((s, v, i) => s + v * w.data[i]!, 0);
    await gradcheck((x) => wg.grad(f)(x), (x) => fdGrad(cpuF, x), [r], { rtol: 5e-3, atol: 1e-3 });
  });
});
