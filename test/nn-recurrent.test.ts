// nn.RNN, nn.LSTM and nn.GRU against the float64 reference (test/reference/recurrent.ts): forward values
// and gradient checks for every option on odd sizes, PyTorch's state-dict layout, initialisation, bad
// input, the dispatch budget per timestep, memory discipline, and real sequence learning.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
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
