// The tensor layer: creation (values and dtypes), random streams (reproducibility and moments), and
// views (shared storage, copies only when the layout needs one).
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose } from './reference/index.ts';

const vals = async (t: wg.Tensor) => Array.from(await t.data());

describe('creation', () => {
  it('tensor() infers shape and dtype from nested arrays and typed arrays', async () => {
    const a = wg.tensor([[1, 2], [3, 4], [5, 6]]);
    expect([a.shape, a.dtype]).toEqual([[3, 2], 'float32']);
    expect(await a.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const b = wg.tensor([[true], [false]]);
    expect([b.shape, b.dtype]).toEqual([[2, 1], 'bool']);
    expect(await b.toArray()).toEqual([[true], [false]]);
    const i = wg.tensor(Int32Array.of(-1, 7));
    expect([i.shape, i.dtype]).toEqual([[2], 'int32']);
    const s = wg.tensor(3.5);
    expect([s.shape, await s.item()]).toEqual([[], 3.5]);
    const f = wg.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], dtype: 'int32' });
    expect(await f.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(wg.tensor([]).shape).toEqual([0]);
    expect(await wg.tensor(Float32Array.of(0.1)).item()).toBe(Math.fround(0.1));
  });

  it('zeros, ones, full, and their -Like forms', async () => {
    expect(await vals(wg.zeros([2, 2]))).toEqual([0, 0, 0, 0]);
    expect(await vals(wg.ones([3], { dtype: 'int32' }))).toEqual([1, 1, 1]);
    expect(wg.ones([3], { dtype: 'int32' }).dtype).toBe('int32');
    const f = wg.full([2], -2.5);
    expect([f.dtype, await vals(f)]).toEqual(['float32', [-2.5, -2.5]]);
    const b = wg.full([2], true);
    expect([b.dtype, await vals(b)]).toEqual(['bool', [1, 1]]);
    expect(await vals(wg.full([1], Infinity))).toEqual([Infinity]);
    expect(await vals(wg.full([1], NaN))).toEqual([NaN]);
    const t = wg.tensor(Int32Array.of(5, 6, 7));
    const z = wg.zerosLike(t);
    expect([z.shape, z.dtype, await vals(z)]).toEqual([[3], 'int32', [0, 0, 0]]);
    const o = wg.onesLike(t, { dtype: 'float32' });
    expect([o.dtype, await vals(o)]).toEqual(['float32', [1, 1, 1]]);
    expect(await vals(wg.fullLike(t, 9))).toEqual([9, 9, 9]);
    expect(wg.zeros([0, 3]).numel()).toBe(0);
    expect(await wg.zeros([]).item()).toBe(0);
  });

  it('arange: int32 for integer arguments, float32 otherwise, negative steps, empty ranges', async () => {
    const a = wg.arange(5);
    expect([a.dtype, await vals(a)]).toEqual(['int32', [0, 1, 2, 3, 4]]);
    expect(await vals(wg.arange(2, 11, 3))).toEqual([2, 5, 8]);
    expect(await vals(wg.arange(3, -1, -1))).toEqual([3, 2, 1, 0]);
    const f = wg.arange(0, 1, 0.25);
    expect([f.dtype, await vals(f)]).toEqual(['float32', [0, 0.25, 0.5, 0.75]]);
    expect(wg.arange(0, 2, 1, { dtype: 'float32' }).dtype).toBe('float32');
    expect(wg.arange(5, 5).shape).toEqual([0]);
    expect(wg.arange(5, 0).shape).toEqual([0]);
  });

  it('linspace includes both ends; eye is square or rectangular', async () => {
    assertClose(await wg.linspace(0, 1, 5).data(), [0, 0.25, 0.5, 0.75, 1]);
    assertClose(await wg.linspace(-3, 3, 7).data(), [-3, -2, -1, 0, 1, 2, 3], { atol: 1e-6 });
    expect(await vals(wg.linspace(2, 5, 1))).toEqual([2]);
    expect(wg.linspace(0, 1, 0).shape).toEqual([0]);
    expect(await wg.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(await wg.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(await wg.eye(3, 2).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    const ei = wg.eye(2, 2, { dtype: 'int32' });
    expect([ei.dtype, await vals(ei)]).toEqual(['int32', [1, 0, 0, 1]]);
  });

  it('requiresGrad is set at creation for float32', () => {
    expect(wg.zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(wg.tensor([1]).requiresGrad).toBe(false);
    expect(wg.randn([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe('random', () => {
  const N = 100_000;
  const moments = (v: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < v.length; i++) m += v[i]!;
    m /= v.length;
    let s = 0;
    for (let i = 0; i < v.length; i++) s += (v[i]! - m) ** 2;
    return { mean: m, variance: s / (v.length - 1) };
  };

  it('the same seed gives the same streams; the stream advances between calls', async () => {
    const draw = async () => Promise.all([wg.rand([50]), wg.randn([50]), wg.randint(0, 10, [50]), wg.bernoulli(0.3, [50])].map(vals));
    wg.manualSeed(1234);
    const first = await draw();
    wg.manualSeed(1234);
    expect(await draw()).toEqual(first);
    const again = await draw();
    expect(again[0]).not.toEqual(first[0]);
    wg.manualSeed(1235);
    expect((await draw())[1]).not.toEqual(first[1]);
    wg.manualSeed(7n);
    const big = await vals(wg.rand([3]));
    wg.manualSeed(7);
    expect(await vals(wg.rand([3]))).toEqual(big);
  });

  it('rand and uniform: right range and moments on 100k samples', async () => {
    wg.manualSeed(1);
    const u = await wg.rand([N]).data();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const m = moments(u);
    expect(m.mean).toBeCloseTo(0.5, 2);
    expect(m.variance).toBeCloseTo(1 / 12, 2);
    const v = await wg.uniform([N], -2, 6).data();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThan(6);
    expect(moments(v).mean).toBeCloseTo(2, 1);
    expect(moments(v).variance).toBeCloseTo(64 / 12, 0);
  });

  it('randn and normal: moments and tails on 100k samples', async () => {
    wg.manualSeed(2);
    const z = await wg.randn([N]).data();
    const m = moments(z);
    expect(Math.abs(m.mean)).toBeLessThan(0.015);
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.02);
    expect(z.every(Number.isFinite)).toBe(true);
    const beyond2 = z.filter((v) => Math.abs(v) > 2).length / N;
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.005);
    const n = moments(await wg.normal([N], 3, 0.5).data());
    expect(Math.abs(n.mean - 3)).toBeLessThan(0.01);
    expect(Math.abs(n.variance - 0.25)).toBeLessThan(0.01);
  });

  it('randint covers [low, high) uniformly, as int32', async () => {
    wg.manualSeed(3);
    const r = wg.randint(-3, 4, [N]);
    expect(r.dtype).toBe('int32');
    const v = await r.data();
    const counts = new Map<number, number>();
    for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c / N - 1 / 7)).toBeLessThan(0.01);
  });

  it('bernoulli with a number or a tensor of probabilities', async () => {
    wg.manualSeed(4);
    const b = await wg.bernoulli(0.3, [N]).data();
    expect(new Set(b)).toEqual(new Set([0, 1]));
    expect(Math.abs(moments(b).mean - 0.3)).toBeLessThan(0.01);
    const p = wg.tensor([0, 1, 0.5]).reshape([3, 1]).expand([3, N / 4]);
    const draws = await wg.bernoulli(p).data();
    const rowMean = (k: number) => moments(draws.subarray((k * N) / 4, ((k + 1) * N) / 4)).mean;
    expect([rowMean(0), rowMean(1)]).toEqual([0, 1]);
    expect(Math.abs(rowMean(2) - 0.5)).toBeLessThan(0.02);
    expect(await vals(wg.bernoulli(1, [3]))).toEqual([1, 1, 1]);
  });
});

describe('views share storage', () => {
  const live = () => wg.stats().liveBuffers;

  it('reshape, view, permute, transpose, expand, broadcastTo, slice, narrow, squeeze, unsqueeze, flatten', async () => {
    const t = wg.tensor([[[1, 2, 3], [4, 5, 6]]]);
    const n = live();
    const cases: [wg.Tensor, unknown][] = [
      [t.reshape([3, 2]), [[1, 2], [3, 4], [5, 6]]],
      [t.view([-1]), [1, 2, 3, 4, 5, 6]],
      [t.permute([2, 0, 1]), [[[1, 4]], [[2, 5]], [[3, 6]]]],
      [t.transpose(1, 2), [[[1, 4], [2, 5], [3, 6]]]],
      [t.expand([2, 2, 3]), [[[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]]]],
      [t.broadcastTo([1, 2, 3]), [[[1, 2, 3], [4, 5, 6]]]],
      [t.slice(2, 0, 3, 2), [[[1, 3], [4, 6]]]],
      [t.slice(1, -1), [[[4, 5, 6]]]],
      [t.narrow(2, 1, 2), [[[2, 3], [5, 6]]]],
      [t.squeeze(), [[1, 2, 3], [4, 5, 6]]],
      [t.squeeze(0).unsqueeze(-1).squeeze(2), [[1, 2, 3], [4, 5, 6]]],
      [t.unsqueeze(1), [[[[1, 2, 3], [4, 5, 6]]]]],
      [t.flatten(), [1, 2, 3, 4, 5, 6]],
      [t.flatten(1), [[1, 2, 3, 4, 5, 6]]],
      [t.T, [[[1, 4], [2, 5], [3, 6]]]],
      [wg.views.transpose(t, 0, 2), [[[1], [4]], [[2], [5]], [[3], [6]]]],
    ];
    expect(live()).toBe(n);
    for (const [v, want] of cases) {
      expect(v.storage).toBe(t.storage);
      expect(await v.toArray()).toEqual(want);
    }
    expect(live()).toBe(n);
  });

  it('contiguous() copies only when the layout needs it', async () => {
    const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    const n = live();
    const same = t.contiguous();
    expect(same.storage).toBe(t.storage);
    expect(t.slice(0, 1).contiguous().storage).toBe(t.storage);
    expect(live()).toBe(n);
    const tt = t.T.contiguous();
    expect(tt.storage).not.toBe(t.storage);
    expect(tt.isContiguous()).toBe(true);
    expect(live()).toBe(n + 1);
    expect(await tt.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const sl = t.slice(1, 0, 3, 2).contiguous();
    expect(sl.storage).not.toBe(t.storage);
    expect(await sl.toArray()).toEqual([[1, 3], [4, 6]]);
  });

  it('reshape copies when view() would refuse; view() on a non-viewable layout throws', async () => {
    const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    const tt = t.T;
    expect(() => tt.view([6])).toThrow(/^view: a tensor of shape \[3, 2\] with strides \[1, 3\] cannot be viewed as \[6\] without a copy/);
    const r = tt.reshape([6]);
    expect(r.storage).not.toBe(t.storage);
    expect(await vals(r)).toEqual([1, 4, 2, 5, 3, 6]);
    // Some non-contiguous layouts can still be viewed: splitting a transposed axis.
    const split = wg.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]).T.view([2, 2, 2]);
    expect(await split.toArray()).toEqual([[[1, 3], [5, 7]], [[2, 4], [6, 8]]]);
    const ex = wg.tensor([1, 2]).expand([3, 2]);
    expect(() => ex.view([6])).toThrow(/view: .*without a copy/);
    expect(await vals(ex.reshape([6]))).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('toArray and data read non-contiguous views in logical order', async () => {
    const t = wg.arange(24).reshape([2, 3, 4]);
    const v = t.permute([2, 0, 1]).slice(0, 1, 4, 2);
    expect(v.shape).toEqual([2, 2, 3]);
    expect(await vals(v)).toEqual([1, 5, 9, 13, 17, 21, 3, 7, 11, 15, 19, 23]);
  });
});
