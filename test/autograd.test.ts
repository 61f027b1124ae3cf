import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose } from './reference/index.ts';

describe('autograd basics', () => {
  it('y = (a + 2b)(2b + c) at (1, 2, 3): 35 with gradients 7, 24, 5', async () => {
    const a = wg.tensor(1, { requiresGrad: true });
    const b = wg.tensor(2, { requiresGrad: true });
    const c = wg.tensor(3, { requiresGrad: true });
    const y = a.add(b.mul(2)).mul(b.mul(2).add(c));
    y.backward();
    expect(await y.item()).toBe(35);
    expect(await a.grad!.item()).toBe(7);
    expect(await b.grad!.item()).toBe(24);
    expect(await c.grad!.item()).toBe(5);
  });

  it('broadcast gradients are summed over broadcast axes', async () => {
    const x = wg.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const bias = wg.tensor([10, 20, 30], { requiresGrad: true });
    x.add(bias).mul(x).sum().backward();
    expect(await bias.grad!.toArray()).toEqual([5, 7, 9]);
    expect(await x.grad!.toArray()).toEqual([[12, 24, 36], [18, 30, 42]]);
  });

  it('functional grad composes to second order', async () => {
    const f = (x: wg.Tensor) => x.pow(3).sum();
    const d2 = wg.grad((x: wg.Tensor) => wg.grad(f)(x).sum());
    const x = wg.tensor([1, 2, -3]);
    expect(Array.from(await wg.grad(f)(x).data())).toEqual([3, 12, 27]);
    assertClose(await d2(x).data(), [6, 12, -18], { rtol: 1e-5 });
  });
});

import { gradcheck } from './reference/gradcheck.ts';
import { broadcastMap, randomRef } from './reference/index.ts';

describe('gradcheck harness', () => {
  it('checks a broadcast mul-tanh chain against float64 differences', async () => {
    await gradcheck(
      (a, b) => a.mul(b).tanh(),
      (a, b) => broadcastMap((x, y) => Math.tanh(x * y), a, b),
      [randomRef([3, 4], 1), randomRef([4], 2)],
    );
  });
});
