// Tensor introspection under PyTorch's names: size() / size(d), numel(), dim(), select, max/min with
// indices, randperm under manualSeed.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

function throwsClean(f: () => unknown, msg: RegExp): void {
  const before = wg.stats().liveBuffers;
  expect(f).toThrow(msg);
  expect(wg.stats().liveBuffers).toBe(before);
}

describe('introspection under PyTorch names', () => {
  it('size(), size(d), numel(), dim(), select', async () => {
    const x = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.size()).toEqual([2, 3]);
    expect(x.size(0)).toBe(2);
    expect(x.size(-1)).toBe(3);
    expect(x.numel()).toBe(6);
    expect(wg.zeros(0, 3).numel()).toBe(0);
    expect(wg.tensor(5).numel()).toBe(1);
    expect(x.dim()).toBe(2);
    expect(wg.tensor(5).dim()).toBe(0);
    const s = x.size();
    s[0] = 99; // a copy, as torch.Size is immutable
    expect(x.shape).toEqual([2, 3]);
    expect(await x.select(0, 1).toArray()).toEqual([4, 5, 6]);
    expect(await x.select(1, -1).toArray()).toEqual([3, 6]);
    expect(x.select(1, 0).shape).toEqual([2]);
  });

  it('select is differentiable', async () => {
    const x = wg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.select(1, 1).mul(wg.tensor([10, 20])).sum().backward();
    expect(await x.grad!.toArray()).toEqual([[0, 10], [0, 20]]);
  });

  it('max and min with {indices: true} give values and indices, as torch.max(x, dim)', async () => {
    const x = wg.tensor([[1, 5, 2], [7, 0, 7], [-1, -3, -2]]);
    const m = x.max(1, { indices: true });
    expect(Array.from(await m.values.data())).toEqual([5, 7, -1]);
    expect(Array.from(await m.indices.data())).toEqual([1, 0, 0]);
    expect(m.indices.dtype).toBe('int32');
    const k = wg.min(x, 0, { keepdim: true, indices: true });
    expect(k.values.shape).toEqual([1, 3]);
    expect(await k.values.toArray()).toEqual([[-1, -3, -2]]);
    expect(await k.indices.toArray()).toEqual([[2, 2, 2]]);
    // The other forms keep returning values only.
    expect(await x.max(1, { keepdim: true }).toArray()).toEqual([[5], [7], [-1]]);
    expect(await x.max(0, true).toArray()).toEqual([[7, 5, 7]]);
    expect(await x.max().item()).toBe(7);
  });

  it('randperm(n) is a permutation, reproducible under manualSeed', async () => {
    wg.manualSeed(42);
    const a = Array.from(await wg.randperm(100).data());
    const b = Array.from(await wg.randperm(100).data());
    wg.manualSeed(42);
    const a2 = Array.from(await wg.randperm(100).data());
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
    expect([...a].sort((p, q) => p - q)).toEqual([...Array(100).keys()]);
    expect(wg.randperm(5).dtype).toBe('int32');
    expect(wg.randperm(5, { dtype: 'float32' }).dtype).toBe('float32');
    expect(wg.randperm(0).shape).toEqual([0]);
    throwsClean(() => wg.randperm(-1), /^randperm: n must be a non-negative integer, got -1/);
    throwsClean(() => wg.randperm(2.5), /^randperm: n must be a non-negative integer/);
  });
});

describe('t() and rsub()', () => {
  it('t() transposes a matrix, returns 0-D and 1-D as they are, and rejects 3-D with the fix', async () => {
    const m = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(m.t().shape).toEqual([3, 2]);
    expect(Array.from(await m.t().data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(await wg.t(wg.tensor([1, 2])).data())).toEqual([1, 2]);
    expect(wg.tensor(3).t().shape).toEqual([]);
    expect(() => wg.zeros([2, 2, 2]).t()).toThrow(/t: expects a tensor of at most 2 dimensions, got 3.*transpose/);
  });
  it('rsub reverses the operands, as a function and a method, with gradients', async () => {
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.rsub(1);
    expect(Array.from(await y.data())).toEqual([0, -1, -2]);
    y.sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([-1, -1, -1]);
    expect(Array.from(await wg.rsub(x, 10).data())).toEqual([9, 8, 7]);
  });
});
