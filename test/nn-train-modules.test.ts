// Every layer module trains: the modules that the CNN, recurrent and 200-step BatchNorm tests do not
// train (Conv1d, ConvTranspose2d, AvgPool2d, the adaptive pools, BatchNorm1d, LayerNorm, GroupNorm,
// Dropout2d, Embedding, Unflatten) sit in two small models that must learn synthetic tasks made here.
// Each step reads nothing back; the loss is read once per 20 steps.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { nn, optim } from '../src/index.ts';
import { rng } from './reference/index.ts';

type M = nn.Module<[wg.Tensor], wg.Tensor>;

async function train(model: M, x: wg.Tensor, y: wg.Tensor, steps: number, lr: number): Promise<{ first: number; last: number; acc: number }> {
  const opt = new optim.Adam(model.parameters(), { lr });
  const losses: number[] = [];
  model.train();
  for (let s = 0; s < steps; s++) {
    const before = wg.stats().readbacks;
    const l = wg.tidy(() => {
      opt.zeroGrad();
      const loss = nn.F.crossEntropy(model(x), y);
      loss.backward();
      opt.step();
      return loss.detach();
    });
    expect(wg.stats().readbacks).toBe(before);
    if (s === 0 || s === steps - 1) losses.push(await l.item());
    l.dispose();
  }
  model.eval();
  const accT = wg.noGrad(() => wg.tidy(() => model(x).argmax(-1).eq(y).float().mean()));
  const acc = await accT.item();
  accT.dispose();
  opt.dispose();
  return { first: losses[0]!, last: losses[1]!, acc };
}

describe('the remaining layer modules train', () => {
  it('Embedding, Conv1d, GroupNorm, LayerNorm and BatchNorm1d learn whether a sequence holds token 3', async () => {
    wg.manualSeed(5);
    const r = rng(7);
    const N = 64, L = 9, V = 6;
    const tokens = new Int32Array(N * L);
    const labels = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      const has = n % 2;
      for (let t = 0; t < L; t++) {
        let v = Math.floor(r() * V);
        if (v === 3) v = 4;
        tokens[n * L + t] = v;
      }
      if (has) tokens[n * L + Math.floor(r() * L)] = 3;
      labels[n] = has;
    }
    const emb = new nn.Embedding(V, 8);
    const conv = new nn.Conv1d(8, 8, 3, { padding: 1 });
    const gn = new nn.GroupNorm(2, 8);
    const ln = new nn.LayerNorm(8);
    const bn = new nn.BatchNorm1d(8);
    const head = new nn.Linear(8, 2);
    class SeqNet extends nn.Module {
      e = emb; c = conv; g = gn; l = ln; b = bn; h = head;
      forward(idx: wg.Tensor): wg.Tensor {
        const z = this.e(idx).permute(0, 2, 1); // [N, 8, L]
        const f = this.g(this.c(z)).relu().max(2); // [N, 8]: max over time
        return this.h(this.b(this.l(f)));
      }
    }
    const model = new SeqNet();
    const x = wg.tensor(tokens, { shape: [N, L], dtype: 'int32' });
    const y = wg.tensor(labels, { dtype: 'int32' });
    const { first, last, acc } = await train(model as unknown as M, x, y, 80, 0.03);
    expect(last).toBeLessThan(0.5 * first);
    expect(acc).toBeGreaterThanOrEqual(0.95);
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it('Conv2d, Dropout2d, AvgPool2d, ConvTranspose2d, the adaptive pools and Unflatten learn which half holds a bright spot', async () => {
    wg.manualSeed(6);
    const r = rng(8);
    const N = 64, S = 8;
    const img = new Float32Array(N * S * S);
    const labels = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      const right = n % 2;
      for (let i = 0; i < S * S; i++) img[n * S * S + i] = 0.2 * (r() - 0.5);
      const row = Math.floor(r() * S);
      const col = right * (S / 2) + Math.floor(r() * (S / 2));
      img[n * S * S + row * S + col] += 2;
      labels[n] = right;
    }
    const model = new nn.Sequential(
      new nn.Unflatten(1, [1, S, S]),
      new nn.Conv2d(1, 4, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.Dropout2d(0.1),
      new nn.AvgPool2d(2), // [N, 4, 4, 4]
      new nn.ConvTranspose2d(4, 4, 2, { stride: 2 }), // [N, 4, 8, 8]
      new nn.ReLU(),
      new nn.AdaptiveMaxPool2d([2, 2]), // [N, 4, 2, 2]
      new nn.AdaptiveAvgPool2d([1, 2]), // [N, 4, 1, 2]
      new nn.Flatten(),
      new nn.Linear(8, 2),
    );
    const x = wg.tensor(img, { shape: [N, S * S] });
    const y = wg.tensor(labels, { dtype: 'int32' });
    const { first, last, acc } = await train(model, x, y, 80, 0.03);
    expect(last).toBeLessThan(0.5 * first);
    expect(acc).toBeGreaterThanOrEqual(0.95);
    model.dispose();
    x.dispose();
    y.dispose();
  });
});
