// In-place ops (copy_, fill_, zero_, add_, mul_, clamp_): values, writes through views, the lazy-fusion
// hazard (a pending chain reading the old values), and refusals where autograd needs the tensor.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

const arr = async (t: wg.Tensor) => Array.from(await t.data());

describe('in-place ops', () => {
  it('write the values torch does and return the tensor itself', async () => {
    await wg.scope(async () => {
      const x = wg.tensor([1, -2, 3, -4]);
      expect(x.add_(1)).toBe(x);
      expect(await arr(x)).toEqual([2, -1, 4, -3]);
      x.add_(wg.tensor([1, 1, 1, 1]), 0.5);
      expect(await arr(x)).toEqual([2.5, -0.5, 4.5, -2.5]);
      x.mul_(2);
      expect(await arr(x)).toEqual([5, -1, 9, -5]);
      x.clamp_(-2, 6);
      expect(await arr(x)).toEqual([5, -1, 6, -2]);
      x.clamp_(null, 0);
      expect(await arr(x)).toEqual([0, -1, 0, -2]);
      x.fill_(7);
      expect(await arr(x)).toEqual([7, 7, 7, 7]);
      x.zero_();
      expect(await arr(x)).toEqual([0, 0, 0, 0]);
      x.copy_(wg.tensor([9, 8, 7, 6]));
      expect(await arr(x)).toEqual([9, 8, 7, 6]);
      // Broadcast sources and int32 destinations.
      const m = wg.zeros([2, 3]);
      m.copy_(wg.tensor([1, 2, 3]));
      expect(await m.toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
      m.add_(wg.tensor([[10], [20]]));
      expect(await m.toArray()).toEqual([[11, 12, 13], [21, 22, 23]]);
      const i = wg.zeros([3], { dtype: 'int32' });
      i.add_(2).mul_(3);
      expect(i.dtype).toBe('int32');
      expect(await arr(i)).toEqual([6, 6, 6]);
      i.copy_(wg.tensor([1.7, -2.2, 3]));
      expect(await arr(i)).toEqual([1, -2, 3]);
      expect(() => i.add_(0.5)).toThrow(/add_: the result is float32 but the tensor is int32/);
      expect(() => m.add_(wg.zeros([3, 3]))).toThrow(/add_: shapes \[2, 3\] and \[3, 3\] cannot/);
    });
  });

  it('write through views into the base storage (strided destinations)', async () => {
    await wg.scope(async () => {
      const base = wg.zeros([3, 4]);
      base.slice(1, 1, 3).fill_(5); // columns 1..2
      expect(await base.toArray()).toEqual([[0, 5, 5, 0], [0, 5, 5, 0], [0, 5, 5, 0]]);
      const t = base.transpose(0, 1); // [4, 3], non-contiguous
      t.narrow(0, 0, 1).add_(wg.tensor([1, 2, 3]));
      expect(await base.toArray()).toEqual([[1, 5, 5, 0], [2, 5, 5, 0], [3, 5, 5, 0]]);
      // A source aliasing the destination (x.copy_(x.T)) is copied out first.
      const sq = wg.tensor([[1, 2], [3, 4]]);
      sq.copy_(sq.transpose(0, 1));
      expect(await sq.toArray()).toEqual([[1, 3], [2, 4]]);
      expect(() => wg.zeros([3]).expand([2, 3]).fill_(1)).toThrow(/fill_: .*expanded view \(stride 0\)/);
    });
  });

  it('a pending fused chain reading the tensor sees the old values', async () => {
    await wg.scope(async () => {
      const x = wg.tensor([1, 2, 3]);
      const a = x.mul(2); // deferred: a fused chain reading x
      const b = a.add(x); // extends the chain, still unrealized
      x.add_(1);
      expect(await arr(a)).toEqual([2, 4, 6]);
      expect(await arr(b)).toEqual([3, 6, 9]);
      expect(await arr(x)).toEqual([2, 3, 4]);
      // Also when the write comes from copy_ and fill_, and through a view of the read tensor.
      const y = wg.tensor([5, 6]);
      const c = y.sub(1);
      y.copy_(wg.tensor([0, 0]));
      const d = y.add(1);
      y.reshape([2, 1]).fill_(9);
      expect(await arr(c)).toEqual([4, 5]);
      expect(await arr(d)).toEqual([1, 1]);
      // A destination that is itself an unrealized chain is computed, then overwritten.
      const lazy = wg.tensor([1, 2]).mul(3);
      lazy.add_(1);
      expect(await arr(lazy)).toEqual([4, 7]);
      // The in-place result itself, read lazily after, sees the new values.
      const e = y.mul(10);
      expect(await arr(e)).toEqual([90, 90]);
    });
  });

  it('are refused on tensors autograd needs', async () => {
    await wg.scope(async () => {
      const p = wg.ones([3], { requiresGrad: true });
      expect(() => p.add_(1)).toThrow(/add_: cannot write in place into the tensor \[3\].*requires grad.*wg\.noGrad/);
      const y = p.mul(2);
      expect(() => y.zero_()).toThrow(/zero_: cannot write in place into the tensor \[3\] \(made by mul\): it is the output of a recorded op/);
      // Custom initialisers: allowed under noGrad, as torch.no_grad().
      wg.noGrad(() => p.fill_(3));
      expect(await arr(p)).toEqual([3, 3, 3]);
      // A tensor saved by a recorded node, written in place afterwards: backward refuses.
      const c = wg.tensor([1, 2, 3]);
      const z = p.mul(c).sum();
      c.add_(1);
      expect(() => z.backward()).toThrow(/backward: a tensor that 'mul' saved for its backward pass was modified in place/);
      const z2 = p.mul(c).sum();
      z2.backward();
      expect(await arr(p.grad!)).toEqual([2, 3, 4]);
      expect(() => (wg.tensor([1]) as any).copy_(3)).toThrow(/copy_: expected a Tensor/);
    });
  });
});
