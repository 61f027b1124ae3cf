// Normalization layers against float64 references (test/reference/norm.ts): forward values and a
// gradient check for every option, at odd sizes (7 channels, 3x5 spatial), on both kernel plans.
// Tolerances: forward rtol 1e-4 / atol 1e-4 (float32 statistics over rows of up to ~1000);
// gradients the gradcheck default (rtol 2e-3, atol 2e-4) unless stated.
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { nn } from '../src/index.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import * as R from './reference/norm.ts';
import { forceProfile, restoreProfile } from './support/profile.ts';

const T = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const FWD = { rtol: 1e-4, atol: 1e-4 };

afterEach(restoreProfile);

const plans = ['software', 'gpu'] as const;

describe('layerNorm: one fused forward and backward kernel', () => {
  for (const plan of plans)
    it(`matches the float64 reference (${plan} plan; short rows, long rows, many rows)`, async () => {
      forceProfile({ plan });
      await wg.scope(async () => {
        for (const [shape, ns] of [[[7, 5], [5]], [[3, 5, 7], [5, 7]], [[3, 1000], [1000]], [[600, 9], [9]], [[520, 70], [70]], [[2, 1], [1]], [[0, 4], [4]]] as [number[], number[]][]) {
          const x = randomRef(shape, 1, -3, 5);
          const w = randomRef(ns, 2);
          const b = randomRef(ns, 3);
          assertClose(await wg.layerNorm(T(x), ns, T(w), T(b)).data(), R.layerNormRef(x, ns, w, b), FWD, `${shape} affine`);
          assertClose(await wg.layerNorm(T(x), ns).data(), R.layerNormRef(x, ns, null, null), FWD, `${shape} plain`);
          assertClose(await wg.layerNorm(T(x), ns, T(w), null, 1e-3).data(), R.layerNormRef(x, ns, w, null, 1e-3), FWD, `${shape} weight only`);
        }
      });
    });

  for (const plan of plans)
    it(`gradients for x, weight and bias (${plan} plan)`, async () => {
      forceProfile({ plan });
      const x = randomRef([3, 7], 4, -2, 2);
      const w = randomRef([7], 5);
      const b = randomRef([7], 6);
      await gradcheck((x, w, b) => wg.layerNorm(x!, 7, w!, b!), (x, w, b) => R.layerNormRef(x!, [7], w!, b!), [x, w, b]);
      await gradcheck((x) => wg.layerNorm(x!, [7]), (x) => R.layerNormRef(x!, [7], null, null), [x]);
      await gradcheck((x, b) => wg.layerNorm(x!, [7], null, b!), (x, b) => R.layerNormRef(x!, [7], null, b!), [x, b]);
      const x3 = randomRef([2, 3, 5], 7, -2, 2);
      const w3 = randomRef([3, 5], 8);
      await gradcheck((x, w) => wg.layerNorm(x!, [3, 5], w!, null), (x, w) => R.layerNormRef(x!, [3, 5], w!, null), [x3, w3]);
      // A long row takes the workgroup path on both plans.
      const xl = randomRef([2, 300], 9, -2, 2);
      const wl = randomRef([300], 10);
      await gradcheck((x, w) => wg.layerNorm(x!, 300, w!, null), (x, w) => R.layerNormRef(x!, [300], w!, null), [xl, wl], { wrt: [1] });
    });

  it('refuses a second-order gradient with a clear error', async () => {
    await wg.scope(async () => {
      const x = wg.randn([3, 5], { requiresGrad: true });
      wg.layerNorm(x, 5).mul(wg.randn([3, 5])).sum().backward();
      expect(x.grad!.shape).toEqual([3, 5]);
      expect(() => wg.groupNorm(x.reshape([3, 5, 1]), 5).square().sum().backward(undefined, { createGraph: true })).toThrow(/groupNorm: its second-order gradient is not implemented/);
    });
  });

  it('reads non-contiguous inputs and refuses a mismatched normalizedShape', async () => {
    await wg.scope(async () => {
      const x = randomRef([5, 7], 11);
      const xt = T(x).transpose(0, 1); // [7, 5]
      const want = R.layerNormRef({ data: Float64Array.from(await xt.contiguous().data()), shape: [7, 5] }, [5], null, null);
      assertClose(await wg.layerNorm(xt, 5).data(), want, FWD);
      expect(() => wg.layerNorm(T(x), [5])).toThrow(/layerNorm: normalizedShape \[5\] does not match the trailing dimensions of the input \[5, 7\]/);
      expect(() => wg.layerNorm(T(x), 7, wg.ones([5]))).toThrow(/weight has shape \[5\], expected \[7\]/);
    });
  });
});

describe('groupNorm', () => {
  for (const plan of plans)
    it(`matches the reference and its gradients (${plan} plan)`, async () => {
      forceProfile({ plan });
      await wg.scope(async () => {
        for (const [shape, G] of [[[2, 6, 3, 5], 3], [[3, 7, 3, 5], 7], [[2, 7, 3, 5], 1], [[4, 8], 2], [[2, 4, 300], 2]] as [number[], number][]) {
          const x = randomRef(shape, 12, -3, 3);
          const w = randomRef([shape[1]!], 13);
          const b = randomRef([shape[1]!], 14);
          assertClose(await wg.groupNorm(T(x), G, T(w), T(b)).data(), R.groupNormRef(x, G, w, b), FWD, `${shape} G=${G}`);
          assertClose(await wg.groupNorm(T(x), G).data(), R.groupNormRef(x, G, null, null), FWD, `${shape} G=${G} plain`);
        }
      });
      const x = randomRef([2, 6, 3, 5], 15, -2, 2);
      const w = randomRef([6], 16);
      const b = randomRef([6], 17);
      await gradcheck((x, w, b) => wg.groupNorm(x!, 3, w!, b!), (x, w, b) => R.groupNormRef(x!, 3, w!, b!), [x, w, b]);
      await gradcheck((x) => wg.groupNorm(x!, 2), (x) => R.groupNormRef(x!, 2, null, null), [x]);
    });

  it('the module: 7 channels in 7 groups, weight 1 and bias 0, clear errors', async () => {
    await wg.scope(async () => {
      const m = new nn.GroupNorm(7, 7);
      expect(Array.from(await m.weight!.data())).toEqual(new Array(7).fill(1));
      expect(Array.from(await m.bias!.data())).toEqual(new Array(7).fill(0));
      const x = randomRef([2, 7, 3, 5], 18);
      assertClose(await m(T(x)).data(), R.groupNormRef(x, 7, null, null), FWD);
      expect(() => m(wg.zeros([2, 6, 3]))).toThrow(/GroupNorm: expected an input \[N, 7, \*\], got shape \[2, 6, 3\]/);
      expect(() => new nn.GroupNorm(3, 7)).toThrow(/numChannels \(7\) must be divisible by numGroups \(3\)/);
      expect(Object.keys(new nn.GroupNorm(1, 3, { affine: false }).stateDict())).toEqual([]);
      m.dispose();
    });
  });
});

describe('LayerNorm module', () => {
  it('options, initialisation, state dict keys and a gradient through the module', async () => {
    await wg.scope(async () => {
      const m = new nn.LayerNorm([3, 5], { eps: 1e-3 });
      expect(Object.keys(m.stateDict())).toEqual(['weight', 'bias']);
      expect(m.weight!.shape).toEqual([3, 5]);
      expect(Object.keys(new nn.LayerNorm(5, { bias: false }).stateDict())).toEqual(['weight']);
      expect(Object.keys(new nn.LayerNorm(5, { elementwiseAffine: false }).stateDict())).toEqual([]);
      const x = randomRef([2, 3, 5], 19);
      assertClose(await m(T(x)).data(), R.layerNormRef(x, [3, 5], null, null, 1e-3), FWD);
      expect(() => m(wg.zeros([2, 5, 3]))).toThrow(/LayerNorm: expected an input \[\*, 3, 5\], got shape \[2, 5, 3\]/);
      expect(() => new nn.LayerNorm(5, { elementwiseAfine: true } as any)).toThrow(/elementwiseAffine/);
      m.dispose();
    });
  });
});

describe('batchNorm', () => {
  const x = randomRef([4, 7, 3, 5], 20, -2, 3);
  const w = randomRef([7], 21);
  const b = randomRef([7], 22);

  it('training forward uses the batch statistics; eval uses the running ones (2-D, 3-D and 4-D inputs)', async () => {
    await wg.scope(async () => {
      assertClose(await wg.batchNorm(T(x), null, null, T(w), T(b), true).data(), R.batchNormTrainRef(x, w, b), FWD, 'train');
      // [5, 3, 7, 11] has 385 elements per channel: channelSums' workgroup-per-channel variant; the others one invocation each.
      for (const shape of [[9, 7], [5, 7, 3], [5, 3, 7, 11]]) {
        const xs = randomRef(shape, 23);
        wg.resetStats();
        assertClose(await wg.batchNorm(T(xs), null, null, null, null, true, 0.1, 1e-3).data(), R.batchNormTrainRef(xs, null, null, 1e-3), FWD, `${shape}`);
        expect(wg.stats().kernels[shape.length === 4 ? 'channelSums' : 'channelSums:t'], `${shape}`).toBe(1);
      }
      const rm = randomRef([7], 24);
      const rv = randomRef([7], 25, 0.5, 2);
      const y = wg.batchNorm(T(x), T(rm), T(rv), T(w), T(b));
      assertClose(await y.data(), R.batchNormRef(x, [...rm.data], [...rv.data], w, b), FWD, 'eval');
    });
  });

  it('gradients in training mode (batch statistics) and eval mode, each option', async () => {
    const xs = randomRef([3, 7, 3, 5], 26, -2, 2);
    await gradcheck((x, w, b) => wg.batchNorm(x!, null, null, w!, b!, true), (x, w, b) => R.batchNormTrainRef(x!, w!, b!), [xs, w, b]);
    await gradcheck((x) => wg.batchNorm(x!, null, null, null, null, true), (x) => R.batchNormTrainRef(x!, null, null), [xs]);
    const x2 = randomRef([5, 7], 27, -2, 2);
    await gradcheck((x, w) => wg.batchNorm(x!, null, null, w!, null, true), (x, w) => R.batchNormTrainRef(x!, w!, null), [x2, w]);
    // 162 elements per channel: the workgroup variant of the backward sums.
    const x3 = randomRef([2, 3, 9, 9], 35, -2, 2);
    await gradcheck((x, w, b) => wg.batchNorm(x!, null, null, w!, b!, true), (x, w, b) => R.batchNormTrainRef(x!, w!, b!), [x3, randomRef([3], 36), randomRef([3], 37)]);
    const rm = randomRef([7], 28);
    const rv = randomRef([7], 29, 0.5, 2);
    // gradcheck opens its own async scope (browsers cannot nest them), so these are disposed by hand.
    const [trm, trv] = [T(rm), T(rv)];
    await gradcheck((x, w, b) => wg.batchNorm(x!, trm, trv, w!, b!, false), (x, w, b) => R.batchNormRef(x!, [...rm.data], [...rv.data], w!, b!), [xs, w, b]);
    trm.dispose();
    trv.dispose();
  });

  it('second order in training mode: the input gradient is itself differentiable (x and weight)', async () => {
    const xs = randomRef([3, 4, 2, 3], 30, -2, 2);
    const ws = randomRef([4], 31, 0.5, 1.5);
    const dy = randomRef(xs.shape, 32, -1, 1);
    // The Hessian-vector products of sum(dy * bn(x)) against finite differences of the closed-form dx.
    const gx = (x: wg.Tensor, w: wg.Tensor) => wg.grad((z: wg.Tensor) => wg.batchNorm(z, null, null, w, null, true).mul(T(dy)).sum())(x);
    await gradcheck(gx, (x, w) => R.batchNormTrainGradRef(x!, w!, dy), [xs, ws]);
    await gradcheck((x) => wg.grad((z: wg.Tensor) => wg.batchNorm(z, null, null, null, null, true).mul(T(dy)).sum())(x), (x) => R.batchNormTrainGradRef(x!, null, dy), [xs]);
  });

  it('a channel mean far from zero: the variance is two passes (mean(x^2) - mean^2 would cancel)', async () => {
    const base = randomRef([6, 3, 4], 33, -1, 1);
    const shifted = { ...base, data: base.data.map((v, i) => v + (Math.floor(i / 4) % 3 === 1 ? 3000 : 0)) };
    await wg.scope(async () => {
      assertClose(await wg.batchNorm(T(shifted), null, null, null, null, true).data(), R.batchNormTrainRef(shifted, null, null), { rtol: 2e-3, atol: 2e-3 }, 'large mean');
    });
  });

  it('forward and backward are one channelSums and one channelAffine pass each, with no reduction or broadcast elementwise over x', async () => {
    await wg.scope(async () => {
      const x = wg.randn([4, 7, 3, 5], { requiresGrad: true });
      const w = wg.ones([7], { requiresGrad: true });
      const dy = wg.randn([4, 7, 3, 5]);
      await wg.sync();
      wg.resetStats();
      const y = wg.batchNorm(x, null, null, w, null, true);
      await wg.sync();
      const fwd = wg.stats().kernels;
      wg.resetStats();
      y.backward(dy);
      await wg.sync();
      const bwd = wg.stats().kernels;
      for (const k of [fwd, bwd]) {
        expect((k['channelSums'] ?? 0) + (k['channelSums:t'] ?? 0)).toBe(1);
        expect(k['channelAffine']).toBe(1);
        // The rest is elementwise work on [C] vectors (contiguous, ':c').
        expect(Object.keys(k).filter((n) => n.startsWith('reduce') || (n.startsWith('map:') && !n.endsWith(':c')))).toEqual([]);
      }
    });
  });

  it('over 65,535 workgroups: a [2, 8, 2^20 + 1] input (the 2-D grid)', async () => {
    const L = 2 ** 20 + 1;
    await wg.scope(async () => {
      const x = wg.arange(2 * 8 * L).reshape([2, 8, L]).mul(1e-6);
      expect(wg.device().grid(Math.ceil((2 * 8 * L) / 256))[1]).toBeGreaterThan(1);
      const rm = wg.zeros([8]);
      const rv = wg.ones([8]);
      const y = wg.batchNorm(x, rm, rv, null, wg.full([8], 0.5));
      // Eval mode: (x - 0) / sqrt(1 + 1e-5) + 0.5 at the last elements of the last channel.
      const got = await y.reshape([-1]).slice(0, 2 * 8 * L - 3).data();
      const want = [3, 2, 1].map((k) => (2 * 8 * L - k) * 1e-6 / Math.sqrt(1 + 1e-5) + 0.5);
      assertClose(got, want, { rtol: 1e-5, atol: 1e-4 }, 'tail');
    });
    // Training on 65,600 short channels: channelSums' one-invocation-per-channel variant (a workgroup
    // per channel would be 65,600 workgroups of barriers: ~90 s on SwiftShader).
    const xs = randomRef([3, 65_600], 34, -2, 2);
    await wg.scope(async () => {
      assertClose(await wg.batchNorm(T(xs), null, null, null, null, true).data(), R.batchNormTrainRef(xs, null, null), FWD, '65,600 channels');
    });
  });

  it('F.batchNorm updates the running statistics in place without reading back', async () => {
    await wg.scope(async () => {
      const rm = wg.zeros([7]);
      const rv = wg.ones([7]);
      const before = wg.stats().readbacks;
      wg.batchNorm(T(x), rm, rv, null, null, true, 0.3).dispose();
      expect(wg.stats().readbacks).toBe(before);
      const want = R.runningStatsRef([x], 0.3);
      assertClose(await rm.data(), want.mean, { rtol: 1e-5, atol: 1e-6 }, 'running mean');
      assertClose(await rv.data(), want.var, { rtol: 1e-5, atol: 1e-6 }, 'running var (unbiased)');
    });
  });

  it('bad calls fail before GPU work', () => {
    expect(() => wg.batchNorm(wg.zeros([4, 7]), wg.zeros([6]), wg.ones([6]))).toThrow(/batchNorm: runningMean has shape \[6\], expected \[7\]/);
    expect(() => wg.batchNorm(wg.zeros([1, 7]), null, null, null, null, true)).toThrow(/more than 1 value per channel/);
    expect(() => wg.batchNorm(wg.zeros([4, 7]), null, null)).toThrow(/running statistics are required when not training/);
  });
});

async function values(t: wg.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('BatchNorm1d / BatchNorm2d modules', () => {
  it('10 training steps: running mean, unbiased running variance and num_batches_tracked match the reference', async () => {
    await wg.scope(async () => {
      for (const momentum of [0.1, null, 0.5] as const) {
        const m = new nn.BatchNorm2d(7, { momentum });
        const batches = Array.from({ length: 10 }, (_, k) => randomRef([3, 7, 3, 5], 100 + k, -1 + k / 10, 2 + k / 5));
        const before = wg.stats().readbacks;
        for (const xb of batches) wg.tidy(() => void m(T(xb)));
        expect(wg.stats().readbacks).toBe(before);
        const want = R.runningStatsRef(batches, momentum);
        assertClose(await m.running_mean!.data(), want.mean, { rtol: 1e-4, atol: 1e-5 }, `running mean, momentum ${momentum}`);
        assertClose(await m.running_var!.data(), want.var, { rtol: 1e-4, atol: 1e-5 }, `running var, momentum ${momentum}`);
        expect(m.num_batches_tracked!.dtype).toBe('int32');
        expect(m.num_batches_tracked!.shape).toEqual([]);
        expect(await m.num_batches_tracked!.item()).toBe(10);
        // Eval: the running statistics normalize, deterministically, and nothing is updated.
        m.eval();
        const xe = randomRef([2, 7, 3, 5], 50);
        const y1 = await values(m(T(xe)));
        const y2 = await values(m(T(xe)));
        expect(y2).toEqual(y1);
        assertClose(y1, R.batchNormRef(xe, want.mean, want.var, null, null), FWD, 'eval output');
        expect(await m.num_batches_tracked!.item()).toBe(10);
        assertClose(await m.running_mean!.data(), want.mean, { rtol: 1e-4, atol: 1e-5 });
        // A training step outside any scope leaves nothing behind once its output is disposed.
        m.train();
        const xin = T(batches[0]!);
        const live = wg.stats().liveBuffers;
        m(xin).dispose();
        expect(wg.stats().liveBuffers).toBe(live);
        xin.dispose();
        m.dispose();
      }
    });
  });

  it('BatchNorm1d on [N, C] and [N, C, L], with a gradient through the module', async () => {
    await wg.scope(async () => {
      const m = new nn.BatchNorm1d(7);
      const x2 = randomRef([6, 7], 60);
      assertClose(await m(T(x2)).data(), R.batchNormTrainRef(x2, null, null), FWD);
      const x3 = randomRef([4, 7, 5], 61);
      assertClose(await m(T(x3)).data(), R.batchNormTrainRef(x3, null, null), FWD);
      const want = R.runningStatsRef([x2, x3], 0.1);
      assertClose(await m.running_var!.data(), want.var, { rtol: 1e-4, atol: 1e-5 });
      const xin = T(x3).requiresGrad_();
      m(xin).square().sum().backward();
      expect(xin.grad!.shape).toEqual([4, 7, 5]);
      expect(m.weight!.grad!.shape).toEqual([7]);
      m.dispose();
    });
  });

  it('trackRunningStats false always uses batch statistics; affine false has no parameters', async () => {
    await wg.scope(async () => {
      const m = new nn.BatchNorm2d(7, { trackRunningStats: false, affine: false });
      expect(Object.keys(m.stateDict())).toEqual([]);
      m.eval();
      const x = randomRef([2, 7, 3, 5], 62);
      assertClose(await m(T(x)).data(), R.batchNormTrainRef(x, null, null), FWD);
      m.dispose();
    });
  });

  it('state dict: PyTorch names and layouts; a hand-built dict loads; missing, extra and wrong-shape keys are listed', async () => {
    await wg.scope(async () => {
      const m = new nn.BatchNorm2d(7);
      const sd = m.stateDict();
      expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
      expect(Object.values(sd).map((t) => [t.shape, t.dtype])).toEqual([[[7], 'float32'], [[7], 'float32'], [[7], 'float32'], [[7], 'float32'], [[], 'int32']]);
      expect(await values(sd.running_var!)).toEqual(new Array(7).fill(1));
      const w = randomRef([7], 63);
      const hand = {
        weight: T(w),
        bias: wg.full([7], 0.5),
        running_mean: wg.full([7], 0.25),
        running_var: wg.full([7], 4),
        num_batches_tracked: wg.tensor(Int32Array.of(42), { shape: [] }),
      };
      m.loadStateDict(hand);
      expect(await m.num_batches_tracked!.item()).toBe(42);
      m.eval();
      const x = randomRef([2, 7, 3, 5], 64);
      const bias = { data: new Float64Array(7).fill(0.5), shape: [7] };
      assertClose(await m(T(x)).data(), R.batchNormRef(x, new Array(7).fill(0.25), new Array(7).fill(4), w, bias), FWD);
      const { running_var: _rv, ...missing } = hand;
      expect(() => m.loadStateDict(missing)).toThrow(/missing running_var.*weight, bias, running_mean, running_var, num_batches_tracked/);
      expect(() => m.loadStateDict({ ...hand, running_std: wg.ones([7]) })).toThrow(/unexpected running_std/);
      expect(() => m.loadStateDict({ ...hand, running_mean: wg.ones([6]) })).toThrow(/'running_mean' has shape \[6\] in the state dict but \[7\] in the model/);
      expect(() => m.loadStateDict({ ...hand, weight: wg.ones([3]), running_var: wg.ones([7, 1]) })).toThrow(/'weight' has shape \[3\] in the state dict but \[7\] in the model; 'running_var' has shape \[7, 1\] in the state dict but \[7\] in the model/);
      expect(() => m.loadStateDict({ ...hand, num_batches_tracked: wg.zeros([]) })).toThrow(/'num_batches_tracked' is float32 in the state dict but int32/);
      m.dispose();
    });
  });

  it('wrong rank or channel count: a clear error naming the layer, expected and received shape', () => {
    const m2 = new nn.BatchNorm2d(7);
    const m1 = new nn.BatchNorm1d(7);
    const live = wg.stats().liveBuffers;
    expect(() => m2(wg.zeros([2, 7, 5]))).toThrow(/BatchNorm2d: expected a 4-D input \[N, 7, H, W\], got shape \[2, 7, 5\]/);
    expect(() => m2(wg.zeros([2, 6, 3, 5]))).toThrow(/BatchNorm2d: expected a 4-D input \[N, 7, H, W\], got shape \[2, 6, 3, 5\].*built for 7 channels/);
    expect(() => m1(wg.zeros([2, 7, 3, 5]))).toThrow(/BatchNorm1d: expected a 2-D input \[N, 7\] or 3-D input \[N, 7, L\], got shape \[2, 7, 3, 5\]/);
    expect(() => m1(wg.zeros([4, 3]))).toThrow(/BatchNorm1d.*got shape \[4, 3\]/);
    expect(() => m1(wg.zeros([1, 7]))).toThrow(/BatchNorm1d: expected more than 1 value per channel when training, got input of shape \[1, 7\]/);
    expect(() => new nn.BatchNorm2d(7, { momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\] or null/);
    expect(() => new nn.BatchNorm2d(7, { trackRunningStat: true } as any)).toThrow(/trackRunningStats/);
    // The five zeros above were made by the test; the layers allocated nothing on failure.
    expect(wg.stats().liveBuffers).toBe(live + 5);
    expect(String(m2)).toBe('BatchNorm2d(7, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
    m1.dispose();
    m2.dispose();
  });
});
