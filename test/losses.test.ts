import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose, randomInts, randomRef, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import * as R from './reference/losses.ts';

import { nn } from '../src/index.ts';
const F = nn.F;

const T = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const I = (v: readonly number[], shape: readonly number[]) => wg.tensor(Int32Array.from(v), { shape, dtype: 'int32' });
const ints = (shape: number[], seed: number, hi: number) => Array.from(randomInts(shape, seed, 0, hi).data);
const probs = (shape: number[], seed: number): Ref => R.softmaxRef(randomRef(shape, seed, -2, 2));

/** The same values as a non-contiguous view: every other element of a buffer twice as long. */
function strided(r: Ref): wg.Tensor {
  const last = r.shape[r.shape.length - 1] ?? 1;
  const buf = new Float32Array(r.data.length * 2);
  r.data.forEach((v, i) => (buf[2 * i] = v));
  return wg.tensor(buf, { shape: [...r.shape.slice(0, -1), 2 * last] }).slice(-1, 0, undefined, 2);
}

/** A transposed view holding r's values (2-D). */
function transposed(r: Ref): wg.Tensor {
  const [a, b] = r.shape as [number, number];
  const buf = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) buf[j * a + i] = r.data[i * b + j]!;
  return wg.tensor(buf, { shape: [b, a] }).transpose(0, 1);
}

async function close(t: wg.Tensor, want: Ref, tol = {}, label = ''): Promise<void> {
  expect(t.shape).toEqual(want.shape);
  assertClose(await t.data(), want, { rtol: 2e-4, atol: 2e-5, ...tol }, label);
}

describe('worked examples (lecture)', () => {
  const scores = [1.2, 5, 1.6];
  it('multiclass hinge loss on [1.2, 5, 1.6], class 0, margin 2 is 8.2 = 5.8 + 2.4', async () => {
    await wg.scope(async () => {
      const s = wg.tensor(scores);
      const hinge = F.multiMarginLoss(s, 0, { margin: 2, divideByClasses: false });
      expect(await hinge.item()).toBeCloseTo(8.2, 5);
      const perClass = F.multiMarginLoss(wg.tensor([scores]), I([0], [1]), { margin: 2, divideByClasses: false, reduction: 'sum' });
      expect(await perClass.item()).toBeCloseTo(8.2, 5);
      // PyTorch's MultiMarginLoss divides by the number of classes.
      expect(await F.multiMarginLoss(s, 0, { margin: 2 }).item()).toBeCloseTo(8.2 / 3, 5);
      expect(await new nn.MultiMarginLoss({ margin: 2, divideByClasses: false })(s, 0).item()).toBeCloseTo(8.2, 5);
    });
  });

  it('cross-entropy on the same scores is 3.854 (-ln 0.0213), softmax [0.021, 0.947, 0.032]', async () => {
    await wg.scope(async () => {
      const s = wg.tensor(scores);
      const ce = await F.crossEntropy(s, 0).item();
      // -ln p0 with p0 = e^1.2 / (e^1.2 + e^5 + e^1.6) = 0.0212 (the lecture rounds it to 0.0213).
      expect(ce.toFixed(3)).toBe('3.854');
      expect(Math.exp(-ce).toFixed(3)).toBe('0.021');
      const p = Array.from(await wg.softmax(s).data(), (v) => v.toFixed(3));
      expect(p).toEqual(['0.021', '0.947', '0.032']);
      expect(await new nn.Softmax()(s).toArray()).toEqual(Array.from(await F.softmax(s, -1).data()));
      expect(await new nn.CrossEntropyLoss()(wg.tensor([scores]), [0]).item()).toBeCloseTo(ce, 5);
    });
  });

  it('y = (a + 2b)(2b + c) at (1, 2, 3) is 35 with gradients 7, 24, 5, as a module with a loss', async () => {
    await wg.scope(async () => {
      class Graph extends nn.Module<[wg.Tensor], wg.Tensor> {
        a = nn.parameter(wg.tensor(1));
        b = nn.parameter(wg.tensor(2));
        c = nn.parameter(wg.tensor(3));
        forward(two: wg.Tensor): wg.Tensor {
          const b2 = this.b.mul(two);
          return this.a.add(b2).mul(b2.add(this.c));
        }
      }
      const g = new Graph();
      const y = g(wg.tensor(2));
      // An L1 loss against 0 has gradient sign(y) = 1, so the parameter gradients are y's.
      F.l1Loss(y, wg.zeros([])).backward();
      expect(await y.item()).toBe(35);
      const grads = await Promise.all(g.parameters().map((p) => p.grad!.item()));
      expect(grads).toEqual([7, 24, 5]);
      expect(g.namedParameters().map(([k]) => k)).toEqual(['a', 'b', 'c']);
      g.dispose();
    });
  });
});

describe('regression losses against float64', () => {
  const cases: [string, number[]][] = [['1', [1]], ['7x13', [7, 13]], ['127', [127]], ['3x5x2', [3, 5, 2]]];
  for (const [label, shape] of cases)
    it(`mse / l1 / huber / smoothL1 on ${label}, every reduction`, async () => {
      await wg.scope(async () => {
        const x = randomRef(shape, 1, -3, 3);
        const y = randomRef(shape, 2, -3, 3);
        for (const red of ['mean', 'sum', 'none'] as const) {
          await close(F.mseLoss(T(x), T(y), { reduction: red }), R.mseRef(x, y, red), {}, `mse ${red}`);
          await close(F.l1Loss(T(x), T(y), { reduction: red }), R.l1Ref(x, y, red), {}, `l1 ${red}`);
          await close(F.huberLoss(T(x), T(y), { reduction: red, delta: 0.7 }), R.huberRef(x, y, 0.7, red), {}, `huber ${red}`);
          await close(F.smoothL1Loss(T(x), T(y), { reduction: red, beta: 0.5 }), R.smoothL1Ref(x, y, 0.5, red), {}, `smoothL1 ${red}`);
        }
        await close(F.smoothL1Loss(T(x), T(y), { beta: 0 }), R.l1Ref(x, y), {}, 'smoothL1 beta 0 is l1');
      });
    });

  it('non-contiguous inputs (strided, transposed) and modules match the functional forms', async () => {
    await wg.scope(async () => {
      const x = randomRef([13, 7], 3, -2, 2);
      const y = randomRef([13, 7], 4, -2, 2);
      await close(F.mseLoss(transposed(x), strided(y)), R.mseRef(x, y));
      await close(new nn.MSELoss({ reduction: 'sum' })(strided(x), transposed(y)), R.mseRef(x, y, 'sum'));
      await close(new nn.L1Loss()(transposed(x), T(y)), R.l1Ref(x, y));
      await close(new nn.HuberLoss({ delta: 2 })(T(x), strided(y)), R.huberRef(x, y, 2));
      await close(new nn.SmoothL1Loss({ beta: 0.3 })(T(x), T(y)), R.smoothL1Ref(x, y, 0.3));
    });
  });

  it('pairwiseDistance: p = 2 (default, eps as torch), 1, 3, Infinity; broadcasting; 1-D', async () => {
    await wg.scope(async () => {
      const a = randomRef([7, 13], 5);
      const b = randomRef([1, 13], 6);
      await close(F.pairwiseDistance(T(a), T(b)), R.pairwiseDistanceRef(a, b));
      for (const p of [1, 3, Infinity]) await close(F.pairwiseDistance(T(a), T(b), { p }), R.pairwiseDistanceRef(a, b, p), {}, `p=${p}`);
      const v = randomRef([5], 7);
      const w = randomRef([5], 8);
      await close(F.pairwiseDistance(T(v), T(w)), R.pairwiseDistanceRef(v, w));
      expect(F.pairwiseDistance(T(a), T(b), { keepdim: true }).shape).toEqual([7, 1]);
      // Identical inputs: the eps keeps the distance (and its gradient) finite.
      const z = F.pairwiseDistance(T(a), T(a));
      assertClose(await z.data(), new Array(7).fill(Math.sqrt(13) * 1e-6), { rtol: 1e-3, atol: 1e-9 });
    });
  });
});

describe('binary cross-entropy', () => {
  it('binaryCrossEntropy on probabilities, weights broadcast, every reduction', async () => {
    await wg.scope(async () => {
      const p = randomRef([13, 7], 9, 0.01, 0.99);
      const y = randomRef([13, 7], 10, 0, 1);
      const w = randomRef([7], 11, 0, 2);
      for (const red of ['mean', 'sum', 'none'] as const) await close(F.binaryCrossEntropy(T(p), T(y), { reduction: red }), R.bceRef(p, y, undefined, red), {}, red);
      await close(new nn.BCELoss({ weight: T(w) })(T(p), T(y)), R.bceRef(p, y, w));
    });
  });

  it('binaryCrossEntropy clamps log at -100 like torch: p = 0 or 1 gives finite loss and gradient', async () => {
    await wg.scope(async () => {
      const p = wg.tensor([0, 1, 0, 1, 0.5], { requiresGrad: true });
      const y = wg.tensor([1, 0, 0, 1, 1]);
      const loss = F.binaryCrossEntropy(p, y, { reduction: 'none' });
      assertClose(await loss.data(), [100, 100, 0, 0, Math.LN2], { rtol: 1e-5 });
      loss.sum().backward();
      const g = await p.grad!.data();
      expect(Array.from(g).every(Number.isFinite)).toBe(true);
      expect(g[4]).toBeCloseTo(-2, 4);
    });
  });

  it('binaryCrossEntropyWithLogits is stable at logits of +-100, with posWeight and weight', async () => {
    await wg.scope(async () => {
      const x = wg.tensor([100, -100, 100, -100, 0], { requiresGrad: true });
      const y = wg.tensor([0, 1, 1, 0, 1]);
      const loss = F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' });
      assertClose(await loss.data(), [100, 100, 0, 0, Math.LN2], { rtol: 1e-6, atol: 1e-6 });
      loss.sum().backward();
      assertClose(await x.grad!.data(), [1, -1, 0, 0, -0.5], { atol: 1e-6 });
      const xr = randomRef([7, 13], 12, -4, 4);
      const yr = randomRef([7, 13], 13, 0, 1);
      const pw = randomRef([13], 14, 0.5, 3);
      const w = randomRef([7, 1], 15, 0, 2);
      for (const red of ['mean', 'sum', 'none'] as const)
        await close(F.binaryCrossEntropyWithLogits(T(xr), T(yr), { reduction: red }), R.bceLogitsRef(xr, yr, undefined, undefined, red), {}, red);
      await close(new nn.BCEWithLogitsLoss({ posWeight: T(pw), weight: T(w) })(strided(xr), T(yr)), R.bceLogitsRef(xr, yr, w, pw));
    });
  });
});

describe('cross-entropy, nll and hinge against float64', () => {
  it('crossEntropy with int32 targets on [1, 1], [7, 13], [127, 3] and [N, C, d1, d2]', async () => {
    await wg.scope(async () => {
      for (const [shape, seed] of [[[1, 1], 1], [[7, 13], 2], [[127, 3], 3], [[2, 5, 3, 2], 4]] as [number[], number][]) {
        const x = randomRef(shape, seed, -3, 3);
        const tshape = shape.filter((_, d) => d !== 1);
        const y = ints(tshape, seed + 50, shape[1]!);
        for (const red of ['mean', 'sum', 'none'] as const)
          await close(F.crossEntropy(T(x), I(y, tshape), { reduction: red }), R.crossEntropyRef(x, y, { reduction: red }), {}, `${shape} ${red}`);
      }
    });
  });

  it('crossEntropy: ignoreIndex (mean over the rest), labelSmoothing, class weights, JS-array targets', async () => {
    await wg.scope(async () => {
      const x = randomRef([13, 7], 20, -3, 3);
      const y = ints([13], 21, 7);
      y[2] = -100;
      y[5] = 3;
      y[9] = -100;
      const w = Array.from(randomRef([7], 22, 0.2, 2).data);
      const W = wg.tensor(w);
      for (const red of ['mean', 'sum', 'none'] as const) {
        await close(F.crossEntropy(T(x), I(y, [13]), { reduction: red }), R.crossEntropyRef(x, y, { reduction: red }), {}, `ignore ${red}`);
        await close(F.crossEntropy(T(x), y, { reduction: red, labelSmoothing: 0.1 }), R.crossEntropyRef(x, y, { reduction: red, labelSmoothing: 0.1 }), {}, `smooth ${red}`);
        await close(F.crossEntropy(transposed(x), I(y, [13]), { reduction: red, weight: W, labelSmoothing: 0.2 }), R.crossEntropyRef(x, y, { reduction: red, weight: w, labelSmoothing: 0.2 }), {}, `weighted ${red}`);
      }
      const y3 = y.map((v) => (v === -100 ? 3 : v));
      y3[0] = 6;
      await close(F.crossEntropy(T(x), I(y3.map((v) => (v === 6 ? 1 : v)), [13]), { ignoreIndex: 1 }), R.crossEntropyRef(x, y3.map((v) => (v === 6 ? 1 : v)), { ignoreIndex: 1 }));
    });
  });

  it('crossEntropy with probability targets (float32 of the input shape), smoothing and weights', async () => {
    await wg.scope(async () => {
      const x = randomRef([7, 13], 30, -3, 3);
      const p = probs([7, 13], 31);
      const w = Array.from(randomRef([13], 32, 0.2, 2).data);
      for (const red of ['mean', 'sum', 'none'] as const) await close(F.crossEntropy(T(x), T(p), { reduction: red }), R.crossEntropyProbRef(x, p, { reduction: red }), {}, red);
      await close(F.crossEntropy(T(x), strided(p), { labelSmoothing: 0.1, weight: wg.tensor(w) }), R.crossEntropyProbRef(x, p, { labelSmoothing: 0.1, weight: w }));
      // One-hot probabilities give the same loss as the indices.
      const y = ints([7], 33, 13);
      const oneHot = wg.oneHot(I(y, [7]), 13, { dtype: 'float32' });
      assertClose(await F.crossEntropy(T(x), oneHot).data(), await F.crossEntropy(T(x), I(y, [7])).data(), { rtol: 1e-5 });
    });
  });

  it('nllLoss on log-probabilities with weights and ignoreIndex; NLLLoss module', async () => {
    await wg.scope(async () => {
      const x = randomRef([127, 3], 40, -3, 3);
      const logp = R.logSoftmaxRef(x);
      const y = ints([127], 41, 3);
      y[7] = -1;
      const w = [0.5, 2, 1.5];
      for (const red of ['mean', 'sum', 'none'] as const)
        await close(F.nllLoss(T(logp), I(y, [127]), { reduction: red, weight: wg.tensor(w), ignoreIndex: -1 }), R.nllRef(logp, y, { reduction: red, weight: w, ignoreIndex: -1 }), {}, red);
      await close(new nn.NLLLoss({ ignoreIndex: -1 })(wg.logSoftmax(T(x), 1), I(y, [127])), R.nllRef(logp, y, { ignoreIndex: -1 }));
    });
  });

  it('multiMarginLoss: p = 1 and 2, margins, weights, with and without dividing by C', async () => {
    await wg.scope(async () => {
      const x = randomRef([13, 7], 50, -2, 2);
      const y = ints([13], 51, 7);
      const w = Array.from(randomRef([7], 52, 0.2, 2).data);
      for (const red of ['mean', 'sum', 'none'] as const)
        for (const p of [1, 2] as const)
          await close(F.multiMarginLoss(T(x), I(y, [13]), { reduction: red, p, margin: 0.7 }), R.multiMarginRef(x, y, { reduction: red, p, margin: 0.7 }), {}, `${red} p=${p}`);
      await close(F.multiMarginLoss(transposed(x), y, { weight: wg.tensor(w), divideByClasses: false }), R.multiMarginRef(x, y, { weight: w, divideByClasses: false }));
    });
  });

  it('out-of-range class indices in a GPU tensor give NaN (no readback to validate); JS arrays are checked first', async () => {
    await wg.scope(async () => {
      const x = wg.tensor(Float32Array.from(randomRef([4, 3], 60).data), { shape: [4, 3] });
      const none = await F.crossEntropy(x, I([0, 3, -1, 2], [4]), { reduction: 'none' }).data();
      expect(Number.isNaN(none[1]!)).toBe(true);
      expect(Number.isNaN(none[2]!)).toBe(true);
      expect(Number.isFinite(none[0]!) && Number.isFinite(none[3]!)).toBe(true);
      expect(Number.isNaN(await F.crossEntropy(x, I([0, 3, 1, 2], [4])).item())).toBe(true);
      expect(Number.isNaN(await F.multiMarginLoss(x, I([0, 1, 7, 2], [4])).item())).toBe(true);
      expect(Number.isNaN(await F.nllLoss(x, I([0, 1, 2, 9], [4])).item())).toBe(true);
      const before = wg.stats().dispatches;
      expect(() => F.crossEntropy(x, [0, 3, 1, 2])).toThrow(/crossEntropy: target 1 is 3, not a class index in \[0, 2\]/);
      expect(() => F.nllLoss(x, Int32Array.of(0, 1, 2, -5))).toThrow(/nllLoss: target 3 is -5/);
      expect(() => F.multiMarginLoss(x, [0, 1.5, 1, 2])).toThrow(/multiMarginLoss: target 1 is 1.5/);
      expect(wg.stats().dispatches).toBe(before);
    });
  });

  it('bad inputs throw WebGradErrors naming the op and shapes before any GPU work', async () => {
    await wg.scope(async () => {
      const x = wg.zeros([4, 3]);
      const [z41, z4, z3, z42] = [wg.zeros([4, 1]), wg.zeros([4]), wg.zeros([3]), wg.zeros([4, 2])];
      const [i2, i4, o4, o2] = [I([0, 1], [2]), I([0, 1, 2, 0], [4]), wg.ones([4]), wg.ones([2])];
      const before = wg.stats().dispatches;
      expect(() => F.mseLoss(x, z41)).toThrow(/mseLoss: input \[4, 3\] and target \[4, 1\] have different shapes.*Fix/);
      expect(() => F.l1Loss(z4, z41)).toThrow(wg.WebGradError);
      expect(() => F.binaryCrossEntropyWithLogits(x, z3)).toThrow(/binaryCrossEntropyWithLogits: input \[4, 3\] and target \[3\]/);
      expect(() => F.crossEntropy(x, i2)).toThrow(/crossEntropy: target \[2\] does not match input \[4, 3\].*\[4\]/);
      expect(() => F.crossEntropy(x, z42)).toThrow(/probability targets \[4, 2\] must have the input's shape \[4, 3\]/);
      expect(() => F.nllLoss(x, z4)).toThrow(/nllLoss: class-index targets must be int32/);
      expect(() => F.crossEntropy(x, i4, { weight: o4 })).toThrow(/weight has shape \[4\], but there are 3 classes/);
      expect(() => F.mseLoss(x, x, { reduction: 'avg' as 'mean' })).toThrow(/unknown reduction 'avg'/);
      expect(() => F.huberLoss(x, x, { delta: 0 })).toThrow(/delta must be a positive number/);
      expect(() => F.klDiv(x, z3)).toThrow(/klDiv: input \[4, 3\] and target \[3\]/);
      expect(() => F.multiMarginLoss(x, [0, 1, 2, 0], { p: 3 as 1 })).toThrow(/p must be 1 or 2/);
      expect(() => F.binaryCrossEntropy(x, x, { weight: o2 })).toThrow(/weight of shape \[2\] does not broadcast/);
      expect(wg.stats().dispatches).toBe(before);
    });
  });
});

describe('KL divergence, entropy and mutual information', () => {
  it('klDiv (log-input form): every reduction incl. batchmean, and logTarget', async () => {
    await wg.scope(async () => {
      const logq = R.logSoftmaxRef(randomRef([7, 5], 70, -2, 2));
      const p = probs([7, 5], 71);
      p.data[3] = 0; // 0 log 0 = 0
      for (const red of ['mean', 'batchmean', 'sum', 'none'] as const) await close(F.klDiv(T(logq), T(p), { reduction: red }), R.klDivRef(logq, p, { reduction: red }), {}, red);
      const logp = { data: p.data.map((v) => Math.log(v + 0.01)), shape: p.shape };
      await close(new nn.KLDivLoss({ reduction: 'batchmean', logTarget: true })(T(logq), T(logp)), R.klDivRef(logq, logp, { reduction: 'batchmean', logTarget: true }));
    });
  });

  it('klDivergence(p, q) = sum p log(p/q), entropy and mutual information (nats and bits)', async () => {
    await wg.scope(async () => {
      const p = probs([3, 13], 80);
      const q = probs([3, 13], 81);
      await close(F.klDivergence(T(p), T(q)), R.klDivergenceRef(p, q));
      await close(F.entropy(T(p)), R.entropyRef(p));
      await close(F.entropy(T(p), { base: 2 }), R.entropyRef(p, 2));
      expect(await F.entropy(wg.tensor([0.5, 0.5]), { base: 2 }).item()).toBeCloseTo(1, 6);
      expect(await F.entropy(wg.tensor([1, 0, 0])).item()).toBeCloseTo(0, 7);
      expect(await F.klDivergence(wg.tensor([0.5, 0.5]), wg.tensor([0.5, 0.5])).item()).toBeCloseTo(0, 7);
      expect(await F.klDivergence(wg.tensor([1, 0]), wg.tensor([0.5, 0.5]), { base: 2 }).item()).toBeCloseTo(1, 6);
      const joint = randomRef([4, 6], 82, 0, 3);
      await close(F.mutualInformation(T(joint)), R.mutualInformationRef(joint));
      // Perfectly dependent bits share 1 bit; independent variables share none.
      expect(await F.mutualInformation(wg.tensor([[0.5, 0], [0, 0.5]]), { base: 2 }).item()).toBeCloseTo(1, 6);
      expect(await F.mutualInformation(wg.tensor([[0.06, 0.14], [0.24, 0.56]])).item()).toBeCloseTo(0, 6);
    });
  });

  it('l1Penalty and l2Penalty sum over a parameter list, differentiably', async () => {
    await wg.scope(async () => {
      const a = wg.tensor([[1, -2], [3, -4]], { requiresGrad: true });
      const b = wg.tensor([0.5, -0.5], { requiresGrad: true });
      expect(await F.l1Penalty([a, b]).item()).toBe(11);
      const l2 = F.l2Penalty([a, b]);
      expect(await l2.item()).toBe(30.5);
      l2.backward();
      expect(await a.grad!.toArray()).toEqual([[2, -4], [6, -8]]);
      expect(await b.grad!.toArray()).toEqual([1, -1]);
      expect(await F.l2Penalty([]).item()).toBe(0);
      const lin = new nn.Linear(3, 2);
      const w = await lin.weight.data();
      const bias = await lin.bias!.data();
      expect(await F.l1Penalty(lin.parameters()).item()).toBeCloseTo([...w, ...bias].reduce((s, v) => s + Math.abs(v), 0), 5);
      lin.dispose();
    });
  });
});

describe('loss gradients against float64 finite differences', () => {
  const red = 'none' as const;
  it('mse, l1, huber, smoothL1 (non-contiguous input)', async () => {
    const x = randomRef([5, 7], 90, -2, 2);
    const y = randomRef([5, 7], 91, -2, 2);
    await gradcheck((a, b) => F.mseLoss(a, b, { reduction: red }), (a, b) => R.mseRef(a, b, red), [x, y]);
    await gradcheck((a, b) => F.l1Loss(a, b), (a, b) => R.l1Ref(a, b), [x, y], { makeInput: (r) => strided(r) });
    await gradcheck((a, b) => F.huberLoss(a, b, { delta: 0.8, reduction: 'sum' }), (a, b) => R.huberRef(a, b, 0.8, 'sum'), [x, y], { makeInput: (r) => transposed(r) });
    await gradcheck((a, b) => F.smoothL1Loss(a, b, { beta: 0.6, reduction: red }), (a, b) => R.smoothL1Ref(a, b, 0.6, red), [x, y]);
  });

  it('pairwiseDistance (broadcast, p = 2 and 3)', async () => {
    const a = randomRef([4, 6], 92);
    const b = randomRef([6], 93);
    await gradcheck((u, v) => F.pairwiseDistance(u, v), (u, v) => R.pairwiseDistanceRef(u, v), [a, b]);
    await gradcheck((u, v) => F.pairwiseDistance(u, v, { p: 3 }), (u, v) => R.pairwiseDistanceRef(u, v, 3), [a, b]);
  });

  it('binaryCrossEntropy and the logits form (broadcast weight and posWeight)', async () => {
    const p = randomRef([4, 5], 94, 0.05, 0.95);
    const y = randomRef([4, 5], 95, 0, 1);
    const w = randomRef([5], 96, 0.5, 2);
    await gradcheck((a, b, c) => F.binaryCrossEntropy(a, b, { weight: c, reduction: red }), (a, b, c) => R.bceRef(a, b, c, red), [p, y, w], { wrt: [0, 1] });
    const x = randomRef([4, 5], 97, -3, 3);
    const pw = randomRef([5], 98, 0.5, 3);
    await gradcheck((a, b, c) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: c }), (a, b, c) => R.bceLogitsRef(a, b, undefined, c), [x, y, pw], { makeInput: (r, i) => (i === 0 ? transposed(r) : T(r)) });
  });

  it('crossEntropy: indices with ignoreIndex + smoothing + weights, [N, C, d], and probability targets', async () => {
    const x = randomRef([6, 5], 100, -2, 2);
    const y = [0, 4, -100, 2, 1, 3];
    const w = [0.5, 1, 1.5, 2, 0.7];
    await gradcheck(
      (a) => F.crossEntropy(a, I(y, [6]), { labelSmoothing: 0.1, weight: wg.tensor(w) }),
      (a) => R.crossEntropyRef(a, y, { labelSmoothing: 0.1, weight: w }),
      [x],
      { makeInput: (r) => transposed(r) },
    );
    const x3 = randomRef([2, 4, 3], 101, -2, 2);
    const y3 = [0, 3, 1, 2, 2, 0];
    await gradcheck((a) => F.crossEntropy(a, I(y3, [2, 3]), { reduction: red }), (a) => R.crossEntropyRef(a, y3, { reduction: red }), [x3]);
    const p = probs([6, 5], 102);
    await gradcheck((a, t) => F.crossEntropy(a, t, { labelSmoothing: 0.05 }), (a, t) => R.crossEntropyProbRef(a, t, { labelSmoothing: 0.05 }), [x, p]);
  });

  it('nllLoss and multiMarginLoss (p = 1, 2, weights)', async () => {
    const x = randomRef([6, 5], 103, -2, 2);
    const y = [0, 4, 1, 2, 1, 3];
    const w = [0.5, 1, 1.5, 2, 0.7];
    await gradcheck((a) => F.nllLoss(a, I(y, [6]), { weight: wg.tensor(w) }), (a) => R.nllRef(a, y, { weight: w }), [x]);
    await gradcheck((a) => F.multiMarginLoss(a, I(y, [6]), { reduction: red }), (a) => R.multiMarginRef(a, y, { reduction: red }), [x]);
    await gradcheck((a) => F.multiMarginLoss(a, I(y, [6]), { p: 2, margin: 1.5, weight: wg.tensor(w) }), (a) => R.multiMarginRef(a, y, { p: 2, margin: 1.5, weight: w }), [x], { makeInput: (r) => strided(r) });
  });

  it('klDiv, klDivergence, entropy, mutualInformation', async () => {
    const logq = R.logSoftmaxRef(randomRef([3, 4], 104));
    const p = probs([3, 4], 105);
    await gradcheck((a, b) => F.klDiv(a, b, { reduction: 'batchmean' }), (a, b) => R.klDivRef(a, b, { reduction: 'batchmean' }), [logq, p]);
    await gradcheck((a, b) => F.klDiv(a, b, { logTarget: true, reduction: red }), (a, b) => R.klDivRef(a, b, { logTarget: true, reduction: red }), [logq, logq]);
    const q = probs([3, 4], 106);
    await gradcheck((a, b) => F.klDivergence(a, b), (a, b) => R.klDivergenceRef(a, b), [p, q], { makeInput: (r) => strided(r) });
    await gradcheck((a) => F.entropy(a), (a) => R.entropyRef(a), [p]);
    await gradcheck((a) => F.mutualInformation(a), (a) => R.mutualInformationRef(a), [randomRef([3, 4], 107, 0.1, 1)]);
  });

  it('second order: the gradient of a loss is differentiable again', async () => {
    await wg.scope(async () => {
      // d/dx of mse = 2(x - y)/n, so d2/dx2 of its sum is 2/n everywhere.
      const y = wg.tensor([1, 2, 3, 4]);
      const g2 = wg.grad((x: wg.Tensor) => wg.grad((z: wg.Tensor) => F.mseLoss(z, y))(x).sum());
      assertClose(await g2(wg.tensor([0, 0, 0, 0])).data(), [0.5, 0.5, 0.5, 0.5], { rtol: 1e-5 });
      const h = wg.grad((x: wg.Tensor) => wg.grad((z: wg.Tensor) => F.binaryCrossEntropyWithLogits(z, wg.tensor([1, 0]), { reduction: 'sum' }))(x).sum());
      // d/dx (sigmoid(x) - y) = sigmoid(x)(1 - sigmoid(x)) = 0.25 at 0.
      assertClose(await h(wg.tensor([0, 0])).data(), [0.25, 0.25], { rtol: 1e-5 });
    });
  });
});
