// Printing: wg.format / t.print() against strings written out by hand from PyTorch's printing rules
// (integer mode `1.`, 4 decimals, scientific switch, alignment, summarising past 1000 elements with 3
// edge items, wrapping at 80 characters), and JSON.stringify's error. util.inspect is in
// format.node.test.ts (Node only).
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as wg from '../src/index.ts';

const f = (t: wg.Tensor, opts?: wg.FormatOptions) => wg.format(t, opts);

afterEach(() => vi.restoreAllMocks());

describe('format', () => {
  it('small float tensors: whole values as `1.`, others with 4 decimals, right-aligned', async () => {
    expect(await f(wg.tensor([[1, 2], [3, 4]]))).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(await f(wg.tensor([[1.5, 2], [3, -4.25]]))).toBe('tensor([[ 1.5000,  2.0000],\n        [ 3.0000, -4.2500]])');
    expect(await f(wg.tensor([0.1, 10]))).toBe('tensor([ 0.1000, 10.0000])');
    expect(await f(wg.zeros([3]))).toBe('tensor([0., 0., 0.])');
    expect(await f(wg.tensor([NaN, Infinity, -1.5]))).toBe('tensor([    nan,     inf, -1.5000])');
  });

  it('scientific notation when the range is wide, the values large or tiny', async () => {
    expect(await f(wg.tensor([1e-5, 1]))).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(await f(wg.tensor([1, 2000]))).toBe('tensor([1.0000e+00, 2.0000e+03])');
    expect(await f(wg.tensor([2e9, -3e9]))).toBe('tensor([ 2.0000e+09, -3.0000e+09])');
  });

  it('3-D blocks are separated by a blank line; a transposed view prints in logical order', async () => {
    expect(await f(wg.tensor([[[1, 2]], [[3, 4]]]))).toBe('tensor([[[1., 2.]],\n\n        [[3., 4.]]])');
    expect(await f(wg.tensor([[1, 2], [3, 4]]).T)).toBe('tensor([[1., 3.],\n        [2., 4.]])');
  });

  it('int32 and bool, with their dtype', async () => {
    expect(await f(wg.tensor([1, -20, 300], { dtype: 'int32' }))).toBe('tensor([  1, -20, 300], dtype=int32)');
    expect(await f(wg.tensor([true, false]))).toBe('tensor([ true, false], dtype=bool)');
    expect(await f(wg.tensor([[true], [true]]))).toBe('tensor([[true],\n        [true]], dtype=bool)');
  });

  it('0-d and empty tensors', async () => {
    expect(await f(wg.tensor(3.5))).toBe('tensor(3.5000)');
    expect(await f(wg.full([], 7, { dtype: 'int32' }))).toBe('tensor(7, dtype=int32)');
    expect(await f(wg.full([], true))).toBe('tensor(true, dtype=bool)');
    expect(await f(wg.zeros([0]))).toBe('tensor([])');
    expect(await f(wg.zeros([0, 3]))).toBe('tensor([], shape=[0, 3])');
    expect(await f(wg.zeros([0], { dtype: 'int32' }))).toBe('tensor([], dtype=int32)');
  });

  it('requiresGrad is shown when set', async () => {
    expect(await f(wg.tensor([1, 2], { requiresGrad: true }))).toBe('tensor([1., 2.], requiresGrad=true)');
  });

  it('more than 1000 elements: 3 edge items per dimension, `...`, and the shape', async () => {
    expect(await f(wg.arange(2000))).toBe('tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=[2000], dtype=int32)');
    const m = wg.arange(1000, 2200, 1, { dtype: 'float32' }).reshape([40, 30]);
    expect(await f(m)).toBe(
      [
        'tensor([[1000., 1001., 1002.,  ..., 1027., 1028., 1029.],',
        '        [1030., 1031., 1032.,  ..., 1057., 1058., 1059.],',
        '        [1060., 1061., 1062.,  ..., 1087., 1088., 1089.],',
        '        ...,',
        '        [2110., 2111., 2112.,  ..., 2137., 2138., 2139.],',
        '        [2140., 2141., 2142.,  ..., 2167., 2168., 2169.],',
        '        [2170., 2171., 2172.,  ..., 2197., 2198., 2199.]], shape=[40, 30])',
      ].join('\n'),
    );
    // Exactly 1000 elements is not summarised; a dimension of 6 = 2 * 3 is never elided.
    const full = await f(wg.zeros([1000]));
    expect(full).not.toContain('...');
    expect(await f(wg.zeros([6, 200], { dtype: 'int32' }))).not.toMatch(/\n\s+\.\.\.,/);
  });

  it('wraps long rows at 80 characters, aligned under the first element', async () => {
    const t = wg.tensor(Array.from({ length: 20 }, (_, i) => i + 0.5));
    const items = Array.from({ length: 20 }, (_, i) => (i + 0.5).toFixed(4).padStart(7));
    const lines = [items.slice(0, 8), items.slice(8, 16), items.slice(16)].map((l) => l.join(', '));
    const s = await f(t);
    expect(s).toBe(`tensor([${lines.join(',\n        ')}])`);
    for (const line of s.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('options: precision, threshold, edgeItems, lineWidth; unknown ones throw with a suggestion', async () => {
    const t = wg.tensor([1.5, 2.25]);
    expect(await f(t, { precision: 2 })).toBe('tensor([1.50, 2.25])');
    expect(await f(wg.arange(10), { threshold: 5, edgeItems: 1 })).toBe('tensor([0,  ..., 9], shape=[10], dtype=int32)');
    await expect(f(t, { precison: 2 } as never)).rejects.toThrow(/format: unknown option 'precison'.*did you mean 'precision'\?/);
    await expect(f(t, { precision: -1 })).rejects.toThrow(/precision must be a whole number/);
    await expect(wg.format({} as never)).rejects.toThrow(/format: expected a Tensor/);
  });

  it('reads back once, and fails on a disposed tensor naming format', async () => {
    const t = wg.tensor([1, 2]);
    const r0 = wg.stats().readbacks;
    await f(t);
    expect(wg.stats().readbacks).toBe(r0 + 1);
    t.dispose();
    await expect(f(t)).rejects.toThrow(/^format: .*used after dispose/);
  });

  it('print() logs the formatted values', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await wg.tensor([[1, 2]], { dtype: 'int32' }).print();
    expect(log).toHaveBeenCalledWith('tensor([[1, 2]], dtype=int32)');
  });

  it('JSON.stringify of a tensor throws pointing to toArray()', () => {
    const t = wg.tensor([1, 2]);
    expect(() => JSON.stringify(t)).toThrow(/JSON\.stringify: a tensor \[2\] float32 cannot be converted to JSON.*await t\.toArray\(\)/);
    expect(() => JSON.stringify({ weights: t })).toThrow(wg.WebGradError);
  });

  it('formatValues is the same formatter on values already on the CPU', () => {
    expect(wg.formatValues([1, 2, 3, 4], [2, 2], 'int32')).toBe('tensor([[1, 2],\n        [3, 4]], dtype=int32)');
    expect(() => wg.formatValues([1, 2, 3], [2, 2], 'float32')).toThrow(/format: 3 values for shape \[2, 2\]/);
  });
});
