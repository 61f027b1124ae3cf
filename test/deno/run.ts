// The Deno run: a plain script (no test framework) that checks webgrad's source under Deno's own WebGPU
// against float64 CPU references. Run it with
//   deno run --unstable-webgpu -A test/deno/run.ts [filter]
// after `node scripts/embed-shaders.mjs`. It prints one line per check, then `deno: N passed, M failed`
// and a machine-readable `DENO_RESULT {...}` line for scripts/test.sh, and exits non-zero on any failure.
// An op that does not exist yet is a FAILED check saying so, never a silent skip.
import * as wg from '../../src/index.ts';
import { map } from '../../src/kernels/index.ts';
import { assertClose, broadcastMap, randomRef, type Ref, type Tolerance } from '../reference/index.ts';
import { gradcheck } from '../reference/gradcheck.ts';
import { conv2dRef, matmulRef, maxRef, permuteRef, softmaxRef, sumRef } from './ref.ts';
import { batchNormRef, batchNormTrainRef, runningStatsRef } from '../reference/norm.ts';
import { conv2dInputGradRef, conv2dWeightGradRef } from '../reference/conv.ts';
import { flatCat, recurrentParamShapes, recurrentRef } from '../reference/recurrent.ts';

const Deno = (globalThis as any).Deno;
const W = wg as any;
type T = wg.Tensor;

class Missing extends Error {}

/** `wg.name`, or a Missing error saying that the export does not exist yet. */
function fn(name: string): (...args: any[]) => any {
  const f = W[name];
  if (typeof f !== 'function') throw new Missing(`wg.${name} is not implemented yet (no such export in src/index.ts)`);
  return f;
}

/** `t.name` bound to t, or a Missing error saying the Tensor method does not exist yet. */
function method(t: T, name: string): (...args: any[]) => any {
  const f = (t as any)[name];
  if (typeof f !== 'function') throw new Missing(`Tensor.prototype.${name} is not implemented yet`);
  return f.bind(t);
}

/** Ops like max(axis) may return a tensor or {values, indices}/[values, indices]. */
function valuesOf(r: any): T {
  if (r instanceof wg.Tensor) return r;
  if (r && r.values instanceof wg.Tensor) return r.values;
  if (Array.isArray(r) && r[0] instanceof wg.Tensor) return r[0];
  throw new Error(`expected a Tensor, got ${Object.prototype.toString.call(r)}`);
}

const up = (r: Ref): T => wg.tensor(Float32Array.from(r.data), { shape: r.shape });

async function expectRef(got: unknown, want: Ref, tol: Tolerance = {}, label = 'values'): Promise<void> {
  const t = valuesOf(got);
  if (JSON.stringify(t.shape) !== JSON.stringify(want.shape)) throw new Error(`${label}: shape ${JSON.stringify(t.shape)}, want ${JSON.stringify(want.shape)}`);
  assertClose(await t.data(), want, tol, label);
}

function expectEqual(got: unknown, want: unknown, label: string): void {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${label}: got ${g}, want ${w}`);
}

interface Check {
  name: string;
  run: () => Promise<void>;
}
const checks: Check[] = [];
const check = (name: string, run: () => Promise<void>) => checks.push({ name, run });

// ---- creation and views (src/tensor) ----------------------------------------------------------------

check('creation/tensor-roundtrip', async () => {
  const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
  expectEqual(t.shape, [2, 3], 'shape');
  expectEqual(t.dtype, 'float32', 'dtype');
  expectEqual(await t.toArray(), [[1, 2, 3], [4, 5, 6]], 'toArray');
  const r = randomRef([5, 7], 1);
  await expectRef(up(r), r, { rtol: 0, atol: 0 }, 'Float32Array upload');
  const i = wg.tensor(Int32Array.of(-3, 0, 7));
  expectEqual(i.dtype, 'int32', 'int dtype');
  expectEqual(Array.from(await i.data()), [-3, 0, 7], 'int32 data');
});

check('creation/arange-zeros-ones-full', async () => {
  expectEqual(await wg.arange(5).toArray(), [0, 1, 2, 3, 4], 'arange(5)');
  expectEqual(wg.arange(5).dtype, 'int32', 'arange int dtype');
  assertClose(await wg.arange(0, 1, 0.25).data(), [0, 0.25, 0.5, 0.75], {}, 'arange float');
  expectEqual(await wg.zeros([2, 2]).toArray(), [[0, 0], [0, 0]], 'zeros');
  expectEqual(await wg.ones([3]).toArray(), [1, 1, 1], 'ones');
  expectEqual(await wg.full([2], 2.5).toArray(), [2.5, 2.5], 'full');
  expectEqual(await wg.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]], 'eye');
});

check('creation/random', async () => {
  wg.manualSeed(42);
  const n = 8192;
  const a = Array.from(await wg.randn([n]).data());
  const mean = a.reduce((s, v) => s + v, 0) / n;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  if (Math.abs(mean) > 0.05 || Math.abs(std - 1) > 0.05) throw new Error(`randn moments: mean ${mean}, std ${std}`);
  wg.manualSeed(42);
  const b = Array.from(await wg.randn([n]).data());
  if (a.some((v, i) => v !== b[i])) throw new Error('randn is not reproducible after manualSeed(42)');
  const u = Array.from(await wg.rand([n]).data());
  if (u.some((v) => !(v >= 0 && v < 1))) throw new Error('rand produced a value outside [0, 1)');
  const um = u.reduce((s, v) => s + v, 0) / n;
  if (Math.abs(um - 0.5) > 0.02) throw new Error(`rand mean ${um}`);
});

check('views/transpose-permute-slice-expand-reshape', async () => {
  const r = randomRef([2, 3, 4], 2);
  const t = up(r);
  await expectRef(wg.views.permute(t, [2, 0, 1]), permuteRef(r, [2, 0, 1]), { rtol: 0, atol: 0 }, 'permute');
  await expectRef(wg.views.transpose(t, 0, 2), permuteRef(r, [2, 1, 0]), { rtol: 0, atol: 0 }, 'transpose');
  const sl = wg.views.slice(t, 2, 1, 4, 2);
  const wantSl = Array.from({ length: 6 }, (_, i) => [r.data[i * 4 + 1]!, r.data[i * 4 + 3]!]).flat();
  await expectRef(sl, { data: Float64Array.from(wantSl), shape: [2, 3, 2] }, { rtol: 0, atol: 0 }, 'slice');
  const row = randomRef([1, 4], 3);
  const ex = wg.views.expand(up(row), [3, 4]);
  await expectRef(ex, broadcastMap((v) => v, row, { data: new Float64Array(3), shape: [3, 1] }), { rtol: 0, atol: 0 }, 'expand');
  const rs = wg.views.reshape(wg.views.transpose(t, 0, 2), [4, 6]);
  await expectRef(rs, { data: permuteRef(r, [2, 1, 0]).data, shape: [4, 6] }, { rtol: 0, atol: 0 }, 'reshape of a transpose');
});

check('kernels/map-broadcast (raw kernel)', async () => {
  const ra = randomRef([3, 1, 4], 4);
  const rb = randomRef([2, 4], 5);
  const a = up(ra);
  const b = up(rb);
  const out = wg.empty([3, 2, 4], 'float32', 'deno');
  map(out.dev, { name: 'add', expr: 'a + b', ct: 'f32' }, [wg.views.expand(a, [3, 2, 4]), wg.views.expand(b, [3, 2, 4])], out);
  await expectRef(out, broadcastMap((x, y) => x + y, ra, rb), {}, 'a + b');
});

// ---- elementwise ------------------------------------------------------------------------------------

check('elementwise/add-broadcast', async () => {
  const ra = randomRef([3, 1, 4], 6);
  const rb = randomRef([2, 4], 7);
  const want = broadcastMap((x, y) => x + y, ra, rb);
  await expectRef(fn('add')(up(ra), up(rb)), want, {}, 'wg.add(a, b)');
  await expectRef(method(up(ra), 'add')(up(rb)), want, {}, 'a.add(b)');
  await expectRef(method(up(ra), 'add')(2.5), broadcastMap((x) => x + 2.5, ra), {}, 'a.add(2.5)');
});

check('elementwise/mul-sub-broadcast', async () => {
  const ra = randomRef([4, 5], 8);
  const rb = randomRef([5], 9);
  await expectRef(fn('mul')(up(ra), up(rb)), broadcastMap((x, y) => x * y, ra, rb), {}, 'wg.mul(a, b)');
  await expectRef(method(up(ra), 'sub')(up(rb)), broadcastMap((x, y) => x - y, ra, rb), {}, 'a.sub(b)');
});

check('elementwise/exp', async () => {
  const r = randomRef([6, 33], 10, -4, 4);
  await expectRef(method(up(r), 'exp')(), broadcastMap(Math.exp, r), { rtol: 1e-5, atol: 1e-6 }, 'a.exp()');
  await expectRef(fn('exp')(up(r)), broadcastMap(Math.exp, r), { rtol: 1e-5, atol: 1e-6 }, 'wg.exp(a)');
});

check('elementwise/relu', async () => {
  const r = randomRef([7, 9], 11);
  await expectRef(method(up(r), 'relu')(), broadcastMap((x) => Math.max(x, 0), r), { rtol: 0, atol: 0 }, 'a.relu()');
  const nt = wg.views.transpose(up(randomRef([9, 7], 12)));
  const want = broadcastMap((x) => Math.max(x, 0), permuteRef(randomRef([9, 7], 12), [1, 0]));
  await expectRef(method(nt, 'relu')(), want, { rtol: 0, atol: 0 }, 'relu of a transposed view');
});

// ---- reductions -------------------------------------------------------------------------------------

check('reductions/sum', async () => {
  const r = randomRef([5, 6, 7], 13);
  await expectRef(method(up(r), 'sum')(), sumRef(r), { rtol: 1e-5, atol: 1e-4 }, 'a.sum()');
  await expectRef(method(up(r), 'sum')(1), sumRef(r, 1), { rtol: 1e-5, atol: 1e-5 }, 'a.sum(1)');
  await expectRef(method(up(r), 'sum')(0, true), sumRef(r, 0, true), { rtol: 1e-5, atol: 1e-5 }, 'a.sum(0, true)');
  await expectRef(method(up(r), 'sum')(-1), sumRef(r, -1), { rtol: 1e-5, atol: 1e-5 }, 'a.sum(-1)');
});

check('reductions/sum-large', async () => {
  const r = randomRef([200_003], 14, 0, 1);
  await expectRef(method(up(r), 'sum')(), sumRef(r), { rtol: 1e-4, atol: 1e-3 }, 'sum of 200003 values');
  const r2 = randomRef([3, 50_000], 15);
  await expectRef(method(up(r2), 'sum')(1), sumRef(r2, 1), { rtol: 1e-4, atol: 1e-3 }, 'sum(1) of [3, 50000]');
});

check('reductions/max', async () => {
  const r = randomRef([4, 9, 5], 16);
  await expectRef(method(up(r), 'max')(), maxRef(r), { rtol: 0, atol: 0 }, 'a.max()');
  await expectRef(method(up(r), 'max')(1), maxRef(r, 1), { rtol: 0, atol: 0 }, 'a.max(1)');
  await expectRef(method(up(r), 'max')(2, true), maxRef(r, 2, true), { rtol: 0, atol: 0 }, 'a.max(2, true)');
  await expectRef(fn('max')(up(r), 0), maxRef(r, 0), { rtol: 0, atol: 0 }, 'wg.max(a, 0)');
});

// ---- softmax ----------------------------------------------------------------------------------------

check('softmax/last-axis', async () => {
  const r = randomRef([6, 37], 17, -5, 5);
  for (let i = 0; i < 37; i++) r.data[i] = Math.fround(r.data[i]! + 80); // stability: exp(85) overflows f32
  await expectRef(fn('softmax')(up(r), -1), softmaxRef(r, -1), { rtol: 1e-4, atol: 1e-6 }, 'wg.softmax(a, -1)');
  await expectRef(method(up(r), 'softmax')(1), softmaxRef(r, 1), { rtol: 1e-4, atol: 1e-6 }, 'a.softmax(1)');
});

check('softmax/inner-axis', async () => {
  const r = randomRef([3, 8, 5], 18, -3, 3);
  await expectRef(fn('softmax')(up(r), 1), softmaxRef(r, 1), { rtol: 1e-4, atol: 1e-6 }, 'wg.softmax(a, 1)');
});

// ---- matmul -----------------------------------------------------------------------------------------

check('matmul/2d-odd-sizes', async () => {
  const a = randomRef([17, 23], 19);
  const b = randomRef([23, 9], 20);
  await expectRef(fn('matmul')(up(a), up(b)), matmulRef(a, b), { rtol: 1e-4, atol: 1e-5 }, 'wg.matmul(a, b)');
  await expectRef(method(up(a), 'matmul')(up(b)), matmulRef(a, b), { rtol: 1e-4, atol: 1e-5 }, 'a.matmul(b)');
});

check('matmul/2d-larger', async () => {
  const a = randomRef([130, 96], 21);
  const b = randomRef([96, 70], 22);
  await expectRef(fn('matmul')(up(a), up(b)), matmulRef(a, b), { rtol: 1e-4, atol: 1e-4 }, '[130,96] @ [96,70]');
});

check('matmul/batched-broadcast', async () => {
  const a = randomRef([3, 8, 16], 23);
  const b = randomRef([3, 16, 5], 24);
  const c = randomRef([16, 5], 25);
  await expectRef(fn('matmul')(up(a), up(b)), matmulRef(a, b), { rtol: 1e-4, atol: 1e-5 }, '[3,8,16] @ [3,16,5]');
  await expectRef(fn('matmul')(up(a), up(c)), matmulRef(a, c), { rtol: 1e-4, atol: 1e-5 }, '[3,8,16] @ [16,5]');
});

check('matmul/transposed-input', async () => {
  const at = randomRef([12, 10], 26);
  const b = randomRef([12, 6], 27);
  const a = wg.views.transpose(up(at));
  await expectRef(fn('matmul')(a, up(b)), matmulRef(permuteRef(at, [1, 0]), b), { rtol: 1e-4, atol: 1e-5 }, 'a.T @ b');
});

// ---- conv2d -----------------------------------------------------------------------------------------

check('conv2d/bias-padding', async () => {
  const x = randomRef([2, 3, 9, 9], 28);
  const w = randomRef([4, 3, 3, 3], 29);
  const bias = randomRef([4], 30);
  const want = conv2dRef(x, w, { bias, padding: 1 });
  await expectRef(fn('conv2d')(up(x), up(w), { bias: up(bias), padding: 1 }), want, { rtol: 1e-4, atol: 1e-5 }, 'conv2d 3x3 pad 1 + bias');
});

check('conv2d/stride-dilation', async () => {
  const x = randomRef([1, 2, 11, 10], 31);
  const w = randomRef([3, 2, 3, 2], 32);
  const want = conv2dRef(x, w, { stride: 2, dilation: 2 });
  await expectRef(fn('conv2d')(up(x), up(w), { stride: 2, dilation: 2 }), want, { rtol: 1e-4, atol: 1e-5 }, 'conv2d stride 2 dilation 2');
});

check('conv2d/groups', async () => {
  const x = randomRef([2, 4, 6, 6], 33);
  const w = randomRef([6, 2, 3, 3], 34);
  const want = conv2dRef(x, w, { groups: 2, padding: 1 });
  await expectRef(fn('conv2d')(up(x), up(w), { groups: 2, padding: 1 }), want, { rtol: 1e-4, atol: 1e-5 }, 'conv2d groups 2');
});

check('nn/Conv2d-forward-backward', async () => {
  // A layer with stride 2 and padding 1 on 3x5 images: forward against float64, then x, weight and
  // bias gradients of sum(c * y) against the reference's transposed convolution and weight gradient.
  const m = new wg.nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 });
  const x = randomRef([2, 3, 3, 5], 35);
  const w: Ref = { data: Float64Array.from(await m.weight.data()), shape: [4, 3, 3, 3] };
  const b: Ref = { data: Float64Array.from(await m.bias!.data()), shape: [4] };
  const o = { stride: 2, padding: 1 };
  const want = conv2dRef(x, w, { ...o, bias: b });
  const xt = up(x).requiresGrad_();
  const y = m(xt);
  await expectRef(y, want, { rtol: 1e-4, atol: 1e-5 }, 'Conv2d forward');
  const c = randomRef(want.shape, 36);
  y.mul(up(c)).sum().backward();
  await expectRef(xt.grad, conv2dInputGradRef(c, w, x.shape, o), { rtol: 1e-4, atol: 1e-5 }, 'Conv2d dx');
  await expectRef(m.weight.grad, conv2dWeightGradRef(x, c, w.shape, o), { rtol: 1e-4, atol: 1e-4 }, 'Conv2d dweight');
  const db = new Float64Array(4);
  c.data.forEach((v, i) => (db[Math.floor(i / (want.shape[2]! * want.shape[3]!)) % 4]! += v));
  await expectRef(m.bias!.grad, { data: db, shape: [4] }, { rtol: 1e-4, atol: 1e-5 }, 'Conv2d dbias');
  m.dispose();
});

// ---- autograd, losses, optimizers, a training loop (src/autograd, src/nn, src/optim) ------------------

check('autograd/worked-example-35-7-24-5', async () => {
  const [a, b, c] = [1, 2, 3].map((v) => wg.tensor(v, { requiresGrad: true }));
  const y = a!.add(b!.mul(2)).mul(b!.mul(2).add(c!));
  y.backward();
  expectEqual([await y.item(), await a!.grad!.item(), await b!.grad!.item(), await c!.grad!.item()], [35, 7, 24, 5], 'y, dy/da, dy/db, dy/dc');
});

check('autograd/gradcheck-broadcast-matmul-softmax', async () => {
  await gradcheck(
    (x, w) => x.matmul(w).tanh().mul(x.sum(1, true)),
    (x, w) => {
      const m = matmulRef(x, w);
      return { data: m.data.map((v, i) => Math.tanh(v) * x.data.slice(Math.floor(i / 4) * 3, Math.floor(i / 4) * 3 + 3).reduce((s, q) => s + q, 0)), shape: m.shape };
    },
    [randomRef([5, 3], 40), randomRef([3, 4], 41)],
  );
  await gradcheck((x) => wg.softmax(x, -1).square(), (x) => { const s = softmaxRef(x, 1); return { data: s.data.map((v) => v * v), shape: s.shape }; }, [randomRef([3, 7], 42)]);
});

check('losses/hinge-8.2-cross-entropy-3.854', async () => {
  const s = wg.tensor([1.2, 5, 1.6]);
  const hinge = await wg.nn.F.multiMarginLoss(s, 0, { margin: 2, divideByClasses: false }).item();
  if (Math.abs(hinge - 8.2) > 1e-5) throw new Error(`hinge loss ${hinge}, want 8.2`);
  const ce = await wg.nn.F.crossEntropy(s, 0).item();
  expectEqual(ce.toFixed(3), '3.854', 'cross-entropy');
});

check('optim/sgd-momentum-and-adam-trajectories', async () => {
  // f(p) = sum(p^2) / 2, so the gradient is p itself; three steps of each against float64 arithmetic.
  const start = [1, -2, 0.5];
  const sgdP = wg.tensor(start, { requiresGrad: true });
  const adamP = wg.tensor(start, { requiresGrad: true });
  const sgd = new wg.optim.SGD([sgdP], { lr: 0.1, momentum: 0.9 });
  const adam = new wg.optim.Adam([adamP], { lr: 0.1 });
  for (let i = 0; i < 3; i++)
    for (const [p, o] of [[sgdP, sgd], [adamP, adam]] as const)
      wg.tidy(() => {
        o.zeroGrad();
        p.square().sum().mul(0.5).backward();
        o.step();
      });
  const wantSgd = start.map((p0) => {
    let [p, v] = [p0, 0];
    for (let i = 0; i < 3; i++) [v, p] = [0.9 * v + p, p - 0.1 * (0.9 * v + p)];
    return p;
  });
  const wantAdam = start.map((p0) => {
    let [p, m, v] = [p0, 0, 0];
    for (let t = 1; t <= 3; t++) {
      m = 0.9 * m + 0.1 * p;
      v = 0.999 * v + 0.001 * p * p;
      p -= (0.1 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    }
    return p;
  });
  assertClose(await sgdP.data(), wantSgd, { rtol: 1e-5, atol: 1e-6 }, 'SGD momentum');
  assertClose(await adamP.data(), wantAdam, { rtol: 1e-5, atol: 1e-6 }, 'Adam');
  sgd.dispose();
  adam.dispose();
});

check('train/xor-mlp-adam-no-readbacks-flat-memory', async () => {
  wg.manualSeed(3);
  const x = wg.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = wg.tensor([0, 1, 1, 0], { dtype: 'int32' });
  const model = new wg.nn.Sequential(new wg.nn.Linear(2, 8), new wg.nn.Tanh(), new wg.nn.Linear(8, 2));
  const opt = new wg.optim.Adam(model.parameters(), { lr: 0.05 });
  const before = wg.stats().readbacks;
  let live10 = 0;
  for (let i = 1; i <= 150; i++) {
    wg.tidy(() => {
      opt.zeroGrad();
      wg.nn.F.crossEntropy(model(x), y).backward();
      opt.step();
    });
    if (i === 10) live10 = wg.stats().liveBuffers;
  }
  expectEqual(wg.stats().readbacks - before, 0, 'readbacks during training');
  expectEqual(wg.stats().liveBuffers, live10, 'live buffers at step 150 vs step 10');
  const acc = await wg.noGrad(() => model(x).argmax(-1).eq(y).float().mean()).item();
  expectEqual(acc, 1, 'XOR accuracy');
  model.dispose();
  opt.dispose();
});

// ---- normalization (src/nn/norm.ts) -------------------------------------------------------------------

check('nn/batchnorm2d-forward-backward-running-stats', async () => {
  const NN = W.nn;
  if (typeof NN?.BatchNorm2d !== 'function') throw new Missing('wg.nn.BatchNorm2d is not implemented yet');
  const m = new NN.BatchNorm2d(7);
  const x = randomRef([3, 7, 3, 5], 40, -1, 2);
  const w = randomRef([7], 41);
  const b = randomRef([7], 42);
  m.loadStateDict({ weight: up(w), bias: up(b), running_mean: wg.zeros([7]), running_var: wg.ones([7]), num_batches_tracked: wg.zeros([], { dtype: 'int32' }) });
  await expectRef(m(up(x)), batchNormTrainRef(x, w, b), { rtol: 1e-4, atol: 1e-4 }, 'train forward');
  const want = runningStatsRef([x], 0.1);
  assertClose(await m.running_mean.data(), want.mean, { rtol: 1e-4, atol: 1e-5 }, 'running mean');
  assertClose(await m.running_var.data(), want.var, { rtol: 1e-4, atol: 1e-5 }, 'running var (unbiased)');
  expectEqual(await m.num_batches_tracked.item(), 1, 'num_batches_tracked');
  m.eval();
  await expectRef(m(up(x)), batchNormRef(x, want.mean, want.var, w, b), { rtol: 1e-4, atol: 1e-4 }, 'eval forward');
  m.train();
  const xs = randomRef([2, 7, 3, 5], 43, -2, 2);
  await gradcheck((x, w, b) => fn('batchNorm')(x, null, null, w, b, true), (x, w, b) => batchNormTrainRef(x!, w!, b!), [xs, w, b]);
  m.dispose();
});

check('nn/lstm-bidirectional-forward-and-bptt-gradcheck', async () => {
  const cfg = { cell: 'lstm' as const, inputSize: 3, hidden: 4, numLayers: 1, bidirectional: true, bias: true };
  const names = recurrentParamShapes(cfg);
  const x = randomRef([5, 2, 3], 41);
  const h0 = randomRef([2, 2, 4], 42, -0.5, 0.5);
  const c0 = randomRef([2, 2, 4], 43, -0.5, 0.5);
  const ws = names.map(([, shape], i) => randomRef(shape, 50 + i, -0.8, 0.8));
  const cpu = (...rs: Ref[]) => {
    const [xr, hr, cr, ...wr] = rs as [Ref, Ref, Ref, ...Ref[]];
    const r = recurrentRef(cfg, xr, Object.fromEntries(names.map(([n], i) => [n, wr[i]!])), hr, cr);
    return flatCat(r.output, r.hN, r.cN);
  };
  const lstm = new wg.nn.LSTM(3, 4, { bidirectional: true });
  const gpu = (...xs: T[]) => {
    names.forEach(([n], i) => ((lstm as any)[n] = xs[3 + i]));
    const [out, [hN, cN]] = lstm(xs[0]!, [xs[1]!, xs[2]!]);
    return wg.concat([out.reshape([-1]), hN.reshape([-1]), cN.reshape([-1])]);
  };
  lstm.dispose();
  const inputs = [x, h0, c0, ...ws];
  assertClose(await gpu(...inputs.map(up)).data(), cpu(...inputs), { rtol: 1e-4, atol: 2e-5 }, 'forward');
  lstm.dispose();
  await gradcheck(gpu, cpu, inputs, { rtol: 3e-3, atol: 3e-4 });
  lstm.dispose();
});

// ---- runner -----------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const filter: string | undefined = Deno?.args?.[0];
  let info: Awaited<ReturnType<typeof wg.init>>;
  try {
    info = await wg.init();
  } catch (e) {
    console.log(`FAIL  init: ${(e as Error).message}`);
    console.log('deno: 0 passed, 1 failed');
    console.log(`DENO_RESULT ${JSON.stringify({ passed: 0, failed: 1 })}`);
    return 1;
  }
  console.log(`deno ${Deno?.version?.deno ?? '?'}: ${info.adapter.description || info.adapter.vendor} (${info.software ? 'software' : 'hardware'})${info.note ? ' - ' + info.note : ''}`);
  let passed = 0;
  let failed = 0;
  for (const c of checks) {
    if (filter && !c.name.includes(filter)) continue;
    const t0 = performance.now();
    try {
      await wg.scope(() => c.run());
      passed++;
      console.log(`ok    ${c.name} (${(performance.now() - t0).toFixed(0)} ms)`);
    } catch (e) {
      failed++;
      const msg = e instanceof Missing ? `MISSING: ${e.message}` : `${(e as Error)?.message ?? e}`;
      console.log(`FAIL  ${c.name}: ${msg.split('\n').join('\n      ')}`);
    }
  }
  console.log(`deno: ${passed} passed, ${failed} failed`);
  console.log(`DENO_RESULT ${JSON.stringify({ passed, failed })}`);
  wg.destroy();
  return failed || passed === 0 ? 1 : 0;
}

Deno?.exit(await main());
