// Gradient accumulation must not leak, whatever the shape of the graph. Each pattern runs 50 SGD steps
// inside tidy and asserts that wg.stats().liveBuffers is the same after every step as after the first
// (the first allocates the parameters' .grad). A pass-through gradient (add, sub, expand) that is summed
// with another used to keep one buffer alive per step.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

const STEPS = 50;

/** Runs `step` STEPS times in tidy with SGD on `params`; returns liveBuffers after each step. */
async function liveOver(params: wg.Tensor[], step: () => wg.Tensor): Promise<number[]> {
  const opt = new wg.optim.SGD(params, { lr: 1e-3 });
  const live: number[] = [];
  const reads = wg.stats().readbacks;
  for (let i = 0; i < STEPS; i++) {
    wg.tidy(() => {
      opt.zeroGrad();
      step().backward();
      opt.step();
    });
    live.push(wg.stats().liveBuffers);
  }
  expect(wg.stats().readbacks).toBe(reads);
  await wg.sync();
  opt.dispose();
  return live;
}

const drop = (ts: wg.Tensor[]) => ts.forEach((t) => t.dispose());

function expectFlat(live: number[]): void {
  expect(live).toEqual(live.map(() => live[0]));
}

describe('gradient accumulation keeps liveBuffers flat over 50 steps', () => {
  it('fan-out: one tensor feeds two branches that both get gradients', async () => {
    const w = wg.randn([64, 8], { requiresGrad: true });
    const x = wg.randn([16, 64]);
    const live = await liveOver([w], () => {
      const h = x.matmul(w);
      return h.relu().sum().add(h.tanh().mul(h).sum());
    });
    expectFlat(live);
    drop([w, x]);
  });

  it('pass-through add: a residual block h + lin(h)', async () => {
    const lin = new wg.nn.Linear(64, 64);
    const x = wg.randn([16, 64]);
    const live = await liveOver(lin.parameters(), () => {
      const h = x.mul(lin.weight.sum());
      return h.add(lin.forward(h)).square().mean();
    });
    expectFlat(live);
    lin.dispose();
    x.dispose();
  });

  it('pass-through sub: centering x - x.mean(0)', async () => {
    const w = wg.randn([64, 8], { requiresGrad: true });
    const live = await liveOver([w], () => w.sub(w.mean(0)).square().sum());
    expectFlat(live);
    w.dispose();
  });

  it('a tensor used twice by one op: w + w and w * w', async () => {
    const w = wg.randn([64, 8], { requiresGrad: true });
    const live = await liveOver([w], () => w.add(w).sum().add(w.mul(w).sum()));
    expectFlat(live);
    w.dispose();
  });

  it('broadcast sum-to: a bias broadcast over a batch and used again', async () => {
    const b = wg.randn([8], { requiresGrad: true });
    const x = wg.randn([64, 8]);
    const live = await liveOver([b], () => x.add(b).add(b.expand([64, 8])).square().sum().add(b.sum()));
    expectFlat(live);
    drop([b, x]);
  });

  it('second order: the gradient of a gradient norm through pass-through ops', async () => {
    const w = wg.randn([64, 8], { requiresGrad: true });
    const x = wg.randn([64, 8]);
    const f = (v: wg.Tensor) => v.add(x).add(v.sub(v.mean(0))).square().sum();
    const live = await liveOver([w], () => wg.grad(f)(w).square().sum().add(f(w)));
    expectFlat(live);
    drop([w, x]);
  });
});
