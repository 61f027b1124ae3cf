import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import { linearRef, matmulRef, permuteRef, transposeRef } from './reference/linalg.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
/** A float32 product of length-k dot products: error grows like sqrt(k) ulps of the terms. */
const TOL = { rtol: 1e-4, atol: 1e-4 };

async function check(a: Ref, b: Ref, label: string, tol = TOL, A = up(a), B = up(b)): Promise<void> {
  const want = matmulRef(a, b);
  const y = wg.matmul(A, B);
  expect(y.shape, label).toEqual(want.shape);
  assertClose(await y.data(), want, tol, label);
}

describe('matmul forward against float64', () => {
  const cases: [number[], number[]][] = [
    [[1, 1], [1, 1]],
    [[7, 13], [13, 127]],
    [[1, 37], [37, 23]],
    [[23, 37], [37, 1]],
    [[13, 1], [1, 17]],
    [[3, 37], [37, 50]],
    [[50, 37], [37, 2]],
    [[4, 100], [100, 4]],
    [[2, 3, 9], [2, 9, 70]],
    [[37], [37]],
    [[13], [13, 7]],
    [[7, 13], [13]],
    [[13], [2, 13, 7]],
    [[2, 3, 7, 13], [13]],
    [[2, 3, 5, 7], [7, 4]],
    [[1, 5, 7], [3, 7, 2]],
    [[4, 1, 5, 6], [3, 6, 2]],
    [[2, 1, 1, 2, 3, 4], [1, 2, 3, 2, 4, 5]],
    [[65, 65], [65, 65]],
    [[64, 128], [128, 64]],
  ];
  it.each(cases)('%j @ %j', async (sa, sb) => {
    await check(randomRef(sa, sa.length * 7 + 1), randomRef(sb, sb.length * 11 + 2), `${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`);
  });

  it('a larger product, 256x300 @ 300x200, and a method call', async () => {
    const a = randomRef([256, 300], 3);
    const b = randomRef([300, 200], 4);
    const want = matmulRef(a, b);
    assertClose(await up(a).matmul(up(b)).data(), want, TOL, 'a.matmul(b)');
  });

  it('long K with few outputs splits K across workgroups (tiled and GEMV paths)', async () => {
    await check(randomRef([9, 3000], 5), randomRef([3000, 6], 6), '[9, 3000] @ [3000, 6]', { rtol: 2e-4, atol: 2e-4 });
    await check(randomRef([1, 6000], 7), randomRef([6000, 3], 8), '[1, 6000] @ [6000, 3]', { rtol: 2e-4, atol: 2e-4 });
    await check(randomRef([3, 6000], 9), randomRef([6000, 1], 10), '[3, 6000] @ [6000, 1]', { rtol: 2e-4, atol: 2e-4 });
    await check(randomRef([20000], 11), randomRef([20000], 12), 'dot of 20000', { rtol: 2e-4, atol: 3e-4 });
  });

  it('transposed operands are read in place, in every combination', async () => {
    const at = randomRef([17, 33], 13); // a = at.T is [33, 17]
    const bt = randomRef([45, 17], 14); // b = bt.T is [17, 45]
    const a = transposeRef(at);
    const b = transposeRef(bt);
    const T = (r: Ref) => wg.views.transpose(up(r));
    await check(a, b, 'a.T-stored @ b', TOL, T(at), up(b));
    await check(a, b, 'a @ b.T-stored', TOL, up(a), T(bt));
    await check(a, b, 'both transposed', TOL, T(at), T(bt));
    // GEMV over a transposed matrix (the matrix read along k) and a strided vector.
    const v = randomRef([17], 15);
    await check(v, b, 'vector @ b.T-stored', TOL, up(v), T(bt));
    await check(a, v, 'a.T-stored @ vector', TOL, T(at), up(v));
    // Batched, with the batch axis permuted out of place.
    const p = randomRef([5, 3, 7], 16);
    const pp = wg.views.permute(up(p), [1, 0, 2]);
    const pr = permuteRef(p, [1, 0, 2]);
    const q = randomRef([3, 7, 4], 17);
    await check(pr, q, 'permuted batch', TOL, pp, up(q));
  });

  it('sliced, stepped and expanded operands', async () => {
    const big = randomRef([30, 40], 18);
    const t = up(big);
    // a = big[2:25, 5:40:2] ([23, 18]); b = big[:18, 1:8] ([18, 7])
    const a = wg.views.slice(wg.views.slice(t, 0, 2, 25), 1, 5, 40, 2);
    const b = wg.views.slice(wg.views.slice(t, 0, 0, 18), 1, 1, 8);
    const pick = (r0: number, r1: number, c0: number, c1: number, step: number): Ref => {
      const rows = r1 - r0;
      const cols = Math.ceil((c1 - c0) / step);
      const data = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = big.data[(r0 + i) * 40 + c0 + j * step]!;
      return { data, shape: [rows, cols] };
    };
    await check(pick(2, 25, 5, 40, 2), pick(0, 18, 1, 8, 1), 'slices', TOL, a, b);
    // Rows broadcast from one vector (stride 0 along M) and a batch expanded from size 1.
    const v = randomRef([1, 9], 19);
    const m = randomRef([9, 6], 20);
    const rows: Ref = { data: Float64Array.from({ length: 36 }, (_, i) => v.data[i % 9]!), shape: [4, 9] };
    await check(rows, m, 'expanded rows', TOL, wg.views.expand(up(v), [4, 9]), up(m));
    const mb: Ref = { data: Float64Array.from({ length: 3 * 54 }, (_, i) => m.data[i % 54]!), shape: [3, 9, 6] };
    await check(rows, mb, 'expanded batch', TOL, wg.views.expand(up(v), [4, 9]), wg.views.expand(wg.views.reshape(up(m), [1, 9, 6]), [3, 9, 6]));
  });

  it('grids past the per-dimension workgroup limit spill into y (limit lowered to keep it cheap)', async () => {
    // SwiftShader runs 65,536 barrier-synchronised workgroups in minutes, so the limit that dev.grid
    // splits at is lowered instead: the kernels see the same 2-D grid, with surplus groups to skip.
    const limits = wg.device().info.limits;
    const saved = limits.maxComputeWorkgroupsPerDimension;
    limits.maxComputeWorkgroupsPerDimension = 5;
    try {
      await check(randomRef([13, 70, 9], 21), randomRef([13, 9, 3], 22), '13 batches of 2 tiles (26 groups)');
      await check(randomRef([7, 1, 9], 23), randomRef([7, 9, 70], 24), '7 batched GEMVs');
      await check(randomRef([70, 2000], 25), randomRef([2000, 3], 26), 'split-K', { rtol: 2e-4, atol: 2e-4 });
    } finally {
      limits.maxComputeWorkgroupsPerDimension = saved;
    }
  });

  it('NaN and Inf propagate to exactly the outputs they touch', async () => {
    const a = randomRef([5, 6], 23);
    const b = randomRef([6, 4], 24);
    a.data[1 * 6 + 2] = NaN;
    a.data[3 * 6 + 0] = Infinity;
    b.data[5 * 4 + 3] = -Infinity;
    const want = matmulRef(a, b);
    expect(Number.isNaN(want.data[1 * 4 + 0]!)).toBe(true);
    expect(want.data.filter((v) => !Number.isFinite(v)).length).toBeGreaterThan(4);
    await check(a, b, 'nan/inf');
  });

  it('empty dimensions give empty or zero results', async () => {
    expect((await wg.matmul(wg.zeros([0, 3]), wg.zeros([3, 4])).data()).length).toBe(0);
    expect(Array.from(await wg.matmul(wg.zeros([2, 0]), wg.zeros([0, 3])).data())).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('linear', () => {
  it('x @ w.T + b for 3-D, 2-D and 1-D inputs, with the bias fused', async () => {
    const w = randomRef([6, 5], 30);
    const b = randomRef([6], 31);
    for (const shape of [[2, 3, 5], [7, 5], [5], [1, 5]]) {
      const x = randomRef(shape, shape.length + 32);
      const y = wg.linear(up(x), up(w), up(b));
      const want = linearRef(x, w, b);
      expect(y.shape).toEqual(want.shape);
      assertClose(await y.data(), want, TOL, `linear ${JSON.stringify(shape)}`);
    }
    const x = randomRef([4, 5], 40);
    assertClose(await wg.linear(up(x), up(w)).data(), linearRef(x, w), TOL, 'no bias');
    const w2 = randomRef([2, 5], 42);
    const b2 = randomRef([2], 43);
    for (const shape of [[3, 5], [9, 5]]) {
      const x3 = randomRef(shape, 44);
      assertClose(await wg.linear(up(x3), up(w), up(b)).data(), linearRef(x3, w, b), TOL, `skinny linear ${shape}`);
      assertClose(await wg.linear(up(x3), up(w2), up(b2)).data(), linearRef(x3, w2, b2), TOL, `narrow linear ${shape}`);
    }
    const xt = randomRef([5, 4], 41);
    assertClose(await wg.linear(wg.views.transpose(up(xt)), up(w), up(b)).data(), linearRef(transposeRef(xt), w, b), TOL, 'transposed x');
  });
});

describe('errors name the shapes', () => {
  it('matmul [2, 3] x [4, 5]', () => {
    expect(() => wg.matmul(wg.zeros([2, 3]), wg.zeros([4, 5]))).toThrow(/matmul: shapes \[2, 3\] and \[4, 5\] .*inner dimensions 3 and 4 differ/);
    expect(() => wg.matmul(wg.zeros([3]), wg.zeros([4]))).toThrow(/inner dimensions 3 and 4 differ/);
    expect(() => wg.matmul(wg.zeros([2, 3, 4]), wg.zeros([3, 4, 5]))).toThrow(/batch dimensions \[2\] and \[3\]/);
    expect(() => wg.matmul(wg.zeros([]), wg.zeros([3]))).toThrow(/at least one dimension/);
    expect(() => wg.matmul(wg.zeros([2, 2], { dtype: 'int32' }), wg.zeros([2, 2]))).toThrow(/float32/);
    expect(() => wg.linear(wg.zeros([2, 3]), wg.zeros([4, 5]))).toThrow(/linear: input \[2, 3\] has 3 features but weight \[4, 5\] expects 5/);
    expect(() => wg.linear(wg.zeros([2, 5]), wg.zeros([4, 5]), wg.zeros([3]))).toThrow(/bias \[3\]/);
  });
});

describe('matmul gradients', () => {
  const mm = (a: wg.Tensor, b: wg.Tensor) => wg.matmul(a, b);
  it('2-D', async () => {
    await gradcheck(mm, matmulRef, [randomRef([5, 7], 50), randomRef([7, 3], 51)]);
  });
  it('batched with broadcast batch dimensions', async () => {
    await gradcheck(mm, matmulRef, [randomRef([2, 1, 3, 4], 52), randomRef([3, 4, 2], 53)]);
    await gradcheck(mm, matmulRef, [randomRef([2, 3, 4], 54), randomRef([4, 5], 55)]);
    await gradcheck(mm, matmulRef, [randomRef([3, 4], 56), randomRef([2, 4, 5], 57)]);
  });
  it('vector operands', async () => {
    await gradcheck(mm, matmulRef, [randomRef([5], 58), randomRef([5, 3], 59)]);
    await gradcheck(mm, matmulRef, [randomRef([4, 5], 60), randomRef([5], 61)]);
    await gradcheck(mm, matmulRef, [randomRef([6], 62), randomRef([6], 63)]);
  });
  it('transposed (non-contiguous) inputs', async () => {
    await gradcheck(mm, matmulRef, [randomRef([5, 7], 64), randomRef([7, 3], 65)], {
      makeInput: (r) => wg.views.transpose(up(transposeRef(r))),
    });
  });
  it('linear: x, w and b', async () => {
    await gradcheck((x, w, b) => wg.linear(x, w, b), linearRef, [randomRef([2, 3, 4], 66), randomRef([5, 4], 67), randomRef([5], 68)]);
    await gradcheck((x, w, b) => wg.linear(x, w, b), linearRef, [randomRef([4], 69), randomRef([3, 4], 70), randomRef([3], 71)]);
  });
  it('second order: the gradient of sum((a @ b)^2) is differentiable in a and b', async () => {
    // d/da sum((ab)^2) = 2 (ab) b^T; gradcheck differentiates that again through autograd.
    const gpu = (a: wg.Tensor, b: wg.Tensor) => wg.grad((x: wg.Tensor) => wg.matmul(x, b).square().sum())(a);
    const cpu = (a: Ref, b: Ref) => {
      const y = matmulRef(matmulRef(a, b), transposeRef(b));
      return { data: y.data.map((v) => 2 * v), shape: y.shape };
    };
    await gradcheck(gpu, cpu, [randomRef([3, 4], 72), randomRef([4, 5], 73)]);
    // Batched with broadcast, through the folded weight gradient.
    const gpuB = (a: wg.Tensor, b: wg.Tensor) => wg.grad((y: wg.Tensor) => wg.matmul(a, y).square().sum())(b);
    const cpuB = (a: Ref, b: Ref) => {
      const y = matmulRef(a, b);
      const at = transposeRef(a);
      const g = matmulRef(at, { data: y.data.map((v) => 2 * v), shape: y.shape });
      const out = new Float64Array(b.data.length);
      for (let i = 0; i < g.data.length; i++) out[i % out.length]! += g.data[i]!;
      return { data: out, shape: b.shape };
    };
    await gradcheck(gpuB, cpuB, [randomRef([2, 3, 4], 74), randomRef([4, 2], 75)]);
  });
});
