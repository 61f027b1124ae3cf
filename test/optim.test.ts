// Optimizers, schedulers and clipping against the float64 references in test/reference/optim.ts.
// The problem is f(w) = sum_k sum(a_k * (w_k - b_k)^2) over parameters of awkward shapes (0-d, a prime
// length, a 2-D block not a multiple of any tile); the GPU side gets its gradients from autograd each
// step, the reference from 2a(w - b) in float64. Trajectories compare with rtol 2e-4, atol 2e-5:
// float32 updates drift from float64 by a few ulps per step over 20 steps.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { AdaGradRef, AdamRef, clipGradNormRef, clipGradValueRef, plateauRef, RMSPropRef, schedules, SGDRef, type RefOptimizer } from './reference/optim.ts';

const TOL = { rtol: 2e-4, atol: 2e-5 };
const SHAPES = [[], [7], [13, 11]];
type Opt = wg.optim.Optimizer<any>;

const gpu = (r: Ref, requiresGrad = false) => wg.tensor(Float32Array.from(r.data), { shape: r.shape, requiresGrad });

interface Problem {
  ps: wg.Tensor[];
  ref: Float64Array[];
  a: Ref[];
  b: Ref[];
  at: wg.Tensor[];
  bt: wg.Tensor[];
}

function problem(shapes: number[][] = SHAPES, seed = 0): Problem {
  const init = shapes.map((s, i) => randomRef(s, seed + 10 + i));
  const a = shapes.map((s, i) => randomRef(s, seed + 20 + i, 0.5, 2));
  const b = shapes.map((s, i) => randomRef(s, seed + 30 + i));
  return { ps: init.map((r) => gpu(r, true)), ref: init.map((r) => r.data.slice()), a, b, at: a.map((r) => gpu(r)), bt: b.map((r) => gpu(r)) };
}

/** Forward and backward of f on the GPU (inside tidy: only the leaves' .grad survive). */
function backward(P: Problem, only?: number[]): void {
  wg.tidy(() => {
    let loss: wg.Tensor | null = null;
    P.ps.forEach((p, k) => {
      if (only && !only.includes(k)) return;
      const term = P.at[k]!.mul(p.sub(P.bt[k]!).square()).sum();
      loss = loss ? loss.add(term) : term;
    });
    loss!.backward();
  });
}

function refGrads(P: Problem, only?: number[]): (Float64Array | null)[] {
  return P.ref.map((w, k) => (only && !only.includes(k) ? null : w.map((v, j) => 2 * P.a[k]!.data[j]! * (v - P.b[k]!.data[j]!))));
}

async function expectParams(P: Problem, label: string, tol = TOL): Promise<void> {
  for (let k = 0; k < P.ps.length; k++) assertClose(await P.ps[k]!.data(), P.ref[k]!, tol, `${label}, parameter ${k}`);
}

function train(P: Problem, opt: Opt): void {
  opt.zeroGrad();
  backward(P);
  opt.step();
}

async function run(P: Problem, opt: Opt, ref: RefOptimizer, steps = 20, label = ''): Promise<void> {
  for (let t = 0; t < steps; t++) {
    train(P, opt);
    ref.step(P.ref, refGrads(P));
  }
  await expectParams(P, label);
}

function dispose(P: Problem, opt?: Opt): void {
  opt?.dispose();
  for (const t of [...P.ps, ...P.at, ...P.bt]) t.dispose();
}

describe('optimizers follow torch trajectories (20 steps)', () => {
  const sgd: [string, Partial<wg.optim.SGDOptions>][] = [
    ['plain', { lr: 0.05 }],
    ['weight decay', { lr: 0.05, weightDecay: 0.1 }],
    ['momentum', { lr: 0.05, momentum: 0.9 }],
    ['momentum + dampening', { lr: 0.05, momentum: 0.9, dampening: 0.3 }],
    ['nesterov + weight decay', { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.05 }],
    ['maximize', { lr: 0.01, momentum: 0.5, maximize: true }],
  ];
  it.each(sgd)('SGD %s', async (label, o) => {
    const P = problem();
    const opt = new wg.optim.SGD(P.ps, o);
    await run(P, opt, new SGDRef({ lr: 0.001, ...o }), 20, label);
    dispose(P, opt);
  });

  const adagrad: [string, Partial<wg.optim.AdaGradOptions>][] = [
    ['defaults', { lr: 0.1 }],
    ['lrDecay + weightDecay + initial accumulator', { lr: 0.1, lrDecay: 0.05, weightDecay: 0.1, initialAccumulatorValue: 0.5, eps: 1e-6 }],
  ];
  it.each(adagrad)('AdaGrad %s', async (label, o) => {
    const P = problem();
    const opt = new wg.optim.AdaGrad(P.ps, o);
    await run(P, opt, new AdaGradRef({ lr: 0.01, ...o }), 20, label);
    dispose(P, opt);
  });

  const rms: [string, Partial<wg.optim.RMSPropOptions>][] = [
    ['plain', { lr: 0.01 }],
    ['momentum', { lr: 0.01, momentum: 0.9 }],
    ['centered', { lr: 0.01, centered: true, alpha: 0.9 }],
    ['centered + momentum + weight decay', { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.1, eps: 1e-5 }],
  ];
  it.each(rms)('RMSProp %s', async (label, o) => {
    const P = problem();
    const opt = new wg.optim.RMSProp(P.ps, o);
    await run(P, opt, new RMSPropRef({ lr: 0.01, ...o }), 20, label);
    dispose(P, opt);
  });

  const adam: [string, Partial<wg.optim.AdamOptions>, boolean][] = [
    ['Adam', { lr: 0.05 }, false],
    ['Adam betas + eps + weight decay', { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }, false],
    ['Adam amsgrad', { lr: 0.05, amsgrad: true }, false],
    ['Adam maximize', { lr: 0.01, maximize: true }, false],
    ['AdamW', { lr: 0.05 }, true],
    ['AdamW amsgrad + weight decay 0.3', { lr: 0.05, amsgrad: true, weightDecay: 0.3 }, true],
  ];
  it.each(adam)('%s', async (label, o, w) => {
    const P = problem();
    const opt = w ? new wg.optim.AdamW(P.ps, o) : new wg.optim.Adam(P.ps, o);
    await run(P, opt, new AdamRef({ lr: 0.001, weightDecay: w ? 0.01 : 0, ...o, decoupled: w }), 20, label);
    dispose(P, opt);
  });
});

describe('optimizer mechanics', () => {
  it('param groups with different lrs and options; params without a grad are skipped', async () => {
    const P = problem();
    const opt = new wg.optim.Adam([{ params: [P.ps[0]!, P.ps[1]!] }, { params: P.ps[2]!, lr: 0.2, amsgrad: true }], { lr: 0.02 });
    expect(opt.paramGroups.map((g) => [g.lr, g.amsgrad, g.betas])).toEqual([[0.02, false, [0.9, 0.999]], [0.2, true, [0.9, 0.999]]]);
    const r1 = new AdamRef({ lr: 0.02 });
    const r2 = new AdamRef({ lr: 0.2, amsgrad: true });
    for (let t = 0; t < 10; t++) {
      // Parameter 1 gets no gradient on odd steps: it must neither move nor count a step.
      const only = t % 2 ? [0, 2] : undefined;
      opt.zeroGrad();
      backward(P, only);
      opt.step();
      const g = refGrads(P, only);
      r1.step(P.ref.slice(0, 2), g.slice(0, 2));
      r2.step(P.ref.slice(2), g.slice(2));
    }
    await expectParams(P, 'groups');
    expect(opt.state.get(P.ps[1]!)!.step).toBe(5);
    expect(opt.state.get(P.ps[0]!)!.step).toBe(10);
    dispose(P, opt);
  });

  it('updates the parameter storage in place and leaves the gradient alone', async () => {
    const P = problem([[5]]);
    const p = P.ps[0]!;
    const opt = new wg.optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    backward(P);
    const buffer = p.buffer;
    const grad = p.grad!;
    const before = Array.from(await grad.data());
    opt.step();
    expect(p.buffer).toBe(buffer);
    expect(p.grad).toBe(grad);
    expect(Array.from(await grad.data())).toEqual(before);
    dispose(P, opt);
    // A parameter at an offset in its storage (a contiguous slice) updates just its part of the buffer.
    const base = randomRef([4, 9], 3);
    const all = gpu(base);
    const q = all.slice(0, 1, 3).requiresGrad_();
    expect(q.offset).toBe(9);
    const sgd = new wg.optim.SGD([q], { lr: 0.5 });
    q.grad = wg.onesLike(q);
    sgd.step();
    assertClose(await all.data(), base.data.map((v, i) => (i >= 9 && i < 27 ? v - 0.5 : v)), { rtol: 1e-6 });
    for (const x of [sgd, q, all]) x.dispose();
  });

  it('non-contiguous and broadcast gradients are read through their strides', async () => {
    const pr = randomRef([3, 5], 4);
    const gr = randomRef([5, 3], 5);
    const p = gpu(pr, true);
    const q = gpu(randomRef([3, 5], 6), true);
    const opt = new wg.optim.SGD([p, q], { lr: 0.1, momentum: 0.9 });
    p.grad = gpu(gr).transpose(0, 1);
    q.grad = wg.tensor([[2], [3], [4]]).expand([3, 5]);
    opt.step();
    const want = pr.data.map((v, i) => v - 0.1 * gr.data[(i % 5) * 3 + Math.floor(i / 5)]!);
    assertClose(await p.data(), want, { rtol: 1e-6 });
    assertClose(await (opt.state.get(q)!.momentumBuffer as wg.Tensor).data(), [2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]);
    for (const x of [opt, p, q]) x.dispose();
  });

  it('zeroGrad sets grads to null by default and zeroes them in place with {setToNone: false}', async () => {
    const P = problem();
    const opt = new wg.optim.SGD(P.ps, { lr: 0.1 });
    backward(P);
    const g = P.ps[2]!.grad!;
    const buf = g.buffer;
    opt.zeroGrad({ setToNone: false });
    expect(P.ps[2]!.grad).toBe(g);
    expect(g.buffer).toBe(buf);
    for (const p of P.ps) expect(Array.from(await p.grad!.data()).every((v) => v === 0)).toBe(true);
    opt.zeroGrad();
    expect(g.isDisposed).toBe(true);
    for (const p of P.ps) expect(p.grad).toBeNull();
    opt.step(); // nothing to do without grads
    dispose(P, opt);
  });

  it('step(closure) re-evaluates the loss with gradients enabled and returns it', async () => {
    const P = problem([[3]]);
    const opt = new wg.optim.SGD(P.ps, { lr: 0.1 });
    const ref = new SGDRef({ lr: 0.1 });
    const loss = wg.noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = P.at[0]!.mul(P.ps[0]!.sub(P.bt[0]!).square()).sum();
        l.backward();
        return l;
      }),
    );
    ref.step(P.ref, refGrads(P));
    expect(loss).toBeInstanceOf(wg.Tensor);
    loss!.dispose();
    await expectParams(P, 'closure');
    dispose(P, opt);
  });

  it.each([
    ['SGD momentum', (ps: wg.Tensor[]) => new wg.optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
    ['RMSProp centered + momentum', (ps: wg.Tensor[]) => new wg.optim.RMSProp(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
    ['AdaGrad', (ps: wg.Tensor[]) => new wg.optim.AdaGrad(ps, { lr: 0.1, lrDecay: 0.01 })],
    ['Adam amsgrad', (ps: wg.Tensor[]) => new wg.optim.Adam(ps, { lr: 0.05, amsgrad: true })],
  ] as const)('stateDict round trip (%s): save, load into a new optimizer, continue = uninterrupted', async (_label, make) => {
    const A = problem();
    const B = problem();
    const a = make(A.ps);
    for (let t = 0; t < 5; t++) train(A, a);
    const sd = a.stateDict();
    // The second optimizer's parameters are copies of the first's at step 5; its state comes from the
    // dict, half from tensors and half from plain numbers (as after serialization).
    for (let k = 0; k < A.ps.length; k++) {
      B.ps[k]!.dispose();
      B.ps[k] = gpu({ data: Float64Array.from(await A.ps[k]!.data()), shape: SHAPES[k]! }, true);
    }
    const b = make(B.ps);
    for (const [i, entry] of Object.entries(sd.state))
      if (Number(i) % 2) for (const k of Object.keys(entry)) if (entry[k] instanceof wg.Tensor) entry[k] = Array.from(await (entry[k] as wg.Tensor).data());
    b.loadStateDict(sd);
    expect(b.state.get(B.ps[1]!)!.step).toBe(5);
    for (let t = 0; t < 5; t++) (train(A, a), train(B, b));
    for (let k = 0; k < A.ps.length; k++) assertClose(await B.ps[k]!.data(), await A.ps[k]!.data(), { rtol: 0, atol: 0 }, `parameter ${k}`);
    for (const entry of Object.values(sd.state)) for (const v of Object.values(entry)) if (v instanceof wg.Tensor) v.dispose();
    dispose(A, a);
    dispose(B, b);
  });

  it('optimizer state is kept out of scopes and freed by dispose()', async () => {
    const P = problem();
    let kept!: wg.optim.Adam;
    wg.tidy(() => {
      kept = new wg.optim.Adam(P.ps, { lr: 0.01, amsgrad: true });
      backward(P);
      kept.step();
    });
    const st = kept.state.get(P.ps[1]!)!;
    expect((st.expAvg as wg.Tensor).isDisposed).toBe(false);
    expect(Array.from(await (st.expAvg as wg.Tensor).data()).some((v) => v !== 0)).toBe(true);
    const before = wg.stats().liveBuffers;
    kept.dispose();
    expect((st.expAvg as wg.Tensor).isDisposed).toBe(true);
    // One packed state storage per parameter.
    expect(before - wg.stats().liveBuffers).toBe(P.ps.length);
    expect(() => kept.step()).toThrow(/Adam\.step: this optimizer was disposed/);
    dispose(P);
  });

  it('changing lr between steps compiles no pipeline', async () => {
    const P = problem();
    const opts: Opt[] = [
      new wg.optim.SGD(P.ps, { lr: 0.1, momentum: 0.9 }),
      new wg.optim.NoisySGD(P.ps, { lr: 0.1 }),
      new wg.optim.AdaGrad(P.ps),
      new wg.optim.RMSProp(P.ps, { centered: true }),
      new wg.optim.AdamW(P.ps, { amsgrad: true }),
    ];
    const sched = new wg.optim.CosineAnnealingLR(opts[4]!, { tMax: 3 });
    const all = () => {
      opts.forEach((o) => o.step());
      sched.step();
    };
    backward(P);
    all();
    const compiled = wg.stats().pipelinesCompiled;
    for (let t = 0; t < 4; t++) {
      opts.forEach((o) => o.paramGroups.forEach((g) => (g.lr = 0.01 * (t + 2))));
      opts[0]!.paramGroups[0]!.momentum = 0.5 + t / 10;
      all();
    }
    await P.ps[0]!.data();
    expect(wg.stats().pipelinesCompiled).toBe(compiled);
    opts.forEach((o) => o.dispose());
    dispose(P);
  });

  it('NaN and Inf gradients propagate as in torch', async () => {
    const pr = randomRef([6], 7);
    const g = Float64Array.from([NaN, Infinity, -Infinity, 1, -2, 0.5]);
    for (const [make, ref] of [
      [(ps: wg.Tensor[]) => new wg.optim.SGD(ps, { lr: 0.1, momentum: 0.9 }), new SGDRef({ lr: 0.1, momentum: 0.9 })],
      [(ps: wg.Tensor[]) => new wg.optim.Adam(ps, { lr: 0.1, amsgrad: true }), new AdamRef({ lr: 0.1, amsgrad: true })],
      [(ps: wg.Tensor[]) => new wg.optim.RMSProp(ps, { lr: 0.1, centered: true }), new RMSPropRef({ lr: 0.1, centered: true })],
    ] as const) {
      const p = gpu(pr, true);
      const opt = make([p]);
      const want = [pr.data.slice()];
      for (let t = 0; t < 2; t++) {
        p.grad = wg.tensor(Float32Array.from(g));
        opt.step();
        ref.step(want, [g]);
      }
      assertClose(await p.data(), want[0]!, TOL, opt.name);
      opt.dispose();
      p.dispose();
    }
  });

  it('dispatches a parameter of 2^24 + 256 elements over more than 65,535 workgroups', async () => {
    const n = 2 ** 24 + 256;
    const p = wg.zeros([n], { requiresGrad: true });
    p.grad = wg.arange(0, n, 1, { dtype: 'float32' });
    expect(wg.device().grid(Math.ceil(n / 256))[1]).toBeGreaterThan(1);
    const opt = new wg.optim.SGD([p], { lr: 1 });
    opt.step();
    const tail = Array.from(await p.slice(0, n - 3).data());
    expect(tail).toEqual([n - 3, n - 2, n - 1].map((i) => -Math.fround(i)));
    expect((await p.slice(0, 0, 2).data())[1]).toBe(-1);
    opt.dispose();
    p.dispose();
  });

  it('a 200-step training loop inside tidy keeps liveBuffers constant and reads nothing back', async () => {
    const P = problem();
    const opt = new wg.optim.Adam(P.ps, { lr: 0.01, amsgrad: true });
    let live10 = -1;
    const reads = wg.stats().readbacks;
    for (let t = 1; t <= 200; t++) {
      wg.tidy(() => {
        opt.zeroGrad();
        backward(P);
        wg.optim.clipGradNorm(P.ps, 1.0);
        opt.step();
      });
      if (t === 10) live10 = wg.stats().liveBuffers;
    }
    expect(wg.stats().liveBuffers).toBe(live10);
    expect(wg.stats().readbacks).toBe(reads);
    dispose(P, opt);
  });
});

describe('bad input throws a WebGradError before any GPU work', () => {
  it.each([
    ['a non-leaf parameter', () => { const x = wg.ones([2], { requiresGrad: true }); return new wg.optim.SGD([x.mul(2)]); }, /SGD: parameter 0 of group 0 .* is not a leaf/],
    ['a parameter without requiresGrad', () => new wg.optim.Adam([wg.ones([2])]), /Adam: .*does not require grad/],
    ['an int parameter', () => new wg.optim.Adam([wg.ones([2], { dtype: 'int32' })]), /only float32/],
    ['a transposed parameter', () => new wg.optim.Adam([wg.ones([2, 3]).transpose(0, 1).requiresGrad_()]), /not contiguous/],
    ['a repeated parameter', () => { const x = wg.ones([2], { requiresGrad: true }); return new wg.optim.SGD([{ params: [x] }, { params: [x] }]); }, /appears more than once/],
    ['an empty list', () => new wg.optim.SGD([]), /empty parameter list/],
    ['a negative lr', () => new wg.optim.SGD([wg.ones([2], { requiresGrad: true })], { lr: -1 }), /lr must be a finite number >= 0, got -1/],
    ['betas out of range', () => new wg.optim.Adam([wg.ones([2], { requiresGrad: true })], { betas: [0.9, 1] }), /betas must be two numbers in \[0, 1\)/],
    ['nesterov without momentum', () => new wg.optim.SGD([wg.ones([2], { requiresGrad: true })], { nesterov: true }), /nesterov needs momentum > 0/],
    ['a NaN eta', () => new wg.optim.NoisySGD([wg.ones([2], { requiresGrad: true })], { eta: NaN }), /eta must be/],
  ])('%s', (_label, make, msg) => {
    wg.tidy(() => {
      expect(make).toThrow(wg.WebGradError);
      expect(make).toThrow(msg);
    });
  });

  it('a gradient of the wrong shape, an lr set to NaN, and mismatched state dicts', async () => {
    const p = wg.ones([3], { requiresGrad: true });
    const q = wg.ones([2], { requiresGrad: true });
    const opt = new wg.optim.Adam([p, q]);
    q.grad = wg.ones([2]);
    p.grad = wg.ones([4]);
    let d0 = wg.stats().dispatches;
    expect(() => opt.step()).toThrow(/Adam\.step: the gradient \[4\] float32 does not match its parameter \[3\]/);
    expect(wg.stats().dispatches).toBe(d0);
    p.grad = wg.ones([3]);
    opt.paramGroups[0]!.lr = NaN;
    d0 = wg.stats().dispatches;
    expect(() => opt.step()).toThrow(/lr must be a finite number/);
    expect(wg.stats().dispatches).toBe(d0);
    opt.paramGroups[0]!.lr = 0.1;
    opt.step();
    const sd = opt.stateDict();
    const other = new wg.optim.Adam([q, p]);
    expect(() => other.loadStateDict(sd)).toThrow(/state 0 'expAvg' has 3 elements but its parameter \[2\] has 2/);
    const one = new wg.optim.Adam([p]);
    expect(() => one.loadStateDict(sd)).toThrow(/group 0 has 2 parameters in the state dict and 1 here/);
    const sgd = new wg.optim.SGD([p, q]);
    expect(() => sgd.loadStateDict(sd)).toThrow(/has 'expAvg', which SGD does not keep/);
    const amsgrad = new wg.optim.Adam([p, q], { amsgrad: false });
    amsgrad.step();
    amsgrad.paramGroups[0]!.amsgrad = true;
    expect(() => amsgrad.step()).toThrow(/lacks maxExpAvgSq/);
    for (const o of [opt, other, one, sgd, amsgrad]) o.dispose();
  });

  it('clipping and scheduler arguments', () => {
    const p = wg.ones([2], { requiresGrad: true });
    expect(() => wg.optim.clipGradNorm([p], -1)).toThrow(/clipGradNorm: maxNorm must be a number >= 0/);
    expect(() => wg.optim.clipGradNorm([p], 1, 0)).toThrow(/normType must be a number > 0 or 'inf'/);
    expect(() => wg.optim.clipGradValue([p], NaN)).toThrow(/clipValue must be a number >= 0/);
    p.grad = wg.ones([2, 2]).slice(1, 0, 1).squeeze(1);
    expect(() => wg.optim.clipGradNorm([p], 1)).toThrow(/must be contiguous float32 to be scaled in place/);
    const opt = new wg.optim.SGD([p]);
    expect(() => opt.zeroGrad({ setToNone: false })).toThrow(/zeroGrad: the gradient .* cannot be zeroed in place/);
    expect(() => new wg.optim.StepLR(opt, { stepSize: 0 })).toThrow(/StepLR: stepSize must be a positive integer/);
    expect(() => new wg.optim.CosineAnnealingLR(opt, { tMax: 1, lastEpoch: 3 })).toThrow(/needs initialLr/);
    expect(opt.paramGroups[0]!.initialLr).toBeUndefined();
    expect(() => new wg.optim.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor must be in \[0, 1\)/);
    expect(() => new wg.optim.ReduceLROnPlateau(opt).step(wg.ones([]) as unknown as number)).toThrow(/the metric must be a number/);
    opt.dispose();
  });
});

describe('schedulers follow torch (20 epochs, driving SGD)', () => {
  const cases: [string, (o: Opt) => { step(): void; getLastLr(): number[] }, (e: number) => number][] = [
    ['StepLR', (o) => new wg.optim.StepLR(o, { stepSize: 3, gamma: 0.5 }), schedules.step(0.1, 3, 0.5)],
    ['ExponentialLR', (o) => new wg.optim.ExponentialLR(o, { gamma: 0.9 }), schedules.exponential(0.1, 0.9)],
    ['CosineAnnealingLR (past tMax: it rises again)', (o) => new wg.optim.CosineAnnealingLR(o, { tMax: 7, etaMin: 0.01 }), schedules.cosine(0.1, 7, 0.01)],
    ['LinearWarmup', (o) => new wg.optim.LinearWarmup(o, { startFactor: 0.25, warmupSteps: 6 }), schedules.linear(0.1, 0.25, 1, 6)],
  ];
  it.each(cases)('%s', async (_label, make, lrAt) => {
    const P = problem();
    const opt = new wg.optim.SGD(P.ps, { lr: 0.1, momentum: 0.5 });
    const ref = new SGDRef({ lr: 0.1, momentum: 0.5 });
    const sched = make(opt);
    const lrs: number[] = [];
    for (let e = 0; e < 20; e++) {
      lrs.push(opt.paramGroups[0]!.lr);
      ref.o.lr = lrAt(e);
      train(P, opt);
      ref.step(P.ref, refGrads(P));
      sched.step();
      expect(sched.getLastLr()).toEqual([opt.paramGroups[0]!.lr]);
    }
    assertClose(lrs, Array.from({ length: 20 }, (_, e) => lrAt(e)), { rtol: 1e-12, atol: 1e-15 });
    await expectParams(P, 'scheduled SGD');
    dispose(P, opt);
  });

  it('each group is scheduled from its own base lr', () => {
    const a = wg.ones([2], { requiresGrad: true });
    const b = wg.ones([2], { requiresGrad: true });
    const opt = new wg.optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    const s = new wg.optim.StepLR(opt, { stepSize: 2, gamma: 0.1 });
    for (let e = 0; e < 4; e++) s.step();
    assertClose(s.getLastLr(), [0.001, 0.01], { rtol: 1e-12 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 1]);
    opt.dispose();
  });

  it.each([
    ['min, rel, cooldown', { mode: 'min', factor: 0.5, patience: 2, threshold: 0.01, thresholdMode: 'rel', cooldown: 2, minLr: 0.004 }],
    ['max, abs', { mode: 'max', factor: 0.3, patience: 1, threshold: 0.05, thresholdMode: 'abs', cooldown: 0, minLr: 0 }],
  ] as const)('ReduceLROnPlateau %s', (_label, o) => {
    const metrics = [5, 4, 4.5, 4.2, 4.1, 3, 3, 3.2, 3.1, 3.0, 3.05, 2, 2.5, 2.4, 2.6, 2.7, 2.8, 2.9, 3, 3.1];
    const p = wg.ones([2], { requiresGrad: true });
    const opt = new wg.optim.SGD([p], { lr: 0.1 });
    const s = new wg.optim.ReduceLROnPlateau(opt, { ...o });
    const got = metrics.map((m) => (s.step(m), s.getLastLr()[0]!));
    const want = plateauRef(0.1, metrics, o);
    expect(new Set(want).size).toBeGreaterThan(2);
    assertClose(got, want, { rtol: 1e-12 });
    opt.dispose();
  });
});

describe('gradient clipping on the GPU', () => {
  const grads = () => [randomRef([], 40, -3, 3), randomRef([7], 41, -3, 3), randomRef([13, 11], 42, -3, 3)];
  const withGrads = (gs: Ref[]) =>
    gs.map((g) => {
      const p = wg.zeros(g.shape, { requiresGrad: true });
      p.grad = gpu(g);
      return p;
    });

  it.each([
    [2, 1.0],
    [1, 5.0],
    ['inf', 1.5],
    [3, 2.0],
    [2, 1e6],
  ] as const)('clipGradNorm p=%s maxNorm=%s matches torch with 0 readbacks', async (p, maxNorm) => {
    const gs = grads();
    const ps = withGrads(gs);
    const skipped = wg.zeros([3], { requiresGrad: true });
    const reads = wg.stats().readbacks;
    const total = wg.optim.clipGradNorm([...ps, skipped], maxNorm, p);
    expect(wg.stats().readbacks).toBe(reads);
    expect(total.shape).toEqual([]);
    const want = clipGradNormRef(gs.map((g) => g.data), maxNorm, p === 'inf' ? Infinity : p);
    assertClose([await total.item()], [want.total], { rtol: 1e-5 });
    for (let k = 0; k < ps.length; k++) assertClose(await ps[k]!.grad!.data(), want.grads[k]!, { rtol: 1e-5, atol: 1e-6 }, `grad ${k}`);
    expect(skipped.grad).toBeNull();
    for (const t of [...ps, skipped, total]) t.dispose();
  });

  it('clipGradNorm with a NaN or an infinite gradient behaves as torch', async () => {
    for (const bad of [NaN, Infinity]) {
      const gs = grads();
      gs[1]!.data[3] = bad;
      const ps = withGrads(gs);
      const total = wg.optim.clipGradNorm(ps, 1);
      const want = clipGradNormRef(gs.map((g) => g.data), 1, 2);
      assertClose([await total.item()], [want.total]);
      for (let k = 0; k < ps.length; k++) assertClose(await ps[k]!.grad!.data(), want.grads[k]!, { rtol: 1e-5, atol: 1e-6 }, `grad ${k} with ${bad}`);
      for (const t of [...ps, total]) t.dispose();
    }
  });

  it('clipGradNorm without gradients returns 0; clipGradValue clamps in place keeping NaN', async () => {
    const none = wg.optim.clipGradNorm([wg.zeros([2], { requiresGrad: true })], 1);
    expect(await none.item()).toBe(0);
    const gs = grads();
    gs[2]!.data[5] = NaN;
    gs[2]!.data[6] = -Infinity;
    const ps = withGrads(gs);
    const g2 = ps[2]!.grad!;
    wg.optim.clipGradValue(ps, 0.75);
    expect(ps[2]!.grad).toBe(g2);
    const want = clipGradValueRef(gs.map((g) => g.data), 0.75);
    for (let k = 0; k < ps.length; k++) assertClose(await ps[k]!.grad!.data(), want[k]!, { rtol: 0, atol: 0 }, `grad ${k}`);
  });
});

describe('NoisySGD (annealed Gaussian gradient noise)', () => {
  it('draws the noise of wg.randn at the same stream position, reproducibly under manualSeed', async () => {
    const n = 1000;
    const run = async () => {
      wg.manualSeed(1234);
      const p = wg.zeros([n], { requiresGrad: true });
      p.grad = wg.zeros([n]);
      const opt = new wg.optim.NoisySGD([p], { lr: 1, eta: 0.25, gamma: 0.55 });
      opt.step();
      const first = Float64Array.from(await p.data());
      opt.step();
      const second = Float64Array.from(await p.data());
      opt.dispose();
      p.dispose();
      return { first, second };
    };
    const a = await run();
    const b = await run();
    expect(Array.from(b.first)).toEqual(Array.from(a.first));
    expect(Array.from(b.second)).toEqual(Array.from(a.second));
    wg.manualSeed(1234);
    const z = await wg.randn([2 * n]).data();
    // Step 0 has sigma^2 = eta; step 1 has eta / 2^gamma; each step takes n stream positions.
    const s0 = Math.sqrt(0.25);
    const s1 = Math.sqrt(0.25 / 2 ** 0.55);
    assertClose(a.first, Array.from(z.subarray(0, n), (v) => -s0 * v), { rtol: 1e-5, atol: 1e-6 });
    assertClose(a.second, Array.from(a.first, (v, i) => v - s1 * z[n + i]!), { rtol: 1e-5, atol: 1e-6 });
  });

  it('noise variance anneals as eta / (1 + t)^gamma (statistical check over 2^16 elements)', async () => {
    wg.manualSeed(99);
    const n = 1 << 16;
    const eta = 0.5;
    const gamma = 0.7;
    const p = wg.zeros([n], { requiresGrad: true });
    p.grad = wg.zeros([n]);
    const opt = new wg.optim.NoisySGD([p], { lr: 1, eta, gamma });
    let prev = new Float64Array(n);
    for (let t = 0; t < 12; t++) {
      opt.step();
      const cur = Float64Array.from(await p.data());
      if (t % 3 === 0 || t === 11) {
        let mean = 0;
        let sq = 0;
        for (let i = 0; i < n; i++) {
          const d = cur[i]! - prev[i]!;
          mean += d;
          sq += d * d;
        }
        mean /= n;
        const variance = sq / n - mean * mean;
        const want = eta / (1 + t) ** gamma;
        // The sample variance of 2^16 normals has a relative standard error of sqrt(2 / n) = 0.55%.
        expect(Math.abs(variance / want - 1)).toBeLessThan(0.03);
        expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(want / n));
      }
      prev = cur;
    }
    opt.dispose();
    p.dispose();
  });

  it('with eta = 0 it is SGD (momentum, weight decay) exactly', async () => {
    const P = problem();
    const opt = new wg.optim.NoisySGD(P.ps, { lr: 0.05, momentum: 0.9, weightDecay: 0.1, eta: 0 });
    await run(P, opt, new SGDRef({ lr: 0.05, momentum: 0.9, weightDecay: 0.1 }), 10, 'eta 0');
    dispose(P, opt);
  });
});
