// softmax and logSoftmax against the float64 references in test/reference/reduce.ts: every axis of 3-D
// and 4-D tensors in non-contiguous layouts, short rows (one invocation each) and long rows (a workgroup
// each), more than 65,535 rows, stability at magnitude 1e4, NaN and -inf, and gradients to second order.
// Tolerances: rtol 1e-4, atol 1e-6 for values (float32 exp), the gradcheck defaults for gradients.
import { afterEach, describe, expect, it } from 'vitest';
import { forceProfile, restoreProfile } from './support/profile.ts';
import * as wg from '../src/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { expandRef, fdGrad, inversePerm, logSoftmaxRef, logSoftmaxRow, permuteRef, sliceRef, softmaxRef, softmaxRow } from './reference/reduce.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const tol = { rtol: 1e-4, atol: 1e-6 };

const FNS = [
  { name: 'softmax', gpu: (t: wg.Tensor, axis?: number) => t.softmax(axis), cpu: softmaxRef, row: softmaxRow },
  { name: 'logSoftmax', gpu: (t: wg.Tensor, axis?: number) => wg.logSoftmax(t, axis), cpu: logSoftmaxRef, row: logSoftmaxRow },
];

/** A tensor whose values are `r`, stored in one of several layouts. */
function layouts(r: Ref, seed: number): { t: wg.Tensor; ref: Ref; label: string }[] {
  const nd = r.shape.length;
  const rev = [...Array(nd).keys()].reverse();
  const big = randomRef(r.shape.map((s, d) => (d === 0 ? 2 * s + 1 : s)), seed, -3, 3);
  const small = randomRef(r.shape.map((s, d) => (d === 1 ? 1 : s)), seed + 1, -3, 3);
  return [
    { t: up(r), ref: r, label: 'contiguous' },
    { t: up(permuteRef(r, rev)).permute(inversePerm(rev)), ref: r, label: 'permuted' },
    { t: up(big).slice(0, 1, undefined, 2), ref: sliceRef(big, 0, 1, 2 * r.shape[0]! + 1, 2), label: 'sliced' },
    { t: up(small).expand(r.shape), ref: expandRef(small, r.shape), label: 'expanded' },
  ];
}

describe('forward', () => {
  it('softmax([1.2, 5, 1.6]) = [0.021, 0.947, 0.032]', async () => {
    const y = Array.from(await wg.softmax(wg.tensor([1.2, 5, 1.6])).data(), (v) => Math.round(v * 1000) / 1000);
    expect(y).toEqual([0.021, 0.947, 0.032]);
  });

  afterEach(restoreProfile);

  it.each(FNS)('$name along every axis of [5, 3, 70] and [2, 3, 1, 13], in four layouts', async ({ name, gpu, cpu }) => {
    // Axis lengths 1..70: rows of at most 64 take one invocation each, the 70-long ones a workgroup
    // (on the GPU plan; the software plan gives every row of this length an invocation).
    forceProfile({ plan: 'gpu' });
    wg.resetStats();
    for (const shape of [[5, 3, 70], [2, 3, 1, 13]])
      await wg.scope(async () => {
        for (const { t, ref, label } of layouts(randomRef(shape, 1, -3, 3), 2))
          for (let axis = -1; axis < shape.length; axis++) {
            const y = gpu(t, axis === -1 ? undefined : axis);
            expect(y.shape).toEqual(shape);
            assertClose(await y.data(), cpu(ref, axis), tol, `${JSON.stringify(shape)} ${label} axis ${axis}`);
          }
      });
    const k = wg.stats().kernels;
    expect(k[name]).toBeGreaterThan(0);
    expect(k[`${name}:t`]).toBeGreaterThan(0);
  });

  it.each(FNS)('$name of long rows, primes and size 1', async ({ gpu, cpu }) => {
    for (const [shape, axis] of [[[1], 0], [[7], 0], [[13, 1], 1], [[2, 1000], 1], [[3, 127], -1], [[1000, 2], 0]] as const)
      await wg.scope(async () => {
        const r = randomRef(shape, 3, -5, 5);
        assertClose(await gpu(up(r), axis).data(), cpu(r, axis), tol, `${JSON.stringify(shape)} axis ${axis}`);
      });
  });

  it.each(FNS)('$name of more than 65,535 rows, along the contiguous and the strided axis', async ({ gpu, cpu }) => {
    await wg.scope(async () => {
      const r = randomRef([70_001, 3], 4, -3, 3);
      assertClose(await gpu(up(r), 1).data(), cpu(r, 1), tol, 'rows');
      const c = randomRef([3, 70_001], 5, -3, 3);
      assertClose(await gpu(up(c), 0).data(), cpu(c, 0), tol, 'columns');
    });
  });

  it.each(FNS)('$name with grids split over x and y (limit lowered to 7 workgroups per dimension)', async ({ gpu, cpu }) => {
    const limits = wg.device().info.limits;
    const saved = limits.maxComputeWorkgroupsPerDimension;
    limits.maxComputeWorkgroupsPerDimension = 7;
    try {
      await wg.scope(async () => {
        for (const [shape, axis] of [[[100, 70], 1], [[70, 3, 20], 0], [[2000, 3], 1]] as const) {
          const r = randomRef(shape, 6, -3, 3);
          assertClose(await gpu(up(r), axis).data(), cpu(r, axis), tol, JSON.stringify(shape));
        }
      });
    } finally {
      limits.maxComputeWorkgroupsPerDimension = saved;
    }
  });

  it('is stable at magnitude 1e4: finite and correct', async () => {
    const rows = [
      [1e4, -1e4, 0],
      [-1e4, -1e4, -1e4],
      [1e4, 1e4 - 1, 1e4 - 2],
      [-1e4, 0.5, 1e4],
    ];
    const short: Ref = { data: Float64Array.from(rows.flat()), shape: [4, 3] };
    // The same rows padded to 70 with -1e4, for the workgroup path.
    const long: Ref = { data: Float64Array.from(rows.flatMap((r) => [...r, ...new Array(67).fill(-1e4)])), shape: [4, 70] };
    for (const r of [short, long]) {
      for (const { gpu, cpu } of FNS) {
        const y = await gpu(up(r), 1).data();
        expect(Array.from(y).every(Number.isFinite)).toBe(true);
        assertClose(y, cpu(r, 1), { rtol: 1e-4, atol: 1e-6 });
      }
    }
    assertClose(await up(short).softmax(-1).data(), [1, 0, 0, 1 / 3, 1 / 3, 1 / 3, ...softmaxRow([2, 1, 0]), 0, 0, 1], { rtol: 1e-5, atol: 1e-7 });
  });

  it('NaN fills its own row only; -inf entries get probability 0', async () => {
    const x = wg.tensor([[1, NaN, 2], [0, 1, 2], [-Infinity, 0, -Infinity]]);
    const y = await x.softmax(1).data();
    expect(Array.from(y.slice(0, 3)).every(Number.isNaN)).toBe(true);
    assertClose(y.slice(3), [...softmaxRow([0, 1, 2]), 0, 1, 0], { rtol: 1e-6, atol: 0 });
    const l = await x.logSoftmax(1).data();
    expect(Array.from(l.slice(0, 3)).every(Number.isNaN)).toBe(true);
    assertClose(l.slice(3), [...logSoftmaxRow([0, 1, 2]), -Infinity, 0, -Infinity], { rtol: 1e-6, atol: 1e-7 });
    // Along axis 0, the NaN is in column 1 only.
    const c = await x.softmax(0).data();
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((i) => Number.isNaN(c[i]!))).toEqual([1, 4, 7]);
  });

  it('0-d and int32 inputs', async () => {
    expect(await wg.tensor(3).softmax().item()).toBe(1);
    expect(await wg.tensor(3).logSoftmax(0).item()).toBe(0);
    const i = wg.tensor(Int32Array.from([1, 2, 3]));
    const y = i.softmax();
    expect(y.dtype).toBe('float32');
    assertClose(await y.data(), softmaxRow([1, 2, 3]), tol);
  });

  it('a bad axis throws before any GPU work', () => {
    const x = wg.tensor([[1, 2], [3, 4]]);
    const before = wg.stats().dispatches;
    expect(() => x.softmax(2)).toThrow(/softmax: axis 2 is out of range for a tensor of rank 2/);
    expect(() => x.logSoftmax(-3)).toThrow(wg.WebGradError);
    expect(wg.stats().dispatches).toBe(before);
  });
});

describe('gradients', () => {
  afterEach(restoreProfile);

  const transposed = (r: Ref) => {
    const rev = [...Array(r.shape.length).keys()].reverse();
    return up(permuteRef(r, rev)).permute(inversePerm(rev));
  };

  it.each(FNS)('$name along every axis, contiguous and transposed', async ({ gpu, cpu }) => {
    const r = randomRef([2, 3, 4], 7, -2, 2);
    for (const axis of [0, 1, 2]) {
      await gradcheck((x) => gpu(x, axis), (x) => cpu(x, axis), [r]);
      await gradcheck((x) => gpu(x, axis), (x) => cpu(x, axis), [r], { makeInput: transposed });
    }
  });

  it.each(FNS)('$name of long rows (workgroup path) and of a broadcast sum', async ({ name, gpu, cpu }) => {
    forceProfile({ plan: 'gpu' });
    wg.resetStats();
    await gradcheck((x) => gpu(x, 1), (x) => cpu(x, 1), [randomRef([2, 70], 8, -2, 2)]);
    expect(wg.stats().kernels[`${name}Backward`]).toBe(1);
    const a = randomRef([3, 4], 9);
    const b = randomRef([4], 10);
    const addRef = (x: Ref, y: Ref) => ({ data: x.data.map((v, i) => v + y.data[i % 4]!), shape: [3, 4] });
    await gradcheck((x, y) => gpu(x.add(y), 0), (x, y) => cpu(addRef(x, y), 0), [a, b]);
  });

  it.each(FNS)('$name with a broadcast incoming gradient (stride 0)', async ({ gpu, cpu }) => {
    // The gradient reaching softmax from sum(0) is expanded along axis 0.
    const sum0 = (r: Ref) => ({ data: Float64Array.from({ length: 4 }, (_, j) => [0, 1, 2].reduce((s, i) => s + r.data[i * 4 + j]!, 0)), shape: [4] });
    await gradcheck((x) => gpu(x, 1).sum(0), (x) => sum0(cpu(x, 1)), [randomRef([3, 4], 11)]);
  });

  it('softmax gradients are finite at magnitude 1e4', async () => {
    const x = wg.tensor([[1e4, -1e4, 0]], { requiresGrad: true });
    x.softmax().mul(wg.tensor([1, 2, 3])).sum().backward();
    expect(Array.from(await x.grad!.data()).every(Number.isFinite)).toBe(true);
    const z = wg.tensor([[1e4, -1e4, 0]], { requiresGrad: true });
    z.logSoftmax().sum().backward();
    assertClose(await z.grad!.data(), [-2, 1, 1], { rtol: 1e-6 });
  });

  it.each(FNS)('$name twice (the fused backward kernels have rules of their own)', async ({ gpu, cpu }) => {
    const r = randomRef([2, 3], 12, -2, 2);
    const w = randomRef([2, 3], 13);
    const wt = up(w);
    for (const axis of [0, 1]) {
      const f = (x: wg.Tensor) => gpu(x, axis).mul(wt).sum();
      const cpuF = (x: Ref) => cpu(x, axis).data.reduce((s, v, i) => s + v * w.data[i]!, 0);
      await gradcheck((x) => wg.grad(f)(x), (x) => fdGrad(cpuF, x), [r], { rtol: 5e-3, atol: 1e-3 });
    }
  });
});
