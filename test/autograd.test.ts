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

  it('accumulates across backward calls; backward(grad), retainGraph, detach, noGrad', async () => {
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.square();
    y.backward(wg.tensor([1, 1, 2]), { retainGraph: true });
    expect(await x.grad!.toArray()).toEqual([2, 4, 12]);
    // The retained graph runs again and the gradients add up, as in PyTorch.
    y.backward(wg.tensor([1, 0, 0]));
    expect(await x.grad!.toArray()).toEqual([4, 4, 12]);
    expect(() => y.backward(wg.onesLike(y))).toThrow(/backward: the graph through 'square' was already freed .*retainGraph: true/);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(wg.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it('valueAndGrad over a nested object of tensors returns gradients of the same shape', async () => {
    const f = (p: { w: wg.Tensor; rest: wg.Tensor[] }) => p.w.mul(p.rest[0]!).sum().add(p.rest[1]!.square().sum());
    const [v, g] = wg.valueAndGrad(f)({ w: wg.tensor([1, 2]), rest: [wg.tensor([3, 4]), wg.tensor([5])] });
    expect(await v.item()).toBe(1 * 3 + 2 * 4 + 25);
    expect(await g.w.toArray()).toEqual([3, 4]);
    expect(await g.rest[0]!.toArray()).toEqual([1, 2]);
    expect(await g.rest[1]!.toArray()).toEqual([10]);
  });

  it('backward frees the saved intermediates: afterwards only parameters, grads and the loss are live', async () => {
    await wg.scope(async () => {
      const x = wg.randn([16, 8]);
      const labels = wg.randint(0, 3, [16]);
      const model = new wg.nn.Sequential(new wg.nn.Linear(8, 32), new wg.nn.ReLU(), new wg.nn.Linear(32, 3));
      const params = model.parameters();
      await wg.sync();
      const live0 = wg.stats().liveBuffers;
      // tidy frees the intermediates the forward pass made; the graph still holds what backward needs.
      const loss = wg.tidy(() => wg.nn.F.crossEntropy(model(x).tanh().mul(2), labels));
      await wg.sync();
      expect(wg.stats().liveBuffers).toBeGreaterThan(live0 + 1 + params.length);
      loss.backward();
      await wg.sync();
      expect(wg.stats().liveBuffers).toBe(live0 + 1 + params.length);
      loss.dispose();
      model.zeroGrad();
      await wg.sync();
      expect(wg.stats().liveBuffers).toBe(live0);
      model.dispose();
    });
  });

  it('functional grad composes to second order', async () => {
    const f = (x: wg.Tensor) => x.pow(3).sum();
    const d2 = wg.grad((x: wg.Tensor) => wg.grad(f)(x).sum());
    const x = wg.tensor([1, 2, -3]);
    expect(Array.from(await wg.grad(f)(x).data())).toEqual([3, 12, 27]);
    assertClose(await d2(x).data(), [6, 12, -18], { rtol: 1e-5 });
  });

  it('second order through matmul and through ops that pass the gradient on unchanged (add)', async () => {
    // f(W) = sum((X W)^2) + sum(W): df/dW = 2 Xᵀ X W + 1, and d/dW of sum(df/dW) = 2 Σ_i (XᵀX)_ik per row k.
    const xs = [[1, 2, 0.5], [-1, 0.25, 3]];
    const X = wg.tensor(xs);
    const f = (w: wg.Tensor) => X.matmul(w).square().sum().add(w.sum());
    const d2 = wg.grad((w: wg.Tensor) => wg.grad(f)(w).sum());
    const xtx = [0, 1, 2].map((i) => [0, 1, 2].map((k) => xs[0]![i]! * xs[0]![k]! + xs[1]![i]! * xs[1]![k]!));
    const want = [0, 1, 2].flatMap((k) => [0, 1].map(() => 2 * xtx.reduce((s, row) => s + row[k]!, 0)));
    assertClose(await d2(wg.tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]])).data(), want, { rtol: 1e-5, atol: 1e-5 });
    // add passes its gradient through as is; under createGraph that gradient must stay in the graph.
    const g = wg.grad((x: wg.Tensor) => wg.grad((z: wg.Tensor) => z.square().add(z).square().sum())(x).sum());
    // d/dz = 2(z² + z)(2z + 1); its derivative is 2((2z + 1)² + 2(z² + z)).
    assertClose(await g(wg.tensor([0.5, -1])).data(), [11, 2], { rtol: 1e-5 });
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
