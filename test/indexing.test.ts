// Indexing and shape assembly against the float64 references in test/reference/indexing.ts.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import { assertClose, randomInts, randomRef, type Ref } from './reference/index.ts';
import { place, expanded } from './reference/elementwise.ts';
import { castRef, concatRef, gatherRef, indexSelectRef, oneHotRef, padRef, scatterAddRef, stackRef, takeAlongDimRef, type PadModeRef } from './reference/indexing.ts';

const ints = (r: Ref) => wg.tensor(Int32Array.from(r.data), { shape: r.shape });
const idx = (v: number[]) => wg.tensor(Int32Array.from(v));
const exact = { rtol: 0, atol: 0 };
/** Zeros made by an upload, not a kernel, so error tests can assert that no dispatch happened. */
const z = (shape: number[], dtype: wg.DType = 'float32') => wg.tensor(new Float32Array(shape.reduce((p, q) => p * q, 1)), { shape, dtype });

/** Runs fn, expecting a WebGradError matching `re` and no GPU work. */
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

describe('gather', () => {
  it.each([
    { xs: [1], is: [1], dim: 0 },
    { xs: [7], is: [13], dim: 0 },
    { xs: [7, 13], is: [5, 13], dim: 0 },
    { xs: [7, 13], is: [7, 127], dim: 1 },
    { xs: [3, 5, 7], is: [2, 4, 3], dim: 1 },
    { xs: [3, 5, 7], is: [3, 5, 9], dim: -1 },
  ])('x $xs, index $is, dim $dim', async ({ xs, is, dim }) => {
    const x = randomRef(xs, 1);
    const d = dim < 0 ? dim + xs.length : dim;
    const i = randomInts(is, 2, 0, xs[d]!);
    const out = wg.gather(wg.tensor(Float32Array.from(x.data), { shape: xs }), dim, ints(i));
    expect(out.shape).toEqual(is);
    assertClose(await out.data(), gatherRef(x, d, i), exact);
  });

  it('keeps int32 and bool dtypes', async () => {
    const x = randomInts([4, 6], 3, -50, 50);
    const i = randomInts([4, 3], 4, 0, 6);
    const gi = wg.gather(place(x, 'contiguous', 'int32'), 1, ints(i));
    expect(gi.dtype).toBe('int32');
    assertClose(await gi.data(), gatherRef(x, 1, i), exact);
    const b = randomInts([4, 6], 5, 0, 2);
    const gb = wg.gather(place(b, 'contiguous', 'bool'), 1, ints(i));
    expect(gb.dtype).toBe('bool');
    assertClose(await gb.data(), gatherRef(b, 1, i), exact);
  });

  it('reads transposed, sliced and offset sources and sliced or expanded indices', async () => {
    const x = randomRef([6, 9], 6);
    const i = randomInts([6, 4], 7, 0, 9);
    for (const layout of ['transposed', 'sliced', 'offset'] as const) {
      const xt = place(x, layout);
      expect(xt.isContiguous() && xt.offset === 0).toBe(false);
      assertClose(await wg.gather(xt, 1, place(i, 'sliced', 'int32')).data(), gatherRef(x, 1, i), exact, layout);
    }
    const row = randomInts([1, 4], 8, 0, 9);
    const { t, ref } = expanded(row, [6, 4], 'int32');
    assertClose(await wg.gather(place(x), 1, t).data(), gatherRef(x, 1, ref), exact);
  });

  it('clamps out-of-range indices on the GPU instead of reading out of bounds', async () => {
    const x = wg.tensor([10, 20, 30]);
    expect(Array.from(await wg.gather(x, 0, idx([-5, 0, 2, 3, 1_000_000, -2_147_483_648])).data())).toEqual([10, 10, 30, 30, 30, 10]);
    expect(Array.from(await wg.indexSelect(x, 0, idx([7, -1])).data())).toEqual([30, 10]);
  });

  it('dispatches over more than 65,535 workgroups (int32, 2^24 + 256 outputs)', async () => {
    const rows = 65_537;
    const x = wg.reshape(wg.arange(rows * 256, undefined, 1, { dtype: 'int32' }), [rows, 256]);
    const rev = wg.arange(255, -1, -1);
    const out = wg.indexSelect(x, 1, rev);
    expect(wg.device().grid(Math.ceil(out.numel() / 256))[1]).toBeGreaterThan(1);
    const last = Array.from(await out.slice(0, rows - 1).data());
    expect(last[0]).toBe(rows * 256 - 1);
    expect(last[255]).toBe((rows - 1) * 256);
    expect(Array.from(await out.slice(0, 0, 1).slice(1, 0, 3).data())).toEqual([255, 254, 253]);
    for (const t of [x, rev, out]) t.dispose();
  });
});

describe('indexSelect, takeAlongDim, scatterAdd, oneHot', () => {
  it.each([0, 1, 2, -1])('indexSelect on [4, 7, 13] along %i, with repeats', async (dim) => {
    const x = randomRef([4, 7, 13], 9);
    const d = (dim + 3) % 3;
    const list = [0, x.shape[d]! - 1, 1, 1, 2, 0];
    const out = wg.indexSelect(place(x, 'transposed'), dim, idx(list));
    assertClose(await out.data(), indexSelectRef(x, d, list), exact);
  });

  it('indexSelect with a 0-d, an empty and a strided index', async () => {
    const x = randomRef([5, 3], 10);
    const s = wg.indexSelect(place(x), 0, wg.tensor(3, { dtype: 'int32' }));
    expect(s.shape).toEqual([1, 3]);
    assertClose(await s.data(), indexSelectRef(x, 0, [3]), exact);
    const e = wg.indexSelect(place(x), 1, wg.tensor(new Int32Array(0)));
    expect(e.shape).toEqual([5, 0]);
    const list = { data: Float64Array.from([4, 0, 2]), shape: [3] };
    assertClose(await wg.indexSelect(place(x), 0, place(list, 'sliced', 'int32')).data(), indexSelectRef(x, 0, [4, 0, 2]), exact);
  });

  it('takeAlongDim broadcasts x and indices off dim, and flattens without dim', async () => {
    const x = randomRef([4, 1, 5], 11);
    const i = randomInts([1, 3, 2], 12, 0, 5);
    const out = wg.takeAlongDim(place(x), ints(i), 2);
    expect(out.shape).toEqual([4, 3, 2]);
    assertClose(await out.data(), takeAlongDimRef(x, i, 2), exact);
    const flat = randomInts([6], 13, 0, 20);
    assertClose(await wg.takeAlongDim(place(x), ints(flat)).data(), takeAlongDimRef(x, flat), exact);
  });

  it('scatterAdd sums repeated targets; only the index-shaped part of src counts', async () => {
    const x = randomRef([5, 4], 14);
    const src = randomRef([3, 6], 15);
    const i = randomInts([3, 4], 16, 0, 5);
    const out = wg.scatterAdd(place(x), 0, ints(i), place(src, 'transposed'));
    assertClose(await out.data(), scatterAddRef(x, 0, i, src), { rtol: 1e-6, atol: 1e-6 });
    const j = randomInts([5, 2], 17, 0, 4);
    const src2 = randomRef([5, 2], 18);
    assertClose(await place(x).scatterAdd(1, ints(j), place(src2)).data(), scatterAddRef(x, 1, j, src2), { rtol: 1e-6, atol: 1e-6 });
  });

  it('oneHot: int32 by default, float32 on request, zero rows for out-of-range', async () => {
    const i = { data: Float64Array.from([0, 2, 1, 5, -1, 2]), shape: [2, 3] };
    const h = wg.oneHot(ints(i), 3);
    expect(h.dtype).toBe('int32');
    expect(h.shape).toEqual([2, 3, 3]);
    assertClose(await h.data(), oneHotRef(i, 3), exact);
    const f = ints(i).oneHot(4, { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    assertClose(await f.data(), oneHotRef(i, 4), exact);
    assertClose(await wg.oneHot(place(i, 'sliced', 'int32'), 3).data(), oneHotRef(i, 3), exact);
  });
});

describe('concat, stack, pad', () => {
  it.each([0, 1, -1])('concat of three [.., k, ..] tensors along %i, non-contiguous parts', async (dim) => {
    const shapes = dim === 0 ? [[2, 7], [5, 7], [1, 7]] : [[3, 4], [3, 13], [3, 1]];
    const refs = shapes.map((s, k) => randomRef(s, 20 + k));
    const parts = refs.map((r, k) => place(r, (['transposed', 'sliced', 'contiguous'] as const)[k]!));
    const out = wg.concat(parts, dim);
    assertClose(await out.data(), concatRef(refs, (dim + 2) % 2), exact);
  });

  it('concat promotes dtypes and skips empty parts', async () => {
    const a = wg.tensor([1, 2], { dtype: 'int32' });
    const b = wg.tensor([0.5]);
    const c = wg.tensor([true, false]);
    const e = wg.zeros([0]);
    const out = wg.cat([a, e, b, c]);
    expect(out.dtype).toBe('float32');
    expect(Array.from(await out.data())).toEqual([1, 2, 0.5, 1, 0]);
    const ib = wg.concat([c, a]);
    expect(ib.dtype).toBe('int32');
    expect(Array.from(await ib.data())).toEqual([1, 0, 1, 2]);
  });

  it.each([0, 1, 2, -1])('stack of three [3, 5] tensors at %i', async (dim) => {
    const refs = [0, 1, 2].map((k) => randomRef([3, 5], 30 + k));
    const out = wg.stack(refs.map((r, k) => place(r, k === 1 ? 'transposed' : 'contiguous')), dim);
    const d = (dim + 3) % 3;
    expect(out.shape).toEqual([...[3, 5].slice(0, d), 3, ...[3, 5].slice(d)]);
    assertClose(await out.data(), stackRef(refs, d), exact);
  });

  it.each([
    { shape: [7], widths: [2, 3], value: 0 },
    { shape: [4, 5], widths: [1, 0, 2, 1], value: -1.5 },
    { shape: [2, 3, 4], widths: [0, 2], value: 7 },
    { shape: [2, 3, 4], widths: [1, 1, 1, 1, 1, 1], value: 0 },
    { shape: [6, 7], widths: [-2, 1, 1, -3], value: 9 },
    { shape: [1], widths: [0, 0], value: 0 },
  ])('constant pad of $shape by $widths', async ({ shape, widths, value }) => {
    const x = randomRef(shape, 40);
    const out = wg.pad(place(x, shape.length > 1 ? 'transposed' : 'sliced'), widths, { value });
    assertClose(await out.data(), padRef(x, widths, 'constant', value), exact);
  });

  it.each(['reflect', 'replicate', 'circular'] as const)('%s pad', async (mode) => {
    const x = randomRef([2, 4, 5], 41);
    const widths = mode === 'replicate' ? [4, 1, 0, 6] : [3, 2, 1, 3];
    const out = place(x, 'transposed').pad(widths, { mode });
    assertClose(await out.data(), padRef(x, widths, mode as PadModeRef), exact);
  });

  it('pads int32 and bool, and pads with Inf and NaN', async () => {
    const i = wg.pad(wg.tensor([1, 2], { dtype: 'int32' }), [1, 1], { value: -3 });
    expect(i.dtype).toBe('int32');
    expect(Array.from(await i.data())).toEqual([-3, 1, 2, -3]);
    expect(Array.from(await wg.pad(wg.tensor([true]), [1, 0]).data())).toEqual([0, 1]);
    expect(Array.from(await wg.pad(wg.tensor([1]), [1, 1], { value: -Infinity }).data())).toEqual([-Infinity, 1, -Infinity]);
    expect(Array.from(await wg.pad(wg.tensor([1]), [0, 1], { value: NaN }).data())).toEqual([1, NaN]);
  });
});

describe('cast and clone', () => {
  it('float -> int truncates toward zero; -> bool is != 0 (NaN is true)', async () => {
    const x = { data: Float64Array.from([-1.7, -0.5, -0, 0, 0.5, 1.7, 3, NaN, -2.5e9]), shape: [9] };
    const t = place(x, 'sliced');
    const i = t.int();
    expect(i.dtype).toBe('int32');
    const got = await i.data();
    assertClose(got.slice(0, 7), castRef(x, 'int32').data.slice(0, 7), exact);
    // NaN's conversion is implementation-defined; out-of-range values saturate (WGSL's f32 -> i32).
    expect(got[8]).toBe(-2147483648);
    const b = t.bool();
    expect(b.dtype).toBe('bool');
    expect(Array.from(await b.data())).toEqual(Array.from(castRef(x, 'bool').data));
  });

  it('int and bool -> float, bool -> int; same dtype shares storage', async () => {
    const i = wg.tensor([-3, 0, 7], { dtype: 'int32' });
    expect(Array.from(await i.float().data())).toEqual([-3, 0, 7]);
    expect(Array.from(await i.bool().data())).toEqual([1, 0, 1]);
    const b = wg.tensor([true, false]);
    expect(Array.from(await b.int().data())).toEqual([1, 0]);
    expect(b.int().dtype).toBe('int32');
    expect(Array.from(await wg.cast(b, 'float32').data())).toEqual([1, 0]);
    const f = wg.tensor([1.5]);
    const same = f.float();
    expect(same.storage).toBe(f.storage);
  });

  it('clone copies into new contiguous storage', async () => {
    const x = randomRef([4, 6], 50);
    const t = place(x, 'transposed');
    const c = t.clone();
    expect(c.storage).not.toBe(t.storage);
    expect(c.isContiguous()).toBe(true);
    assertClose(await c.data(), x, exact);
    const i = wg.tensor([1, 2], { dtype: 'int32' }).clone();
    expect(i.dtype).toBe('int32');
  });
});

describe('indexing errors name the op and the arguments, before any GPU work', () => {
  const x = () => z([3, 4]);
  it.each([
    ['float index to indexSelect', () => wg.indexSelect(x(), 0, wg.tensor([0, 1])), /indexSelect: .*dtype float32.*int32/],
    ['2-D index to indexSelect', () => wg.indexSelect(x(), 0, z([2, 2], 'int32')), /indexSelect: .*1-D/],
    ['axis out of range', () => wg.indexSelect(x(), 2, idx([0])), /indexSelect: axis 2 is out of range/],
    ['gather rank mismatch', () => wg.gather(x(), 0, idx([0])), /gather: index \[1\] must have the rank of x \[3, 4\]/],
    ['gather index too large', () => wg.gather(x(), 0, z([2, 5], 'int32')), /gather: .*dimension 1/],
    ['gather bool index', () => wg.gather(x(), 0, z([2, 4], 'bool')), /gather: .*bool/],
    ['takeAlongDim broadcast failure', () => wg.takeAlongDim(x(), z([2, 2], 'int32'), 1), /takeAlongDim: .*broadcast/],
    ['scatterAdd int x', () => wg.scatterAdd(z([3], 'int32'), 0, idx([0]), z([1])), /scatterAdd: .*float32/],
    ['oneHot without classes', () => wg.oneHot(idx([0]), 0), /oneHot: numClasses must be a positive integer/],
    ['oneHot of floats', () => wg.oneHot(wg.tensor([0]), 2), /oneHot: .*int32/],
    ['concat mismatch', () => wg.concat([x(), z([3, 5])], 0), /concat: shapes \[3, 4\], \[3, 5\] do not match off dimension 0/],
    ['concat rank mismatch', () => wg.concat([x(), z([3])], 0), /concat: shapes/],
    ['concat of nothing', () => wg.concat([]), /concat: needs a non-empty array/],
    ['concat of a 0-d tensor', () => wg.concat([wg.tensor(1)]), /concat: cannot index a 0-dimensional/],
    ['stack mismatch', () => wg.stack([x(), z([4, 3])]), /stack: all tensors must have the same shape, got \[3, 4\], \[4, 3\]/],
    ['stack axis', () => wg.stack([x(), x()], 3), /stack: axis 3 is out of range/],
    ['pad odd widths', () => wg.pad(x(), [1]), /pad: widths \[1\] for shape \[3, 4\]: need an even number/],
    ['pad too many axes', () => wg.pad(x(), [1, 1, 1, 1, 1, 1]), /pad: .*pads 3 axes, but the tensor has 2/],
    ['pad crop too far', () => wg.pad(x(), [-3, -2]), /pad: .*dimension 1 of size 4 would have size -1/],
    ['pad fractional width', () => wg.pad(x(), [0.5, 1]), /pad: .*integers/],
    ['reflect too wide', () => wg.pad(x(), [4, 0], { mode: 'reflect' }), /pad: .*'reflect' needs widths smaller than the size \(4\)/],
    ['negative non-constant', () => wg.pad(x(), [-1, 0], { mode: 'replicate' }), /pad: .*negative widths/],
    ['unknown mode', () => wg.pad(x(), [1, 1], { mode: 'wrap' as 'reflect' }), /pad: unknown mode 'wrap'/],
    ['rank over 8', () => wg.indexSelect(z([1, 1, 1, 1, 1, 1, 1, 1, 2]), 0, idx([0])), /indexSelect: tensors of rank 9 are not supported/],
    ['unknown dtype', () => wg.cast(x(), 'float64' as wg.DType), /cast: unknown dtype 'float64'/],
  ])('%s', (_name, fn, re) => rejects(fn as () => unknown, re));

  it('an index used after dispose', () => {
    const i = idx([0]);
    i.dispose();
    rejects(() => wg.indexSelect(z([2]), 0, i), /indexSelect: .*used after dispose/);
  });
});

describe('indexing gradients', () => {
  const keepIdx = (v: number[]) => wg.keep(idx(v));

  it('gather (scatter-add backward), contiguous and transposed x', async () => {
    const i = wg.keep(ints(randomInts([4, 3], 60, 0, 5)));
    const iref = randomInts([4, 3], 60, 0, 5);
    const cpu = (x: Ref) => gatherRef(x, 1, iref);
    await gradcheck((x) => wg.gather(x, 1, i), cpu, [randomRef([4, 5], 61)]);
    await gradcheck((x) => wg.gather(x, 1, i), cpu, [randomRef([4, 5], 62)], { makeInput: (r) => place(r, 'transposed') });
    i.dispose();
  });

  it('indexSelect with repeated indices accumulates', async () => {
    const list = [2, 0, 2, 2, 4, 1];
    const i = keepIdx(list);
    await gradcheck((x) => wg.indexSelect(x, 0, i).tanh(), (x) => {
      const s = indexSelectRef(x, 0, list);
      return { data: s.data.map(Math.tanh), shape: s.shape };
    }, [randomRef([5, 3], 63)], { makeInput: (r) => place(r, 'sliced') });
    i.dispose();
  });

  it('takeAlongDim with a broadcast x sums the gradient down', async () => {
    const iref = randomInts([1, 3, 2], 64, 0, 5);
    const i = wg.keep(ints(iref));
    await gradcheck((x) => wg.takeAlongDim(x, i, 2), (x) => takeAlongDimRef(x, iref, 2), [randomRef([4, 1, 5], 65)]);
    i.dispose();
  });

  it('scatterAdd with respect to x and src', async () => {
    const iref = randomInts([3, 4], 66, 0, 5);
    const i = wg.keep(ints(iref));
    await gradcheck((x, s) => wg.scatterAdd(x, 0, i, s), (x, s) => scatterAddRef(x, 0, iref, s), [randomRef([5, 4], 67), randomRef([3, 5], 68)]);
    i.dispose();
  });

  it('concat and stack route slices of the gradient to each input', async () => {
    const rs = [randomRef([3, 2], 70), randomRef([3, 4], 71), randomRef([3, 1], 72)];
    await gradcheck((a, b, c) => wg.concat([a!, b!, c!], 1), (a, b, c) => concatRef([a!, b!, c!], 1), rs, {
      makeInput: (r, k) => place(r, k === 1 ? 'transposed' : 'contiguous'),
    });
    const ss = [randomRef([2, 3], 73), randomRef([2, 3], 74)];
    await gradcheck((a, b) => wg.stack([a!, b!], 1), (a, b) => stackRef([a!, b!], 1), ss);
  });

  it.each([
    { widths: [1, 2, 0, 1], mode: 'constant' as const },
    { widths: [-1, 2, 1, -2], mode: 'constant' as const },
    { widths: [2, 1, 1, 2], mode: 'reflect' as const },
    { widths: [3, 0, 0, 2], mode: 'replicate' as const },
    { widths: [2, 3, 1, 0], mode: 'circular' as const },
  ])('pad $mode $widths', async ({ widths, mode }) => {
    await gradcheck((x) => wg.pad(x, widths, { mode, value: 0.25 }), (x) => padRef(x, widths, mode, 0.25), [randomRef([4, 5], 75)], {
      makeInput: (r) => place(r, 'transposed'),
    });
  });

  it('cast float -> float and clone pass gradients through', async () => {
    await gradcheck((x) => x.float().mul(x.clone()), (x) => ({ data: x.data.map((v) => v * v), shape: x.shape }), [randomRef([3, 4], 76)]);
  });

  it('second order through gather and its scatter-add', async () => {
    const list = [1, 1, 0, 3];
    const i = keepIdx(list);
    const f = (x: wg.Tensor) => wg.indexSelect(x, 0, i).pow(3).sum();
    const d2 = wg.grad((x: wg.Tensor) => wg.grad(f)(x).sum());
    const xs = [0.5, -1.5, 2, 0.25];
    const counts = xs.map((_, j) => list.filter((k) => k === j).length);
    assertClose(await d2(wg.tensor(xs)).data(), xs.map((v, j) => 6 * counts[j]! * v), { rtol: 1e-5 });
    i.dispose();
  });
});
