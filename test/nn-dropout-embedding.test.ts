// Dropout, Dropout2d and Embedding, and a CNN + BatchNorm + Dropout training loop that stays on the GPU.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { nn, optim } from '../src/index.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import * as R from './reference/norm.ts';

const T = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const arr = async (t: wg.Tensor) => Array.from(await t.data());

describe('dropout', () => {
  it('keeps x / (1 - p) or 0; the mean over many masks is the input (within 4 standard errors)', async () => {
    await wg.scope(async () => {
      wg.manualSeed(5);
      const x = randomRef([4096], 1, 0.5, 2);
      for (const p of [0.1, 0.5, 0.8]) {
        const masks = 64;
        const sum = new Float64Array(x.data.length);
        for (let k = 0; k < masks; k++) {
          const y = await arr(wg.dropout(T(x), p));
          y.forEach((v, i) => {
            const kept = Math.abs(v - x.data[i]! / (1 - p)) <= 1e-5 * Math.abs(v);
            if (!kept && v !== 0) throw new Error(`element ${i} is ${v}, neither 0 nor x / (1 - p)`);
            sum[i] += v;
          });
        }
        // Per element, the mean of `masks` draws has std x * sqrt(p / (1 - p) / masks); over all elements
        // the average relative error has std sqrt(p / (1 - p) / (masks * n)).
        let rel = 0;
        let zeros = 0;
        for (let i = 0; i < sum.length; i++) rel += sum[i]! / masks / x.data[i]! - 1;
        rel /= sum.length;
        const se = Math.sqrt(p / (1 - p) / (masks * sum.length));
        expect(Math.abs(rel)).toBeLessThan(4 * se);
        const y = await arr(wg.dropout(T(x), p));
        for (const v of y) if (v === 0) zeros++;
        expect(Math.abs(zeros / y.length - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / y.length));
      }
    });
  });

  it('p = 0 is the identity, p = 1 gives zeros, eval is the identity, p outside [0, 1] is an error', async () => {
    await wg.scope(async () => {
      const x = randomRef([3, 5], 2);
      expect(await arr(wg.dropout(T(x), 0))).toEqual(Array.from(Float32Array.from(x.data)));
      expect(await arr(wg.dropout(T(x), 1))).toEqual(new Array(15).fill(0));
      const xt = T(x);
      expect(wg.dropout(xt, 0.5, false)).toBe(xt);
      const d = new nn.Dropout(0.3);
      d.eval();
      expect(d(xt)).toBe(xt);
      expect(String(d)).toBe('Dropout(p=0.3)');
      expect(() => new nn.Dropout(1.5)).toThrow(/Dropout: dropout probability has to be between 0 and 1, but got 1.5/);
      expect(() => wg.dropout(xt, -0.1)).toThrow(/dropout: dropout probability has to be between 0 and 1/);
      expect(() => new nn.Dropout2d(NaN)).toThrow(/Dropout2d/);
    });
  });

  it('is reproducible under manualSeed, and its gradient is the same mask scaled', async () => {
    await wg.scope(async () => {
      const x = randomRef([6, 7], 3, 0.5, 1.5);
      wg.manualSeed(11);
      const a = await arr(wg.dropout(T(x), 0.4));
      wg.manualSeed(11);
      const xin = T(x).requiresGrad_();
      const y = wg.dropout(xin, 0.4);
      expect(await arr(y)).toEqual(a);
      y.mul(wg.full([6, 7], 3)).sum().backward();
      const g = await arr(xin.grad!);
      a.forEach((v, i) => expect(g[i]).toBeCloseTo(v === 0 ? 0 : 3 / 0.6, 5));
      // The next draw differs (the generator advanced).
      expect(await arr(wg.dropout(T(x), 0.4))).not.toEqual(a);
    });
  });

  it('Dropout2d drops whole channels', async () => {
    await wg.scope(async () => {
      wg.manualSeed(3);
      const m = new nn.Dropout2d(0.5);
      const x = randomRef([4, 7, 3, 5], 4, 0.5, 1.5);
      const y = await arr(m(T(x)));
      let dropped = 0;
      for (let nc = 0; nc < 28; nc++) {
        const plane = y.slice(nc * 15, nc * 15 + 15);
        const zero = plane.every((v) => v === 0);
        if (zero) dropped++;
        else plane.forEach((v, s) => expect(v).toBeCloseTo(x.data[nc * 15 + s]! * 2, 5));
      }
      expect(dropped).toBeGreaterThan(3);
      expect(dropped).toBeLessThan(25);
      expect(() => m(wg.zeros([3, 5]))).toThrow(/dropout2d: expected a 4-D input \[N, C, H, W\]/);
      m.eval();
      const xt = T(x);
      expect(m(xt)).toBe(xt);
    });
  });
});

describe('Embedding', () => {
  it('looks up rows (forward = gather), initialised N(0, 1); the gradient scatter-adds', async () => {
    const weight = randomRef([7, 5], 8);
    const idx = [3, 0, 6, 3, 1];
    await gradcheck((wt) => nn.F.embedding(idx, wt!), (wt) => R.embeddingRef(idx, wt!), [weight]);
    await wg.scope(async () => {
      wg.manualSeed(7);
      const big = new nn.Embedding(1000, 16);
      const w = await arr(big.weight);
      const mean = w.reduce((s, v) => s + v, 0) / w.length;
      const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
      expect(Math.abs(mean)).toBeLessThan(0.03);
      expect(Math.abs(std - 1)).toBeLessThan(0.03);
      big.dispose();
      const m = new nn.Embedding(7, 5);
      m.weight.requiresGrad_(false);
      m.loadStateDict({ weight: T(weight) });
      const y = m(wg.tensor(Int32Array.from([3, 0, 6, 3, 1, 2]), { shape: [2, 3] }));
      expect(y.shape).toEqual([2, 3, 5]);
      assertClose(await y.data(), R.embeddingRef([3, 0, 6, 3, 1, 2], weight), { rtol: 0, atol: 0 });
      m.dispose();
    });
  });

  it('paddingIdx: that row starts at zero and gets no gradient', async () => {
    await wg.scope(async () => {
      const m = new nn.Embedding(6, 4, { paddingIdx: 2 });
      const w = await m.weight.toArray() as number[][];
      expect(w[2]).toEqual([0, 0, 0, 0]);
      expect(w[1]!.some((v) => v !== 0)).toBe(true);
      const y = m([[2, 1], [2, 5]]);
      expect(await y.toArray()).toEqual([[w[2], w[1]], [w[2], w[5]]]);
      y.mul(wg.full([2, 2, 4], 2)).sum().backward();
      const g = (await m.weight.grad!.toArray()) as number[][];
      expect(g[2]).toEqual([0, 0, 0, 0]);
      expect(g[1]).toEqual([2, 2, 2, 2]);
      expect(g[5]).toEqual([2, 2, 2, 2]);
      expect(g[0]).toEqual([0, 0, 0, 0]);
      expect(new nn.Embedding(6, 4, { paddingIdx: -1 }).paddingIdx).toBe(5);
      m.dispose();
    });
  });

  it('bad input: a clear error before GPU work', () => {
    const m = new nn.Embedding(6, 4);
    const live = wg.stats().liveBuffers;
    expect(() => m([1, 6])).toThrow(/Embedding|embedding: index 6 at flat position 1 is out of range for an embedding of 6 rows/);
    expect(() => m([[0, -1]])).toThrow(/index -1 at flat position 1 is out of range/);
    expect(() => m([0.5])).toThrow(/index 0.5/);
    expect(wg.stats().liveBuffers).toBe(live);
    expect(() => new nn.Embedding(6, 4, { maxNorm: 1 })).toThrow(/maxNorm is not supported/);
    expect(() => new nn.Embedding(6, 4, { paddingIdx: 6 })).toThrow(/paddingIdx must be an integer within \[-6, 5\]/);
    expect(() => new nn.Embedding(6, 4, { padIdx: 1 } as any)).toThrow(/paddingIdx/);
    expect(() => m(wg.zeros([2]))).toThrow(/indices must be int32/);
    m.dispose();
  });
});

class Net extends nn.Module {
  w1 = nn.parameter(wg.normal([4, 1, 3, 3], 0, 0.5));
  bn = new nn.BatchNorm2d(4);
  drop = new nn.Dropout(0.2);
  fc = new nn.Linear(4 * 3 * 3, 3);
  forward(x: wg.Tensor): wg.Tensor {
    const h = wg.maxPool2d(wg.relu(this.bn(wg.conv2d(x, this.w1))), 2);
    return this.fc(this.drop(h.flatten(1)));
  }
}

describe('a CNN + BatchNorm + Dropout training loop', () => {
  it('200 steps: 0 readbacks per step, live buffers flat, the loss falls', async () => {
    await wg.scope(async () => {
      wg.manualSeed(21);
      const x = wg.randn([12, 1, 8, 8]);
      const y = wg.tensor(Int32Array.from({ length: 12 }, (_, i) => i % 3));
      // The label is readable from the input: class k gets a bright row k.
      const marks = wg.tensor(Float32Array.from({ length: 12 * 64 }, (_, i) => (Math.floor((i % 64) / 8) === (Math.floor(i / 64) % 3) * 2 ? 2 : 0)), { shape: [12, 1, 8, 8] });
      const xs = wg.keep(x.add(marks));
      const model = new Net();
      const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      let first: wg.Tensor | null = null;
      let last: wg.Tensor | null = null;
      let live10 = -1;
      let live200 = -1;
      let reads = -1;
      for (let i = 1; i <= 200; i++) {
        const before = wg.stats().readbacks;
        const loss = wg.tidy(() => {
          opt.zeroGrad();
          const l = nn.F.crossEntropy(model(xs), y);
          l.backward();
          opt.step();
          return l.detach();
        });
        reads = Math.max(reads, wg.stats().readbacks - before);
        if (i === 10) live10 = wg.stats().liveBuffers;
        if (i === 200) live200 = wg.stats().liveBuffers;
        if (i === 1) first = wg.keep(loss);
        else if (i === 200) last = wg.keep(loss);
        else loss.dispose();
      }
      expect(reads).toBe(0);
      expect(live10).toBeGreaterThan(0);
      expect(live200).toBe(live10);
      expect(await model.bn.num_batches_tracked!.item()).toBe(200);
      const [l1, l200] = [await first!.item(), await last!.item()];
      expect(l200).toBeLessThan(0.5 * l1);
      model.eval();
      const e1 = await arr(wg.noGrad(() => model(xs)));
      const e2 = await arr(wg.noGrad(() => model(xs)));
      expect(e2).toEqual(e1);
      model.dispose();
      opt.dispose();
    });
  });
});
