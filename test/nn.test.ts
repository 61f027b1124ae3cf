import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose, broadcastMap, randomRef, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import * as R from './reference/losses.ts';

import { nn } from '../src/index.ts';
const T = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });

class MLP extends nn.Module {
  fc1: nn.Linear;
  act = new nn.Tanh();
  fc2: nn.Linear;
  constructor(i: number, h: number, o: number) {
    super();
    this.fc1 = new nn.Linear(i, h);
    this.fc2 = new nn.Linear(h, o);
  }
  forward(x: wg.Tensor): wg.Tensor {
    return this.fc2(this.act(this.fc1(x)));
  }
}

/** x Wᵀ + b in float64. */
function linearRef(x: Ref, w: Ref, b: Ref | null): Ref {
  const [o, i] = w.shape as [number, number];
  const rows = x.data.length / i;
  const out = new Float64Array(rows * o);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < o; j++) {
      let s = b ? b.data[j]! : 0;
      for (let k = 0; k < i; k++) s += x.data[r * i + k]! * w.data[j * i + k]!;
      out[r * o + j] = s;
    }
  return { data: out, shape: [...x.shape.slice(0, -1), o] };
}

const refOf = async (t: wg.Tensor): Promise<Ref> => ({ data: Float64Array.from(await t.data()), shape: [...t.shape] });

function moments(v: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  let m = 0;
  for (let i = 0; i < v.length; i++) ((s += v[i]!), (m = Math.max(m, Math.abs(v[i]!))));
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length), maxAbs: m };
}

describe('Module', () => {
  it('is callable, an instance of its class, and names its parameters with dots', async () => {
    await wg.scope(async () => {
      const m = new MLP(3, 5, 2);
      expect(typeof m).toBe('function');
      expect(m instanceof MLP && m instanceof nn.Module).toBe(true);
      expect(m.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`)).toEqual(['fc1.weight:5x3', 'fc1.bias:5', 'fc2.weight:2x5', 'fc2.bias:2']);
      expect(m.parameters().every((p) => p.requiresGrad && !p.gradFn)).toBe(true);
      expect(m.numParameters()).toBe(5 * 3 + 5 + 2 * 5 + 2);
      const x = wg.randn([4, 3]);
      const y = m(x);
      assertClose(await y.data(), await m.forward(x).data(), { rtol: 1e-6 });
      assertClose(await y.data(), await m.call(x).data(), { rtol: 1e-6 });
      expect(y.shape).toEqual([4, 2]);
      expect(String(m)).toBe('MLP(\n  (fc1): Linear(in=3, out=5, bias=true)\n  (act): Tanh()\n  (fc2): Linear(in=5, out=2, bias=true)\n)');
      expect([...m.namedModules()].map(([k]) => k)).toEqual(['', 'fc1', 'act', 'fc2']);
      m.dispose();
    });
  });

  it('keeps parameters out of scopes: a model built inside tidy() survives it', async () => {
    const m = wg.tidy(() => new MLP(2, 3, 1));
    expect(m.parameters().every((p) => !p.isDisposed)).toBe(true);
    const out = await wg.scope(async () => (await m(wg.ones([1, 2])).data())[0]);
    expect(Number.isFinite(out)).toBe(true);
    const live = wg.stats().liveBuffers;
    m.dispose();
    expect(m.parameters().every((p) => p.isDisposed)).toBe(true);
    expect(wg.stats().liveBuffers).toBe(live - 4);
  });

  it('registers fields, arrays, explicit parameters/buffers/modules; shared and frozen parameters', async () => {
    await wg.scope(async () => {
      class Net extends nn.Module {
        blocks = [new nn.Linear(2, 2), new nn.Linear(2, 2, { bias: false })];
        scale: wg.Tensor;
        cache: wg.Tensor | null = null;
        tied: wg.Tensor;
        constructor() {
          super();
          this.scale = wg.ones([2], { requiresGrad: true });
          this.registerBuffer('runningMean', wg.zeros([2]));
          this.registerParameter('frozen', wg.ones([1]), false);
          this.registerModule('head', new nn.Linear(2, 1));
          this.tied = this.blocks[0]!.weight;
        }
        forward(x: wg.Tensor): wg.Tensor {
          this.cache = x.mul(2); // a non-leaf tensor in a field is not a parameter
          return x;
        }
      }
      const n = new Net();
      n(wg.ones([2]));
      const names = n.namedParameters().map(([k]) => k);
      // As torch: a module's own tensors first, then its children's; a shared tensor once, first name wins.
      expect(names).toEqual(['scale', 'tied', 'frozen', 'blocks.0.bias', 'blocks.1.weight', 'head.weight', 'head.bias']);
      expect(n.parameters().length).toBe(new Set(n.parameters()).size);
      expect(n.namedBuffers().map(([k]) => k)).toEqual(['runningMean']);
      expect(Object.keys(n.stateDict())).toEqual([...names, 'runningMean']);
      expect((n as unknown as { frozen: wg.Tensor }).frozen.requiresGrad).toBe(false);
      expect([...n.children()].length).toBe(3);
      n.dispose();
    });
  });

  it('train()/eval() set the flag recursively; apply() visits children first; zeroGrad() drops gradients', async () => {
    await wg.scope(async () => {
      const m = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new MLP(3, 2, 1));
      expect([...m.modules()].every((k) => k.training)).toBe(true);
      m.eval();
      expect([...m.modules()].some((k) => k.training)).toBe(false);
      expect(m.train().training).toBe(true);
      const seen: string[] = [];
      m.apply((k) => seen.push(k.constructor.name));
      expect(seen).toEqual(['Linear', 'ReLU', 'Linear', 'Tanh', 'Linear', 'MLP', 'Sequential']);
      m(wg.ones([4, 2])).sum().backward();
      expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
      m.zeroGrad();
      expect(m.parameters().every((p) => p.grad === null)).toBe(true);
      expect(m.namedParameters()[2]![0]).toBe('2.fc1.weight');
      expect(m.length).toBe(3);
      expect(m.at(-1)).toBeInstanceOf(MLP);
      m.dispose();
    });
  });

  it('stateDict / loadStateDict copy values on the GPU and check shapes, keys and dtypes first', async () => {
    await wg.scope(async () => {
      const a = new MLP(3, 4, 2);
      const b = new MLP(3, 4, 2);
      const x = wg.randn([5, 3]);
      const want = await a(x).data();
      const snap = a.stateDict({ clone: true });
      const s0 = wg.stats();
      b.loadStateDict(a.stateDict());
      const s1 = wg.stats();
      expect(s1.uploads - s0.uploads).toBe(0);
      expect(s1.readbacks - s0.readbacks).toBe(0);
      assertClose(await b(x).data(), want, { rtol: 1e-6 });
      // The clone is a snapshot: changing a does not change it.
      wg.nn.init.zeros(a.fc1.weight);
      b.loadStateDict(snap);
      assertClose(await b(x).data(), want, { rtol: 1e-6 });
      // Bad dicts throw before anything is written.
      const c = new MLP(3, 5, 2);
      const before = await b.fc1.weight.data();
      expect(() => b.loadStateDict(c.stateDict())).toThrow(/loadStateDict: 'fc1.weight' has shape \[5, 3\] in the state dict but \[4, 3\] in the model/);
      assertClose(await b.fc1.weight.data(), before);
      const { ['fc2.bias']: _dropped, ...partial } = a.stateDict();
      expect(() => b.loadStateDict(partial)).toThrow(/missing fc2.bias/);
      expect(() => b.loadStateDict({ ...a.stateDict(), extra: wg.zeros([1]) })).toThrow(/unexpected extra/);
      b.loadStateDict(partial, { strict: false });
      expect(() => b.loadStateDict({ ...a.stateDict(), 'fc2.bias': wg.zeros([2], { dtype: 'int32' }) })).toThrow(/'fc2.bias' is int32 in the state dict but float32/);
      for (const t of Object.values(snap)) t.dispose();
      [a, b, c].forEach((m) => m.dispose());
    });
  });
});

describe('layers', () => {
  it('Linear: torch default init U(-1/sqrt(in), 1/sqrt(in)) for weight and bias', async () => {
    await wg.scope(async () => {
      wg.manualSeed(1);
      const l = new nn.Linear(300, 200);
      const bound = 1 / Math.sqrt(300);
      const w = moments(await l.weight.data());
      const b = moments(await l.bias!.data());
      expect(w.maxAbs).toBeLessThanOrEqual(bound);
      expect(w.maxAbs).toBeGreaterThan(0.99 * bound);
      expect(Math.abs(w.mean)).toBeLessThan(0.01 * bound);
      expect(w.std).toBeCloseTo(bound / Math.sqrt(3), 3);
      expect(b.maxAbs).toBeLessThanOrEqual(bound);
      expect(new nn.Linear(3, 2, { bias: false }).bias).toBeNull();
      expect(() => new nn.Linear(0, 2)).toThrow(/Linear: inFeatures must be a positive integer, got 0/);
      l.dispose();
    });
  });

  it('Linear forward against float64 on [1, 1], [7, 13] -> 5, batched [2, 3, 13], no bias, transposed input', async () => {
    await wg.scope(async () => {
      for (const [shape, out, bias] of [[[1, 1], 1, true], [[7, 13], 5, true], [[2, 3, 13], 5, true], [[13], 7, false], [[127, 3], 127, true]] as [number[], number, boolean][]) {
        const l = new nn.Linear(shape[shape.length - 1]!, out, { bias });
        const x = randomRef(shape, shape.length + out);
        const want = linearRef(x, await refOf(l.weight), bias ? await refOf(l.bias!) : null);
        const y = l(T(x));
        expect(y.shape).toEqual(want.shape);
        assertClose(await y.data(), want, { rtol: 1e-4, atol: 1e-5 }, `${shape} -> ${out}`);
        l.dispose();
      }
      const l = new nn.Linear(7, 3);
      const x = randomRef([7, 5], 9);
      const xt = T(x).transpose(0, 1);
      const xr = { data: Float64Array.from(await xt.contiguous().data()), shape: [5, 7] };
      assertClose(await l(xt).data(), linearRef(xr, await refOf(l.weight), await refOf(l.bias!)), { rtol: 1e-4, atol: 1e-5 });
      expect(() => l(wg.zeros([2, 6]))).toThrow(/Linear: expected input with last dimension 7, got shape \[2, 6\]/);
      l.dispose();
    });
  });

  it('Linear gradients against float64 differences (F.linear, broadcast batch, transposed input)', async () => {
    const x = randomRef([2, 3, 4], 20);
    const w = randomRef([5, 4], 21);
    const b = randomRef([5], 22);
    await gradcheck((xx, ww, bb) => nn.F.linear(xx, ww, bb), (xx, ww, bb) => linearRef(xx, ww, bb), [x, w, b]);
    const x2 = randomRef([6, 4], 23);
    const tr = (r: Ref) => {
      const [m, n] = r.shape as [number, number];
      const buf = new Float32Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) buf[j * m + i] = r.data[i * n + j]!;
      return wg.tensor(buf, { shape: [n, m] }).transpose(0, 1);
    };
    await gradcheck((xx, ww) => nn.F.linear(xx, ww), (xx, ww) => linearRef(xx, ww, null), [x2, w], { makeInput: (r) => tr(r) });
  });

  it('Sequential, Flatten and Identity', async () => {
    await wg.scope(async () => {
      const x = randomRef([2, 3, 4], 30);
      expect(new nn.Flatten()(T(x)).shape).toEqual([2, 12]);
      expect(new nn.Flatten(0)(T(x)).shape).toEqual([24]);
      expect(new nn.Flatten(1, 1)(T(x)).shape).toEqual([2, 3, 4]);
      assertClose(await new nn.Identity()(T(x)).data(), x);
      const l = new nn.Linear(12, 3);
      const seq = new nn.Sequential(new nn.Flatten(), l, new nn.ReLU());
      const want = linearRef({ data: x.data, shape: [2, 12] }, await refOf(l.weight), await refOf(l.bias!));
      assertClose(await seq(T(x)).data(), { data: want.data.map((v) => Math.max(v, 0)), shape: [2, 3] }, { rtol: 1e-4, atol: 1e-5 });
      assertClose(await new nn.Sequential()(T(x)).data(), x);
      expect(() => new nn.Sequential(nn.F.relu as unknown as nn.Module)).toThrow(/Sequential: argument 0 is not a Module/);
      seq.dispose();
    });
  });

  it('activation modules against float64', async () => {
    await wg.scope(async () => {
      const x = randomRef([7, 13], 40, -4, 4);
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      const erf = (v: number) => {
        // Abramowitz-Stegun 7.1.26 is what the kernel uses; compare at its accuracy.
        const t = 1 / (1 + 0.3275911 * Math.abs(v));
        const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-v * v);
        return Math.sign(v) * y;
      };
      const cases: [nn.Module, (v: number) => number][] = [
        [new nn.ReLU(), (v) => Math.max(v, 0)],
        [new nn.Sigmoid(), sig],
        [new nn.Tanh(), Math.tanh],
        [new nn.LeakyReLU(0.2), (v) => (v < 0 ? 0.2 * v : v)],
        [new nn.LeakyReLU(), (v) => (v < 0 ? 0.01 * v : v)],
        [new nn.ELU(0.5), (v) => (v <= 0 ? 0.5 * Math.expm1(v) : v)],
        [new nn.GELU(), (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
        [new nn.SiLU(), (v) => v * sig(v)],
        [new nn.Softplus(), (v) => Math.log1p(Math.exp(v))],
        [new nn.Softplus(2), (v) => Math.log1p(Math.exp(2 * v)) / 2],
      ];
      for (const [m, f] of cases) assertClose(await m(T(x)).data(), broadcastMap(f, x), { rtol: 1e-4, atol: 1e-5 }, String(m));
      assertClose(await new nn.Softmax(1)(T(x)).data(), R.softmaxRef(x), { rtol: 1e-4, atol: 1e-6 });
      assertClose(await new nn.LogSoftmax(1)(T(x)).data(), R.logSoftmaxRef(x), { rtol: 1e-4, atol: 1e-5 });
      const xt = randomRef([13, 7], 41);
      const byCols = await new nn.Softmax(0)(T(xt)).data();
      const cols = new Float64Array(7).map((_, j) => Array.from({ length: 13 }, (_, i) => byCols[i * 7 + j]!).reduce((a, b) => a + b, 0));
      assertClose(cols, new Array(7).fill(1), { rtol: 1e-5 });
    });
  });
});

describe('nn.init', () => {
  const { init } = nn;
  it('gains and fans as torch', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('swish' as 'relu')).toThrow(/unknown nonlinearity 'swish'/);
    const w = wg.zeros([8, 4, 3, 3]);
    expect(init.fans(w)).toEqual({ fanIn: 36, fanOut: 72 });
    expect(() => init.xavierUniform(wg.zeros([5]))).toThrow(/init.xavierUniform: fan in and fan out need at least 2 dimensions, but the tensor has shape \[5\]/);
    w.dispose();
  });

  it('random initialisers write in place on the GPU with the right statistics, uploading nothing', async () => {
    await wg.scope(async () => {
      const w = wg.zeros([256, 128], { requiresGrad: true });
      const [fanOut, fanIn] = [256, 128];
      const s0 = wg.stats();
      const buffer = w.buffer;
      const checks: [() => wg.Tensor, (m: ReturnType<typeof moments>) => void][] = [
        [() => init.uniform(w, -0.5, 1.5), (m) => (expect(m.mean).toBeCloseTo(0.5, 2), expect(m.std).toBeCloseTo(2 / Math.sqrt(12), 2))],
        [() => init.normal(w, 1, 0.5), (m) => (expect(m.mean).toBeCloseTo(1, 2), expect(m.std).toBeCloseTo(0.5, 2))],
        [() => init.xavierUniform(w, 2), (m) => expect(m.std).toBeCloseTo(2 * Math.sqrt(2 / (fanIn + fanOut)), 3)],
        [() => init.xavierNormal(w), (m) => expect(m.std).toBeCloseTo(Math.sqrt(2 / (fanIn + fanOut)), 3)],
        [() => init.kaimingUniform(w, { nonlinearity: 'relu' }), (m) => expect(m.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(fanIn), 3)],
        [() => init.kaimingUniform(w, { a: Math.sqrt(5) }), (m) => expect(m.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(fanIn))],
        [() => init.kaimingNormal(w, { mode: 'fan_out', nonlinearity: 'relu' }), (m) => expect(m.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(fanOut), 3)],
        [() => init.kaimingNormal(w, { a: 0.2, mode: 'fanIn' }), (m) => expect(m.std).toBeCloseTo(Math.sqrt(2 / 1.04) / Math.sqrt(fanIn), 3)],
      ];
      const uploads = wg.stats().uploads;
      for (const [run, check] of checks) {
        expect(run()).toBe(w);
        expect(wg.stats().uploads).toBe(uploads);
        check(moments(await w.data()));
      }
      expect(w.buffer).toBe(buffer);
      expect(w.requiresGrad && w.gradFn === null).toBe(true);
      init.constant(w, 0.25);
      expect(new Set(await w.data())).toEqual(new Set([0.25]));
      init.ones(w);
      expect(await w.sum().item()).toBe(256 * 128);
      init.zeros(w);
      expect(await w.abs().sum().item()).toBe(0);
      expect(wg.stats().uploads - s0.uploads).toBe(0);
      expect(() => init.normal(w, 0, -1)).toThrow(/init.normal: std must be >= 0/);
      expect(() => init.uniform(wg.zeros([2], { dtype: 'int32' }))).toThrow(/init.uniform: can only fill float32 tensors, got a int32 tensor \[2\]/);
    });
  });

  it('initialisers write through non-contiguous views and leave the rest of the storage alone', async () => {
    await wg.scope(async () => {
      const base = wg.zeros([6, 4]);
      const view = base.slice(0, 1, 5, 2).transpose(0, 1); // rows 1 and 3, transposed: [4, 2]
      init.constant(view, 7);
      const rows = (await base.toArray()) as number[][];
      expect(rows.map((r) => r[0])).toEqual([0, 7, 0, 7, 0, 0]);
      init.uniform(view, 1, 2);
      const after = (await base.toArray()) as number[][];
      expect(after[1]!.every((v) => v >= 1 && v < 2) && after[3]!.every((v) => v >= 1 && v < 2)).toBe(true);
      expect([0, 2, 4, 5].every((i) => after[i]!.every((v) => v === 0))).toBe(true);
    });
  });

  it('constant on a tensor needing more than 65,535 workgroups (2-D grid)', async () => {
    await wg.scope(async () => {
      const n = 65_536 * 256 + 300;
      const big = wg.empty([n], 'float32', 'test');
      init.constant(big, 3);
      expect(Array.from(await big.slice(0, n - 3).data())).toEqual([3, 3, 3]);
      expect(Array.from(await big.slice(0, 0, 2).data())).toEqual([3, 3]);
      expect(Array.from(await big.slice(0, 65_535 * 256, 65_535 * 256 + 1).data())).toEqual([3]);
      big.dispose();
    });
  });
});

describe('errors the autograd issue asks for', () => {
  it('backward() on a non-scalar without a gradient, and .grad of a tensor that does not require grad', async () => {
    await wg.scope(async () => {
      const x = wg.ones([3], { requiresGrad: true });
      const y = x.mul(2);
      expect(() => y.backward()).toThrow(/backward: a gradient can only be implied for a one-element output, but this one has shape \[3\].*Fix: pass one/);
      expect(() => y.backward(wg.ones([2]))).toThrow(/the gradient has shape \[2\] but the output has shape \[3\]/);
      expect(() => wg.ones([2]).grad).toThrow(/grad: this tensor \[2\] does not require grad/);
      expect(() => wg.ones([]).backward()).toThrow(/backward: the tensor \[\] does not require grad/);
      y.backward(wg.ones([3]));
      expect(await x.grad!.toArray()).toEqual([2, 2, 2]);
    });
  });

  it('an optimizer rejects non-leaf and duplicate parameters, naming the optimizer', async () => {
    await wg.scope(async () => {
      const m = new MLP(2, 3, 1);
      const nonLeaf = m.fc1.weight.mul(2);
      expect(() => new wg.optim.SGD([nonLeaf], { lr: 0.1 })).toThrow(/SGD: parameter 0 of group 0 \(shape \[3, 2\]\) is not a leaf/);
      expect(() => new wg.optim.Adam([...m.parameters(), m.fc1.weight], { lr: 0.1 })).toThrow(/Adam: parameter 4 of group 0 \(shape \[3, 2\]\) appears more than once/);
      expect(() => new wg.optim.SGD([], { lr: 0.1 })).toThrow(wg.WebGradError);
      m.dispose();
    });
  });
});

describe('anomaly detection', () => {
  it('names the op that first produced NaN/Inf in forward, with no readback until checked', async () => {
    await wg.scope(async () => {
      wg.detectAnomaly(true);
      try {
        expect(wg.isAnomalyEnabled()).toBe(true);
        const x = wg.tensor([1, -1, 2], { requiresGrad: true });
        const r0 = wg.stats().readbacks;
        const y = x.mul(3).log().mul(2).exp().sum();
        expect(wg.stats().readbacks).toBe(r0);
        await expect(wg.checkAnomaly()).rejects.toThrow(/detectAnomaly: log produced NaN\/Inf in forward; output \[3\]/);
        // Once reported, the state is reset.
        await wg.checkAnomaly();
        y.dispose();
        const ok = x.add(1).square().sum();
        ok.backward();
        await wg.checkAnomaly();
      } finally {
        wg.detectAnomaly(false);
      }
    });
  });

  it('names the op in backward and the op whose gradient was being computed', async () => {
    await wg.scope(async () => {
      const x = wg.tensor([0, 1, 4], { requiresGrad: true });
      await expect(
        wg.withAnomaly(() => {
          // sqrt(0) = 0 is fine in forward; its gradient 1 / (2 sqrt(0)) is not.
          x.sqrt().sum().backward();
        }),
      ).rejects.toThrow(/produced NaN\/Inf in backward \(computing the gradient of sqrt\)/);
      expect(wg.isAnomalyEnabled()).toBe(false);
    });
  });

  it('a NaN loss in a training step is traced to its op; clean code passes and detection can be switched off', async () => {
    await wg.scope(async () => {
      const m = new MLP(2, 4, 1);
      const x = wg.randn([8, 2]);
      const y = wg.rand([8, 1]);
      // A probability above 1 makes BCE's log(1 - p) NaN.
      await expect(wg.withAnomaly(() => nn.F.binaryCrossEntropy(m(x).sigmoid().mul(2), y).backward())).rejects.toThrow(/detectAnomaly: log produced NaN\/Inf in forward/);
      const loss = await wg.withAnomaly(async () => {
        const l = nn.F.mseLoss(m(x), y);
        l.backward();
        return l.item();
      });
      expect(Number.isFinite(loss)).toBe(true);
      // Off again: no hook, the rule table restored.
      const d0 = wg.stats().dispatches;
      wg.tensor([-1]).log().dispose();
      expect(wg.stats().dispatches - d0).toBeLessThanOrEqual(1);
      m.dispose();
    });
  });
});
