import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { copy } from '../src/kernels/index.ts';
import { assertClose, broadcastMap, randomRef } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';

const up = (r: { data: Float64Array; shape: number[] }) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });

function dispatchesOf(fn: () => wg.Tensor): Promise<{ n: number; out: Float32Array }> {
  return wg.scope(async () => {
    await wg.sync();
    const before = wg.stats().dispatches;
    const t = fn();
    const out = (await t.data()) as Float32Array;
    // data() of a contiguous result adds no dispatch, so the difference is the op's own kernels.
    return { n: wg.stats().dispatches - before, out };
  });
}

describe('elementwise fusion', () => {
  afterEach(() => wg.setFusion(true));
  const x = randomRef([33, 65], 1);
  const y = randomRef([33, 65], 2);
  const z = randomRef([65], 3);
  const want = broadcastMap((a, b, c) => Math.max(a * b + c, 0), x, y, z);

  it('relu(x*y + z) runs as one kernel, and as three without fusion', async () => {
    const [X, Y, Z] = [up(x), up(y), up(z)];
    await wg.sync();
    const fused = await dispatchesOf(() => X.mul(Y).add(Z).relu());
    wg.setFusion(false);
    const plain = await dispatchesOf(() => X.mul(Y).add(Z).relu());
    expect(fused.n).toBe(1);
    expect(plain.n).toBe(3);
    assertClose(fused.out, want, { rtol: 1e-6, atol: 1e-7 });
    assertClose(plain.out, want, { rtol: 1e-6, atol: 1e-7 });
  });

  it('a shared subexpression and scalars fuse correctly', async () => {
    const X = up(x);
    const t = X.mul(0.5).add(1);
    const out = await t.mul(t).sub(t.mul(3)).data();
    assertClose(out, broadcastMap((a) => (a * 0.5 + 1) ** 2 - 3 * (a * 0.5 + 1), x), { rtol: 1e-5, atol: 1e-6 });
  });

  it('gradients through fused chains match float64 differences', async () => {
    await gradcheck(
      (a, b, c) => a.mul(b).add(c).tanh().mul(a).sigmoid(),
      (a, b, c) => broadcastMap((p, q, r) => 1 / (1 + Math.exp(-Math.tanh(p * q + r) * p)), a, b, c),
      [randomRef([4, 5], 11), randomRef([4, 5], 12), randomRef([5], 13)],
    );
  });

  it('two chains reading one pending chain through broadcast views both see it computed', async () => {
    // Regression: realizing the shared chain once ran its other reader before it had been written.
    const x = wg.tensor([1, 2]);
    const g = x.mul(2).reshape([2, 1]).expand([2, 3]);
    const first = g.mul(wg.tensor([1, 1, 1]));
    const second = g.add(wg.tensor([0, 0, 0]));
    expect(Array.from(await second.data())).toEqual([2, 2, 2, 4, 4, 4]);
    expect(Array.from(await first.data())).toEqual([2, 2, 2, 4, 4, 4]);
  });

  it('a reshaped pending chain is read through its own shape', async () => {
    const flat = wg.tensor([1, 2, 3, 4, 5, 6]).mul(3);
    const out = await flat.reshape([2, 3]).add(wg.tensor([[0, 0, 0], [1, 1, 1]])).data();
    expect(Array.from(out)).toEqual([3, 6, 9, 13, 16, 19]);
  });

  it('a pending chain is computed before a later kernel overwrites its input in place', async () => {
    const p = wg.tensor([1, 2, 3, 4]);
    const doubled = p.mul(2);
    expect(p.dev.stats.dispatches).toBeGreaterThan(0);
    copy(p.dev, wg.tensor([10, 20, 30, 40]), p);
    expect(Array.from(await doubled.data())).toEqual([2, 4, 6, 8]);
    expect(Array.from(await p.data())).toEqual([10, 20, 30, 40]);
  });

  it('an unread chain is dropped when disposed, dispatching nothing', async () => {
    const X = up(x);
    await wg.sync();
    const before = wg.stats().dispatches;
    wg.tidy(() => void X.exp().add(1).log());
    await wg.sync();
    expect(wg.stats().dispatches).toBe(before);
  });
});
