// nn.RNN, nn.LSTM and nn.GRU against the float64 reference (test/reference/recurrent.ts): forward values
// and gradient checks for every option on odd sizes, PyTorch's state-dict layout, initialisation, bad
// input, the dispatch budget per timestep, memory discipline, and real sequence learning.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose, randomRef, rng, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import { flatCat, recurrentParamShapes, recurrentRef, swap01, type RecurrentRefConfig, type RefCell } from './reference/recurrent.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const TOL = { rtol: 1e-4, atol: 2e-5 };

interface Case {
  label: string;
  cell: RefCell;
  I: number;
  H: number;
  L: number;
  N: number;
  layers?: number;
  bidirectional?: boolean;
  bias?: boolean;
  batchFirst?: boolean;
  /** Pass initial states. */
  init?: boolean;
  unbatched?: boolean;
}

const CASES: Case[] = [
  { label: 'tanh RNN', cell: 'rnnTanh', I: 3, H: 5, L: 4, N: 2 },
  { label: 'relu RNN, no bias, initial state', cell: 'rnnRelu', I: 3, H: 5, L: 4, N: 2, bias: false, init: true },
  { label: 'LSTM', cell: 'lstm', I: 3, H: 5, L: 4, N: 2 },
  { label: 'LSTM, 2 layers, bidirectional, initial states', cell: 'lstm', I: 3, H: 5, L: 4, N: 2, layers: 2, bidirectional: true, init: true },
  { label: 'LSTM, batchFirst, no bias', cell: 'lstm', I: 3, H: 5, L: 4, N: 3, batchFirst: true, bias: false },
  { label: 'GRU', cell: 'gru', I: 3, H: 5, L: 4, N: 2 },
  { label: 'GRU, 2 layers, bidirectional, batchFirst, initial state', cell: 'gru', I: 3, H: 5, L: 4, N: 2, layers: 2, bidirectional: true, batchFirst: true, init: true },
  { label: 'tanh RNN, 3 layers, bidirectional', cell: 'rnnTanh', I: 2, H: 3, L: 5, N: 1, layers: 3, bidirectional: true },
  { label: 'LSTM unbatched, initial states', cell: 'lstm', I: 3, H: 5, L: 4, N: 1, unbatched: true, init: true },
  { label: 'GRU unbatched, one step', cell: 'gru', I: 3, H: 5, L: 1, N: 1, unbatched: true },
];

function configOf(c: Case): RecurrentRefConfig {
  return { cell: c.cell, inputSize: c.I, hidden: c.H, numLayers: c.layers ?? 1, bidirectional: !!c.bidirectional, bias: c.bias ?? true };
}

function makeModule(c: Case): wg.nn.RNN | wg.nn.LSTM | wg.nn.GRU {
  const o = { numLayers: c.layers ?? 1, bidirectional: !!c.bidirectional, bias: c.bias ?? true, batchFirst: !!c.batchFirst };
  if (c.cell === 'lstm') return new wg.nn.LSTM(c.I, c.H, o);
  if (c.cell === 'gru') return new wg.nn.GRU(c.I, c.H, o);
  return new wg.nn.RNN(c.I, c.H, { ...o, nonlinearity: c.cell === 'rnnTanh' ? 'tanh' : 'relu' });
}

/** Reference inputs: x (in the module's layout), h0, c0 and every weight, by PyTorch's names. */
function refInputs(c: Case, seed: number) {
  const cfg = configOf(c);
  const D = cfg.bidirectional ? 2 : 1;
  const names = recurrentParamShapes(cfg);
  const xTime = randomRef([c.L, c.N, c.I], seed);
  const st = [cfg.numLayers * D, c.N, c.H];
  const h0 = c.init ? randomRef(st, seed + 1, -0.8, 0.8) : null;
  const c0 = c.init && c.cell === 'lstm' ? randomRef(st, seed + 2, -0.8, 0.8) : null;
  const bound = 1 / Math.sqrt(c.H);
  // Weights somewhat larger than the init bound so the nonlinearities are exercised off their linear parts.
  const weights = names.map(([, shape], i) => randomRef(shape, seed + 10 + i, -1.5 * bound - 0.2, 1.5 * bound + 0.2));
  return { cfg, names, xTime, h0, c0, weights };
}

/** The module's results flattened as the reference's: output (module layout), hN, cN. */
function cpuFlat(c: Case, cfg: RecurrentRefConfig, names: [string, number[]][], xTime: Ref, h0: Ref | null, c0: Ref | null, weights: Ref[]): Ref {
  const w = Object.fromEntries(names.map(([n], i) => [n, weights[i]!]));
  const r = recurrentRef(cfg, xTime, w, h0, c0);
  const out = c.unbatched ? r.output : c.batchFirst ? swap01(r.output) : r.output;
  return flatCat(out, r.hN, r.cN);
}

/** Layout conversions between the time-major reference and what the module takes. */
function toModuleX(c: Case, xTime: Ref): Ref {
  if (c.unbatched) return { data: xTime.data, shape: [c.L, c.I] };
  return c.batchFirst ? swap01(xTime) : xTime;
}
function toModuleState(c: Case, s: Ref): Ref {
  return c.unbatched ? { data: s.data, shape: [s.shape[0]!, c.H] } : s;
}

function gpuFlat(m: wg.nn.RNN | wg.nn.LSTM | wg.nn.GRU, c: Case, x: wg.Tensor, h0: wg.Tensor | null, c0: wg.Tensor | null): wg.Tensor {
  const parts: wg.Tensor[] = [];
  if (c.cell === 'lstm') {
    const [out, [hN, cN]] = (m as wg.nn.LSTM)(x, h0 && c0 ? [h0, c0] : null);
    parts.push(out, hN, cN);
  } else {
    const [out, hN] = (m as wg.nn.GRU)(x, h0);
    parts.push(out, hN);
  }
  return wg.concat(parts.map((p) => p.reshape([-1])));
}

describe('recurrent layers against float64', () => {
  it.each(CASES)('forward: $label', async (c) => {
    const { cfg, names, xTime, h0, c0, weights } = refInputs(c, 11);
    const want = cpuFlat(c, cfg, names, xTime, h0, c0, weights);
    const m = makeModule(c);
    await wg.scope(async () => {
      m.loadStateDict(Object.fromEntries(names.map(([n], i) => [n, up(weights[i]!)])));
      const got = gpuFlat(m, c, up(toModuleX(c, xTime)), h0 && up(toModuleState(c, h0)), c0 && up(toModuleState(c, c0)));
      assertClose(await got.data(), want, TOL, c.label);
    });
    m.dispose();
  });

  it.each(CASES)('gradients: $label', async (c) => {
    const { cfg, names, xTime, h0, c0, weights } = refInputs(c, 23);
    const m = makeModule(c);
    const x = toModuleX(c, xTime);
    const inputs = [x, ...(h0 ? [toModuleState(c, h0)] : []), ...(c0 ? [toModuleState(c, c0)] : []), ...weights];
    const nState = (h0 ? 1 : 0) + (c0 ? 1 : 0);
    const fromModule = (r: Ref): Ref => (c.unbatched ? r : c.batchFirst ? swap01(r) : r);
    m.dispose(); // its own parameters; the check's leaves replace them
    await gradcheck(
      (...xs) => {
        // The gradient check's leaves become the module's parameters, so gradients reach them.
        names.forEach(([n], i) => ((m as unknown as Record<string, wg.Tensor>)[n] = xs[1 + nState + i]!));
        return gpuFlat(m, c, xs[0]!, h0 ? xs[1]! : null, c0 ? xs[2]! : null);
      },
      (...rs) => {
        const hs = h0 ? { data: rs[1]!.data, shape: h0.shape } : null;
        const cs = c0 ? { data: rs[2]!.data, shape: c0.shape } : null;
        return cpuFlat(c, cfg, names, c.unbatched ? { data: rs[0]!.data, shape: [c.L, 1, c.I] } : fromModule(rs[0]!), hs, cs, rs.slice(1 + nState));
      },
      inputs,
      { rtol: 3e-3, atol: 3e-4 },
    );
    m.dispose();
  });
});

describe('recurrent layers: parameters', () => {
  it("state dicts use PyTorch's names, shapes and order, and load from a hand-built dict", async () => {
    const m = new wg.nn.LSTM(3, 5, { numLayers: 2, bidirectional: true });
    const sd = m.stateDict();
    const want = recurrentParamShapes({ cell: 'lstm', inputSize: 3, hidden: 5, numLayers: 2, bidirectional: true, bias: true });
    expect(Object.keys(sd)).toEqual(want.map(([n]) => n));
    expect(Object.keys(sd).slice(0, 5)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']);
    for (const [n, shape] of want) expect(sd[n]!.shape, n).toEqual(shape);
    expect(sd.weight_ih_l1!.shape).toEqual([20, 10]);
    expect(Object.keys(new wg.nn.GRU(4, 6, { bias: false }).stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(new wg.nn.GRU(4, 6).stateDict().weight_hh_l0!.shape).toEqual([18, 6]);
    expect(new wg.nn.RNN(4, 6).stateDict().weight_ih_l0!.shape).toEqual([6, 4]);
    // A dict written by hand with PyTorch's names: every weight 0 except the input weights of the
    // g gate (rows 2H..3H of weight_ih, PyTorch's i, f, g, o order) and a bias opening the i and o gates.
    const H = 2;
    const one = new wg.nn.LSTM(1, H);
    const wih = new Float32Array(4 * H);
    wih.fill(1, 2 * H, 3 * H);
    const bih = new Float32Array(4 * H);
    bih.fill(30, 0, H).fill(-30, H, 2 * H).fill(30, 3 * H, 4 * H);
    one.loadStateDict({
      weight_ih_l0: wg.tensor(wih, { shape: [4 * H, 1] }),
      weight_hh_l0: wg.zeros([4 * H, H]),
      bias_ih_l0: wg.tensor(bih),
      bias_hh_l0: wg.zeros([4 * H]),
    });
    // i = o = 1, f = 0: c_t = tanh(x_t), h_t = tanh(tanh(x_t)).
    const [out, [, cN]] = one(wg.tensor([0.5, -1], { shape: [2, 1, 1] }));
    const t = (v: number) => Math.tanh(Math.tanh(v));
    assertClose(await out.data(), [t(0.5), t(0.5), t(-1), t(-1)], TOL, 'output');
    assertClose(await cN.data(), [Math.tanh(-1), Math.tanh(-1)], TOL, 'cN');
    [m, one].forEach((x) => x.dispose());
  });

  it('initialises every weight and bias uniform(±1/sqrt(hidden))', async () => {
    wg.manualSeed(3);
    const H = 64;
    const m = new wg.nn.GRU(7, H, { numLayers: 2 });
    const bound = 1 / Math.sqrt(H);
    for (const [n, p] of m.namedParameters()) {
      const v = Array.from(await p.data());
      expect(Math.max(...v.map(Math.abs)), n).toBeLessThanOrEqual(bound);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
      // The standard deviation of U(-b, b) is b / sqrt(3); bias vectors have 192 values, weights more.
      expect(Math.abs(sd - bound / Math.sqrt(3)), n).toBeLessThan(0.15 * bound);
    }
    m.dispose();
  });
});

describe('recurrent layers: bad input fails before any GPU work', () => {
  const noWork = (f: () => unknown, re: RegExp) => {
    const s0 = wg.stats();
    expect(f).toThrow(re);
    const s1 = wg.stats();
    expect(s1.dispatches).toBe(s0.dispatches);
    expect(s1.liveBuffers).toBe(s0.liveBuffers);
  };
  it('a hidden state of the wrong shape names the layer, the expected and the received shape', () => {
    const lstm = new wg.nn.LSTM(4, 6, { numLayers: 2 });
    const gru = new wg.nn.GRU(4, 6, { bidirectional: true, batchFirst: true });
    const x = wg.zeros([5, 3, 4]);
    const h = wg.zeros([2, 3, 6]);
    const bad = wg.zeros([1, 3, 6]);
    noWork(() => lstm(x, [bad, h]), /LSTM: expected h0 of shape \[2, 3, 6\].*got \[1, 3, 6\]/);
    noWork(() => lstm(x, [h, bad]), /LSTM: expected c0 of shape \[2, 3, 6\].*got \[1, 3, 6\]/);
    // batchFirst input [N=5, L=3, 4]: states stay [layers * directions, N, H].
    noWork(() => gru(x, h), /GRU: expected h0 of shape \[2, 5, 6\].*got \[2, 3, 6\]/);
    noWork(() => lstm(x, h as never), /LSTM: the initial state must be a pair \[h0, c0\]/);
    [lstm, gru, x, h, bad].forEach((t) => t.dispose());
  });
  it('a wrong input feature size or rank names the layer and the shapes', () => {
    const rnn = new wg.nn.RNN(4, 6);
    const x = wg.zeros([5, 3, 7]);
    const x4 = wg.zeros([2, 5, 3, 4]);
    noWork(() => rnn(x), /RNN: expected input \[L, N, features\].*with 4 features, got shape \[5, 3, 7\]/);
    noWork(() => rnn(x4), /RNN: expected input .*got shape \[2, 5, 3, 4\]/);
    expect(() => new wg.nn.RNN(4, 6, { nonlinearity: 'sigmoid' as never })).toThrow(/RNN: nonlinearity must be 'tanh' or 'relu'/);
    expect(() => new wg.nn.LSTM(4, 6, { numLayer: 2 } as never)).toThrow(/numLayers/);
    expect(() => new wg.nn.GRU(4, 6, { dropout: 1 })).toThrow(/GRU: dropout must be a probability/);
    [rnn, x, x4].forEach((t) => t.dispose());
  });
  it('second-order gradients through the recurrence fail with a clear error naming the op', async () => {
    const m = new wg.nn.LSTM(2, 3);
    await wg.scope(async () => {
      const x = wg.rand([4, 2, 2], { requiresGrad: true });
      const [out2] = m(x);
      expect(() => out2.sum().backward(undefined, { createGraph: true })).toThrow(/recurrence: the backward pass of the lstm recurrence is not itself differentiable/);
    });
    m.dispose();
  });
});

describe('recurrent layers: dispatch budget and memory', () => {
  // Dispatches per timestep, per layer and direction, measured as the difference between two sequence
  // lengths so the per-layer work (input projection, weight gradients, views) cancels out.
  async function perStep(cell: RefCell, layers: number, bidirectional: boolean): Promise<{ fwd: number; bwd: number }> {
    const o = { numLayers: layers, bidirectional };
    const m = cell === 'lstm' ? new wg.nn.LSTM(3, 8, o) : cell === 'gru' ? new wg.nn.GRU(3, 8, o) : new wg.nn.RNN(3, 8, o);
    const run = async (L: number) => {
      const x = wg.rand([L, 4, 3], { requiresGrad: true });
      await wg.sync();
      const s0 = wg.stats().dispatches;
      const [out] = (m as wg.nn.GRU)(x);
      const loss = out.sum();
      await wg.sync();
      const s1 = wg.stats().dispatches;
      loss.backward();
      await wg.sync();
      const s2 = wg.stats().dispatches;
      [x, out, loss].forEach((t) => t.dispose());
      m.zeroGrad();
      return [s1 - s0, s2 - s1] as const;
    };
    await run(3); // compile everything first
    const [f8, b8] = await run(8);
    const [f24, b24] = await run(24);
    m.dispose();
    const k = 16 * layers * (bidirectional ? 2 : 1);
    return { fwd: (f24 - f8) / k, bwd: (b24 - b8) / k };
  }
  it.each([
    ['lstm', 1, false],
    ['gru', 2, true],
    ['rnnTanh', 1, false],
  ] as const)('%s, %i layer(s), bidirectional %s: <= 3 forward and <= 4 backward dispatches per timestep', async (cell, layers, bi) => {
    const { fwd, bwd } = await perStep(cell, layers, bi);
    console.log(`${cell} layers=${layers} bidirectional=${bi}: ${fwd} forward, ${bwd} backward dispatches per timestep per layer-direction`);
    expect(fwd).toBeLessThanOrEqual(3);
    expect(bwd).toBeLessThanOrEqual(4);
  });

  it('a training step reads nothing back and keeps live buffers flat', async () => {
    const m = new wg.nn.LSTM(3, 6, { numLayers: 2, bidirectional: true, dropout: 0.3 });
    const head = new wg.nn.Linear(12, 1);
    const opt = new wg.optim.Adam([...m.parameters(), ...head.parameters()], { lr: 0.01 });
    const x = wg.rand([7, 2, 3]);
    const step = () =>
      wg.tidy(() => {
        opt.zeroGrad();
        const [out, [hN, cN]] = m(x);
        const loss = head(out).square().mean().add(hN.mean()).add(cN.square().mean());
        loss.backward();
        opt.step();
      });
    step();
    step();
    const s0 = wg.stats();
    for (let i = 0; i < 5; i++) step();
    const s1 = wg.stats();
    expect(s1.readbacks).toBe(s0.readbacks);
    expect(s1.liveBuffers).toBe(s0.liveBuffers);
    [m, head, x].forEach((t) => t.dispose());
    opt.dispose();
  });

  it('dropout acts between layers in training mode only', async () => {
    wg.manualSeed(5);
    const m = new wg.nn.GRU(3, 4, { numLayers: 2, dropout: 0.5 });
    await wg.scope(async () => {
      const x = wg.rand([6, 2, 3]);
      m.eval();
      const a = await m(x)[0].data();
      const b = await m(x)[0].data();
      expect(Array.from(a)).toEqual(Array.from(b));
      m.train();
      const c = await m(x)[0].data();
      expect(Array.from(c)).not.toEqual(Array.from(a));
      // A one-layer network has no layer to drop between.
    });
    m.dispose();
  });
});

// Copy task: the first token (of 8) is shown at step 0, then only a blank symbol; the network must name
// that token at every later step, so the last step's answer needs a memory spanning the whole sequence.
// Accuracy is measured at the last step on 256 fresh sequences (chance: 1/8).
describe('recurrent layers learn to copy a token across a sequence', () => {
  const V = 8;
  function recall(n: number, L: number, seed: number) {
    const r = rng(seed);
    const x = new Float32Array(n * L * (V + 1));
    const y = new Int32Array(n * L);
    const last = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const tok = Math.floor(r() * V);
      for (let t = 0; t < L; t++) {
        x[(i * L + t) * (V + 1) + (t === 0 ? tok : V)] = 1;
        y[i * L + t] = tok;
      }
      last[i] = tok;
    }
    return { x: wg.tensor(x, { shape: [n, L, V + 1] }), y: wg.tensor(y, { dtype: 'int32' }), last: wg.tensor(last, { dtype: 'int32' }) };
  }
  it.each([
    ['LSTM', 20],
    ['GRU', 20],
    ['RNN', 8],
  ] as const)('%s, length %i, to at least 95 percent at the last step', async (kind, L) => {
    wg.manualSeed(1);
    const H = 16;
    const o = { batchFirst: true };
    const rnn = kind === 'LSTM' ? new wg.nn.LSTM(V + 1, H, o) : kind === 'GRU' ? new wg.nn.GRU(V + 1, H, o) : new wg.nn.RNN(V + 1, H, o);
    const head = new wg.nn.Linear(H, V);
    const opt = new wg.optim.Adam([...rnn.parameters(), ...head.parameters()], { lr: 0.02 });
    const train = recall(64, L, 5);
    const test = recall(256, L, 99);
    const final = (r: [wg.Tensor, wg.Tensor | [wg.Tensor, wg.Tensor]]) => (Array.isArray(r[1]) ? r[1][0] : r[1]);
    let acc = 0;
    for (let step = 1; step <= 400 && acc < 0.95; step++) {
      wg.tidy(() => {
        opt.zeroGrad();
        const [out] = (rnn as wg.nn.GRU)(train.x);
        wg.nn.F.crossEntropy(head(out).reshape([-1, V]), train.y).backward();
        opt.step();
      });
      if (step % 25 === 0)
        acc = await wg.scope(() => wg.noGrad(() => head(final((rnn as wg.nn.GRU)(test.x)).reshape([256, H])).argmax(-1).eq(test.last).float().mean()).item());
    }
    expect(acc).toBeGreaterThanOrEqual(0.95);
    [rnn, head, opt, train.x, train.y, train.last, test.x, test.y, test.last].forEach((t) => t.dispose());
  });
});
