// Real training on small data generated here from a seeded rng: every model must actually learn.
// Losses and accuracies stay on the GPU during training and are read once at the end.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { rng } from './reference/index.ts';

import { nn, optim } from '../src/index.ts';
type Opt = InstanceType<typeof optim.SGD> | InstanceType<typeof optim.Adam> | InstanceType<typeof optim.RMSProp>;

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** One training step in a scope of its own: everything but the parameters and optimizer state is freed. */
function step(model: nn.Module<[wg.Tensor], wg.Tensor>, opt: Opt, loss: (out: wg.Tensor) => wg.Tensor): void {
  wg.tidy(() => {
    opt.zeroGrad();
    loss(model(x0(model))).backward();
    opt.step();
  });
}

// The input of each model, set by fit(); a WeakMap keeps step() free of extra parameters.
const inputs = new WeakMap<object, wg.Tensor>();
const x0 = (m: object) => inputs.get(m)!;

function fit(model: nn.Module<[wg.Tensor], wg.Tensor>, opt: Opt, x: wg.Tensor, steps: number, loss: (out: wg.Tensor) => wg.Tensor): void {
  inputs.set(model, x);
  for (let i = 0; i < steps; i++) step(model, opt, loss);
}

/** Fraction of rows whose argmax is the label: computed on the GPU, one readback. */
async function accuracy(model: nn.Module<[wg.Tensor], wg.Tensor>, x: wg.Tensor, labels: wg.Tensor): Promise<number> {
  // tidy, not a nested wg.scope: browsers have no async context, so async scopes must not nest there.
  const t = wg.noGrad(() => wg.tidy(() => model(x).argmax(-1).eq(labels).float().mean()));
  const v = await t.item();
  t.dispose();
  return v;
}

function mlp(inputs: number, hidden: number, classes: number): nn.Sequential {
  return new nn.Sequential(new nn.Linear(inputs, hidden), new nn.Tanh(), new nn.Linear(hidden, classes));
}

/**
 * Two interleaved spirals, n points each, 1.25 turns, with labels 0 and 1. Coordinates are scaled by 2.5
 * to about unit variance, as inputs should be: at radius <= 1 tanh units need many steps to grow
 * weights large enough for the spiral's turns (RMSProp stalled near 93% after 600 steps).
 */
function spirals(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const r = rng(seed);
  const x = new Float32Array(4 * n);
  const y = new Int32Array(2 * n);
  for (let c = 0; c < 2; c++)
    for (let i = 0; i < n; i++) {
      const t = (i / n) * 1.25 * 2 * Math.PI;
      const rad = 0.15 + (0.85 * i) / n;
      const k = c * n + i;
      x[2 * k] = 2.5 * (rad * Math.cos(t + c * Math.PI) + 0.01 * gaussian(r));
      x[2 * k + 1] = 2.5 * (rad * Math.sin(t + c * Math.PI) + 0.01 * gaussian(r));
      y[k] = c;
    }
  return { x, y };
}

const OPTIMIZERS: [string, (ps: wg.Tensor[]) => Opt][] = [
  ['SGD + momentum', (ps) => new optim.SGD(ps, { lr: 0.2, momentum: 0.9 })],
  ['RMSProp', (ps) => new optim.RMSProp(ps, { lr: 0.01 })],
  ['Adam', (ps) => new optim.Adam(ps, { lr: 0.03 })],
];

describe('classic models learn', () => {
  it('linear regression recovers its true weights and bias', async () => {
    await wg.scope(async () => {
      wg.manualSeed(11);
      const r = rng(1);
      const trueW = [1.5, -2, 0.5];
      const trueB = 0.3;
      const n = 64;
      const xs = Float32Array.from({ length: n * 3 }, () => gaussian(r));
      const ys = Float32Array.from({ length: n }, (_, i) => trueW.reduce((s, w, j) => s + w * xs[i * 3 + j]!, trueB) + 0.001 * gaussian(r));
      const x = wg.tensor(xs, { shape: [n, 3] });
      const y = wg.tensor(ys, { shape: [n, 1] });
      const model = new nn.Linear(3, 1);
      const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
      fit(model, opt, x, 150, (out) => nn.F.mseLoss(out, y));
      const w = Array.from(await model.weight.data());
      trueW.forEach((v, j) => expect(w[j]).toBeCloseTo(v, 2));
      expect(await model.bias!.item()).toBeCloseTo(trueB, 2);
      expect(await nn.F.mseLoss(model(x), y).item()).toBeLessThan(1e-4);
      model.dispose();
      opt.dispose();
    });
  });

  it('logistic regression separates linearly separable data', async () => {
    await wg.scope(async () => {
      wg.manualSeed(12);
      const r = rng(2);
      const n = 100;
      const xs = new Float32Array(2 * n);
      const ys = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        // Labels by the side of the line x0 + 2 x1 = 0.5, with a margin of 0.2 kept clear.
        let a: number, b: number;
        do [a, b] = [2 * r() - 1, 2 * r() - 1];
        while (Math.abs(a + 2 * b - 0.5) / Math.sqrt(5) < 0.1);
        xs[2 * i] = a;
        xs[2 * i + 1] = b;
        ys[i] = a + 2 * b > 0.5 ? 1 : 0;
      }
      const x = wg.tensor(xs, { shape: [n, 2] });
      const y = wg.tensor(ys, { shape: [n, 1] });
      const model = new nn.Linear(2, 1);
      const opt = new optim.Adam(model.parameters(), { lr: 0.1 });
      const lossFn = new nn.BCEWithLogitsLoss();
      fit(model, opt, x, 200, (out) => lossFn(out, y));
      const acc = await wg.noGrad(() => model(x).gt(0).float().eq(y).float().mean()).item();
      expect(acc).toBe(1);
      model.dispose();
      opt.dispose();
    });
  });

  it('softmax regression on three Gaussian blobs reaches high accuracy', async () => {
    await wg.scope(async () => {
      wg.manualSeed(13);
      const r = rng(3);
      const centers = [[0, 2], [-2, -1], [2, -1]];
      const n = 60;
      const xs = new Float32Array(2 * 3 * n);
      const ys = new Int32Array(3 * n);
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < n; i++) {
          const k = c * n + i;
          xs[2 * k] = centers[c]![0]! + 0.6 * gaussian(r);
          xs[2 * k + 1] = centers[c]![1]! + 0.6 * gaussian(r);
          ys[k] = c;
        }
      const x = wg.tensor(xs, { shape: [3 * n, 2] });
      const y = wg.tensor(ys, { dtype: 'int32' });
      const model = new nn.Linear(2, 3);
      const opt = new optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.5 });
      fit(model, opt, x, 100, (out) => nn.F.crossEntropy(out, y));
      expect(await accuracy(model, x, y)).toBeGreaterThanOrEqual(0.97);
      model.dispose();
      opt.dispose();
    });
  });
});

describe('a 2-layer MLP learns XOR and two spirals with each optimizer', () => {
  for (const [name, make] of OPTIMIZERS)
    it(`${name}: XOR and two spirals to >= 99% train accuracy`, async () => {
      await wg.scope(async () => {
        wg.manualSeed(21);
        const xor = wg.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
        const xorY = wg.tensor([0, 1, 1, 0], { dtype: 'int32' });
        const m1 = mlp(2, 8, 2);
        const o1 = make(m1.parameters());
        fit(m1, o1, xor, 150, (out) => nn.F.crossEntropy(out, xorY));
        expect(await accuracy(m1, xor, xorY)).toBe(1);

        const data = spirals(50, 5);
        const x = wg.tensor(data.x, { shape: [100, 2] });
        const y = wg.tensor(data.y, { dtype: 'int32' });
        const m2 = mlp(2, 64, 2);
        const o2 = make(m2.parameters());
        fit(m2, o2, x, 500, (out) => nn.F.crossEntropy(out, y));
        expect(await accuracy(m2, x, y)).toBeGreaterThanOrEqual(0.99);
        [m1, m2, o1, o2].forEach((d) => d.dispose());
      });
    });
});

describe('a training loop stays on the GPU and does not leak', () => {
  it('200 steps: 0 readbacks inside the loop, the same live buffers at step 10 and 200', async () => {
    await wg.scope(async () => {
      wg.manualSeed(31);
      const data = spirals(32, 9);
      const x = wg.tensor(data.x, { shape: [64, 2] });
      const y = wg.tensor(data.y, { dtype: 'int32' });
      const model = mlp(2, 16, 2);
      const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
      // The losses of step 1 and step 200 are kept and read after the loop; step 1 is before the window
      // measured for leaks, step 200 is kept after its measurement.
      let first: wg.Tensor | null = null;
      let last: wg.Tensor | null = null;
      let live10 = -1;
      let live200 = -1;
      const before = wg.stats();
      for (let i = 1; i <= 200; i++) {
        const loss = wg.tidy(() => {
          opt.zeroGrad();
          const l = nn.F.crossEntropy(model(x), y);
          l.backward();
          opt.step();
          return l.detach();
        });
        if (i === 10) live10 = wg.stats().liveBuffers;
        if (i === 200) live200 = wg.stats().liveBuffers;
        if (i === 1) first = wg.keep(loss);
        else if (i === 200) last = wg.keep(loss);
        else loss.dispose();
      }
      const after = wg.stats();
      expect(after.readbacks - before.readbacks).toBe(0);
      expect(live10).toBeGreaterThan(0);
      expect(live200).toBe(live10);
      const [l1, l200] = [await first!.item(), await last!.item()];
      expect(Number.isFinite(l1) && Number.isFinite(l200)).toBe(true);
      expect(l200).toBeLessThan(0.5 * l1);
      expect(await accuracy(model, x, y)).toBeGreaterThan(0.8);
      first!.dispose();
      last!.dispose();
      model.dispose();
      opt.dispose();
    });
  });
});
