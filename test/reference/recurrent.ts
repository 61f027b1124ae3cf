// Float64 references for the recurrent layers: PyTorch's RNN (tanh / relu), LSTM (gates i, f, g, o) and
// GRU (gates r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn))), stacked and bidirectional, written
// as plain loops straight from the equations in torch.nn's documentation. Time-major [L, N, in]; weights
// by PyTorch's state-dict names. Gradients come from finite differences of these (gradcheck.ts).
import type { Ref } from './index.ts';

export type RefCell = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

export interface RecurrentRefConfig {
  cell: RefCell;
  inputSize: number;
  hidden: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
}

export const GATES_REF: Record<RefCell, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };

/** PyTorch's parameter names and shapes, in its order. */
export function recurrentParamShapes(c: RecurrentRefConfig): [string, number[]][] {
  const G = GATES_REF[c.cell];
  const D = c.bidirectional ? 2 : 1;
  const out: [string, number[]][] = [];
  for (let l = 0; l < c.numLayers; l++)
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d ? '_reverse' : ''}`;
      const I = l === 0 ? c.inputSize : c.hidden * D;
      out.push([`weight_ih${s}`, [G * c.hidden, I]], [`weight_hh${s}`, [G * c.hidden, c.hidden]]);
      if (c.bias) out.push([`bias_ih${s}`, [G * c.hidden]], [`bias_hh${s}`, [G * c.hidden]]);
    }
  return out;
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** y[r] = W[r, :] . v (+ b[r]) */
function affine(W: Ref, v: ArrayLike<number>, vOff: number, b: Ref | undefined): Float64Array {
  const [R, C] = W.shape as [number, number];
  const y = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = b ? b.data[r]! : 0;
    for (let k = 0; k < C; k++) s += W.data[r * C + k]! * v[vOff + k]!;
    y[r] = s;
  }
  return y;
}

export interface RecurrentRefResult {
  /** [L, N, D * H] */
  output: Ref;
  /** [layers * D, N, H] */
  hN: Ref;
  cN: Ref | null;
}

/** The stacked, optionally bidirectional network over x [L, N, in]; h0 / c0 [layers * D, N, H] or zeros. */
export function recurrentRef(c: RecurrentRefConfig, x: Ref, w: Record<string, Ref>, h0?: Ref | null, c0?: Ref | null): RecurrentRefResult {
  const [L, N] = x.shape as [number, number];
  const H = c.hidden;
  const D = c.bidirectional ? 2 : 1;
  const hN = new Float64Array(c.numLayers * D * N * H);
  const cN = new Float64Array(c.numLayers * D * N * H);
  let input = x.data;
  let inSize = x.shape[2]!;
  for (let l = 0; l < c.numLayers; l++) {
    const out = new Float64Array(L * N * D * H);
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d ? '_reverse' : ''}`;
      const [Wi, Wh, bi, bh] = [w[`weight_ih${s}`]!, w[`weight_hh${s}`]!, w[`bias_ih${s}`], w[`bias_hh${s}`]];
      const k = l * D + d;
      for (let n = 0; n < N; n++) {
        const base = (k * N + n) * H;
        let h = h0 ? Float64Array.from(h0.data.subarray(base, base + H)) : new Float64Array(H);
        let cc = c0 ? Float64Array.from(c0.data.subarray(base, base + H)) : new Float64Array(H);
        for (let step = 0; step < L; step++) {
          const t = d ? L - 1 - step : step;
          const gi = affine(Wi, input, (t * N + n) * inSize, c.bias ? bi : undefined);
          const gh = affine(Wh, h, 0, c.bias ? bh : undefined);
          const hNew = new Float64Array(H);
          if (c.cell === 'rnnTanh' || c.cell === 'rnnRelu')
            for (let j = 0; j < H; j++) {
              const a = gi[j]! + gh[j]!;
              hNew[j] = c.cell === 'rnnTanh' ? Math.tanh(a) : Math.max(a, 0);
            }
          else if (c.cell === 'lstm') {
            const cNew = new Float64Array(H);
            for (let j = 0; j < H; j++) {
              const i = sig(gi[j]! + gh[j]!);
              const f = sig(gi[H + j]! + gh[H + j]!);
              const g = Math.tanh(gi[2 * H + j]! + gh[2 * H + j]!);
              const o = sig(gi[3 * H + j]! + gh[3 * H + j]!);
              cNew[j] = f * cc[j]! + i * g;
              hNew[j] = o * Math.tanh(cNew[j]!);
            }
            cc = cNew;
          } else
            for (let j = 0; j < H; j++) {
              const r = sig(gi[j]! + gh[j]!);
              const z = sig(gi[H + j]! + gh[H + j]!);
              const nn = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
              hNew[j] = (1 - z) * nn + z * h[j]!;
            }
          h = hNew;
          out.set(h, ((t * N + n) * D + d) * H);
        }
        hN.set(h, base);
        cN.set(cc, base);
      }
    }
    input = out;
    inSize = D * H;
  }
  const sh = [c.numLayers * D, N, H];
  return { output: { data: input, shape: [L, N, D * H] }, hN: { data: hN, shape: sh }, cN: c.cell === 'lstm' ? { data: cN, shape: sh } : null };
}

/** [A, B, ...] -> [B, A, ...] (batch-first <-> time-major). */
export function swap01(r: Ref): Ref {
  const [A, B] = r.shape as [number, number];
  const inner = r.data.length / (A * B);
  const out = new Float64Array(r.data.length);
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) out.set(r.data.subarray((a * B + b) * inner, (a * B + b + 1) * inner), (b * A + a) * inner);
  return { data: out, shape: [B, A, ...r.shape.slice(2)] };
}

/** Flat concatenation, for checking several results in one gradient check. */
export function flatCat(...rs: (Ref | null)[]): Ref {
  const parts = rs.filter((r): r is Ref => !!r);
  const data = new Float64Array(parts.reduce((s, r) => s + r.data.length, 0));
  let o = 0;
  for (const r of parts) data.set(r.data, o), (o += r.data.length);
  return { data, shape: [data.length] };
}
