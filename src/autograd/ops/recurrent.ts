// Recurrences: one layer-direction of an RNN, LSTM or GRU over a whole sequence is ONE op, so
// backpropagation through time is one rule running on the GPU rather than a graph of L * (a dozen) nodes.
// Forward: one matmul projects every timestep's input at once, then each step is one GEMM for the hidden
// projection and one fused cell kernel (src/kernels/rnn.ts), writing into a workspace [L + 1, N, S]
// whose rows hold h_t (and c_t, and the gates the backward pass reads). Backward: a reverse loop of one
// fused cell-backward kernel and one GEMM (dh_{t-1} = dgates_t W_hh) per step, then one matmul each for
// dW_ih, dW_hh and dx over all timesteps; the cell kernel sums the bias gradients over time as it goes. The workspace is the op's output; callers
// read h and c through views of it (recurrenceLayout). The backward is first order only.
import { fail, shapeStr } from '../../device/index.ts';
import {
  copy,
  DGATE_WIDTH,
  GATES,
  map,
  matmul as matmulKernel,
  rnnCell,
  rnnCellBackward,
  SLOT_WIDTH,
  type CellKind,
  type View,
} from '../../kernels/index.ts';
import { empty, viewOf, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op as decl } from '../define.ts';
import { isGradEnabled } from '../graph.ts';
import { matmul } from './linalg.ts';
import { sum } from './reduce.ts';
import { contiguous, narrow, reshape, transpose } from './views.ts';

export type { CellKind };

export interface RecurrenceAttrs {
  /** Inputs [x, wIh, wHh, (bIh, bHh), h0, (c0)]. */
  recurrence: { cell: CellKind; reverse: boolean; bias: boolean; hidden: number };
}

export interface RecurrenceOptions {
  /** 'rnnTanh', 'rnnRelu', 'lstm' or 'gru'. */
  cell: CellKind;
  /** Runs from the last timestep to the first (the reverse direction of a bidirectional layer). */
  reverse?: boolean;
}

/** Where a recurrence's results sit in its workspace output [L + 1, N, S]. */
export interface RecurrenceLayout {
  /** h_0 .. h_{L-1} (in time order) are rows first .. first + L - 1. */
  first: number;
  /** The row of the final state (h_{L-1} forward, h_0 reversed). */
  last: number;
  /** Columns [0, H) are h; LSTM's c is columns [H, 2H). */
  hidden: number;
}

export function recurrenceLayout(L: number, hidden: number, reverse: boolean): RecurrenceLayout {
  return reverse ? { first: 0, last: 0, hidden } : { first: 1, last: L, hidden };
}

/** The workspace slot step t writes and the one it reads (the initial state sits in the remaining row). */
const slotOf = (t: number, reverse: boolean) => (reverse ? t : t + 1);
const prevOf = (t: number, reverse: boolean) => (reverse ? t + 1 : t);

interface Parts {
  x: Tensor;
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  h0: Tensor;
  c0: Tensor | null;
}

function parts(ins: Tensor[], a: RecurrenceAttrs['recurrence']): Parts {
  const [x, wIh, wHh] = ins as [Tensor, Tensor, Tensor];
  const k = a.bias ? 5 : 3;
  return { x, wIh, wHh, bIh: a.bias ? ins[3]! : null, bHh: a.bias ? ins[4]! : null, h0: ins[k]!, c0: a.cell === 'lstm' ? ins[k + 1]! : null };
}

/** x [L, N, F] as [L * N, F]; recurrence() makes x contiguous when its rows do not merge. */
function rowStride(x: Tensor): number {
  const [L, N] = x.shape as [number, number];
  return N > 1 ? x.strides[1]! : L > 1 ? x.strides[0]! : x.shape[2]!;
}
function rowsMerge(x: Tensor): boolean {
  const [L, N] = x.shape as [number, number];
  return L === 1 || N === 1 || x.strides[0] === N * x.strides[1]!;
}
function rows(x: Tensor): View {
  const [L, N, F] = x.shape as [number, number, number];
  return { buffer: x.buffer, dtype: 'float32', shape: [L * N, F], strides: [rowStride(x), x.strides[2]!], offset: x.offset };
}
/** w [O, I] read as its transpose [I, O]. */
const wT = (w: Tensor): View => ({ buffer: w.buffer, dtype: 'float32', shape: [w.shape[1]!, w.shape[0]!], strides: [w.strides[1]!, w.strides[0]!], offset: w.offset });
/** A bias [O] broadcast over `m` rows. */
const biasRows = (b: Tensor, m: number): View => ({ buffer: b.buffer, dtype: 'float32', shape: [m, b.shape[0]!], strides: [0, b.strides[0]!], offset: b.offset });
/** An [N, H] block of `t` at element `offset`, rows `rs` apart. */
const block = (buffer: GPUBuffer, N: number, H: number, rs: number, cs: number, offset: number): View => ({ buffer, dtype: 'float32', shape: [N, H], strides: [rs, cs], offset });
const mat = (t: Tensor): View => ({ buffer: t.buffer, dtype: 'float32', shape: t.shape, strides: t.strides, offset: t.offset });

const apply: FamilyApply<RecurrenceAttrs> = rules<RecurrenceAttrs>({
  recurrence: {
    forward: (ins, a) => {
      const p = parts(ins, a);
      const [L, N] = p.x.shape as [number, number];
      const H = a.hidden;
      const GH = GATES[a.cell] * H;
      const SW = SLOT_WIDTH[a.cell] * H;
      const dev = p.x.dev;
      const ws = empty([L + 1, N, SW], 'float32', 'recurrence');
      const xp = empty([L * N, GH], 'float32', 'recurrence');
      const hp = empty([N, GH], 'float32', 'recurrence');
      try {
        matmulKernel(dev, rows(p.x), wT(p.wIh), xp, p.bIh ? biasRows(p.bIh, L * N) : undefined);
        const init = (a.reverse ? L : 0) * N * SW;
        copy(dev, mat(p.h0), block(ws.buffer, N, H, SW, 1, init));
        if (p.c0) copy(dev, mat(p.c0), block(ws.buffer, N, H, SW, 1, init + H));
        const whh = wT(p.wHh);
        const bhh = p.bHh ? biasRows(p.bHh, N) : undefined;
        const wsv = mat(ws);
        for (let k = 0; k < L; k++) {
          const t = a.reverse ? L - 1 - k : k;
          const cur = slotOf(t, a.reverse) * N * SW;
          const prev = prevOf(t, a.reverse) * N * SW;
          matmulKernel(dev, block(ws.buffer, N, H, SW, 1, prev), whh, hp, bhh);
          rnnCell(dev, a.cell, { ...mat(xp), offset: t * N * GH }, GH, hp, wsv, { N, H, cur, prev });
        }
      } finally {
        xp.dispose();
        hp.dispose();
      }
      return ws;
    },
    backward: (g, c) => {
      const a = c.attrs;
      if (isGradEnabled())
        fail(
          'recurrence',
          `the backward pass of the ${a.cell} recurrence is not itself differentiable (second-order gradients through RNN, LSTM and GRU layers are not supported)`,
          'call backward() / grad() without createGraph through recurrent layers',
        );
      const p = parts(c.inputs, a);
      const ws = c.output;
      const [L, N, I] = p.x.shape as [number, number, number];
      const H = a.hidden;
      const GH = GATES[a.cell] * H;
      const SW = SLOT_WIDTH[a.cell] * H;
      const DW = DGATE_WIDTH[a.cell] * H;
      const dev = ws.dev;
      const dG = empty([L * N, DW], 'float32', 'recurrence');
      const hr = empty([N, H], 'float32', 'recurrence');
      const ca = empty([N, H], 'float32', 'recurrence');
      const db = empty([N, DW], 'float32', 'recurrence');
      const [s0, s1, s2] = g.strides as [number, number, number];
      const gbuf = g.buffer;
      const hOff = a.cell === 'gru' ? GH : 0;
      const whh = mat(p.wHh);
      const wsv = mat(ws);
      for (let k = 0; k < L; k++) {
        const t = a.reverse ? k : L - 1 - k;
        const cur = slotOf(t, a.reverse);
        const prev = prevOf(t, a.reverse);
        rnnCellBackward(dev, a.cell, gbuf, wsv, mat(hr), mat(dG), mat(ca), mat(db), {
          N,
          H,
          cur: cur * N * SW,
          prev: prev * N * SW,
          first: k === 0,
          dyOff: g.offset + cur * s0,
          dySn: s1,
          dySc: s2,
          dgOff: t * N * DW,
        });
        matmulKernel(dev, block(dG.buffer, N, GH, DW, 1, t * N * DW + hOff), whh, mat(hr));
      }
      const kh0 = a.bias ? 5 : 3;
      const init = a.reverse ? L : 0;
      let dh0: Tensor | null = null;
      let dc0: Tensor | null = null;
      if (c.needs[kh0]) {
        dh0 = empty([N, H], 'float32', 'recurrence');
        const gv = block(gbuf, N, H, s1, s2, g.offset + init * s0);
        if (a.cell === 'gru') map(dev, { name: 'recurrenceGradH0', expr: 'a + b + c', ct: 'f32' }, [mat(hr), gv, mat(ca)], mat(dh0));
        else map(dev, { name: 'recurrenceGradH0', expr: 'a + b', ct: 'f32' }, [mat(hr), gv], mat(dh0));
      }
      if (a.cell === 'lstm' && c.needs[kh0 + 1]) {
        dc0 = empty([N, H], 'float32', 'recurrence');
        map(dev, { name: 'recurrenceGradC0', expr: 'a + b', ct: 'f32' }, [mat(ca), block(gbuf, N, H, s1, s2, g.offset + init * s0 + H * s2)], mat(dc0));
      }
      const dGx = viewOf(dG, [L * N, GH], [DW, 1], 0, 'recurrence');
      const dGh = a.cell === 'gru' ? viewOf(dG, [L * N, GH], [DW, 1], GH, 'recurrence') : dGx;
      const x2 = viewOf(p.x, [L * N, I], [rowStride(p.x), p.x.strides[2]!], p.x.offset, 'recurrence');
      const hPrev = viewOf(ws, [L * N, H], [SW, 1], ws.offset + (a.reverse ? N * SW : 0), 'recurrence');
      const dx = c.needs[0] ? reshape(matmul(dGx, p.wIh), [L, N, I]) : null;
      const dwIh = c.needs[1] ? matmul(transpose(dGx), x2) : null;
      const dwHh = c.needs[2] ? matmul(transpose(dGh), hPrev) : null;
      const grads: (Tensor | null)[] = [dx, dwIh, dwHh];
      if (a.bias) {
        const dbAll = c.needs[3] || c.needs[4] ? sum(db, 0) : null;
        grads.push(c.needs[3] ? narrow(dbAll!, 0, 0, GH) : null, c.needs[4] ? narrow(dbAll!, 0, hOff, GH) : null);
      }
      grads.push(dh0);
      if (a.cell === 'lstm') grads.push(dc0);
      return grads;
    },
  },
});

function check(what: string, t: Tensor, shape: readonly number[], fix: string): void {
  t.assertLive('recurrence');
  if (t.dtype !== 'float32') fail('recurrence', `${what} must be float32, got ${t.dtype}`, 'convert it with .float()');
  if (t.ndim !== shape.length || t.shape.some((s, i) => s !== shape[i]))
    fail('recurrence', `${what} must have shape ${shapeStr(shape)}, got ${shapeStr(t.shape)}`, fix);
}

/**
 * One layer-direction of a recurrent network over x [L, N, in]: weights as PyTorch's weight_ih [G*H, in],
 * weight_hh [G*H, H], biases [G*H] (G = 1 for RNN cells, 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n)),
 * initial states h0 (and for LSTM c0) [N, H]. Returns the workspace [L + 1, N, S]; see recurrenceLayout
 * for where h_t and c_t sit. nn.RNN, nn.LSTM and nn.GRU are built from it.
 */
export const recurrence = decl(function recurrence(
  x: Tensor,
  h0: Tensor,
  c0: Tensor | null,
  wIh: Tensor,
  wHh: Tensor,
  bIh: Tensor | null,
  bHh: Tensor | null,
  opts: RecurrenceOptions,
): Tensor {
  const cell = opts.cell;
  if (!(cell in GATES)) fail('recurrence', `unknown cell '${String(cell)}'`, "use 'rnnTanh', 'rnnRelu', 'lstm' or 'gru'");
  x.assertLive('recurrence');
  if (x.ndim !== 3 || x.shape[0]! < 1 || x.shape[1]! < 1)
    fail('recurrence', `the input must be [L, N, in] with L, N >= 1, got ${shapeStr(x.shape)}`, 'pass a sequence of at least one step');
  const [, N, I] = x.shape as [number, number, number];
  const H = wHh.shape[1] ?? 0;
  const GH = GATES[cell] * H;
  check('weight_ih', wIh, [GH, I], `weight_ih is [${GATES[cell]} * hidden, in]`);
  check('weight_hh', wHh, [GH, H], `weight_hh is [${GATES[cell]} * hidden, hidden]`);
  if ((bIh === null) !== (bHh === null)) fail('recurrence', 'pass both biases or neither');
  if (bIh) check('bias_ih', bIh, [GH], `the biases are [${GH}]`);
  if (bHh) check('bias_hh', bHh, [GH], `the biases are [${GH}]`);
  check('h0', h0, [N, H], `h0 is [batch, hidden] = [${N}, ${H}]`);
  if (cell === 'lstm') {
    if (!c0) fail('recurrence', 'an LSTM needs c0', 'pass c0 [batch, hidden]');
    check('c0', c0, [N, H], `c0 is [batch, hidden] = [${N}, ${H}]`);
  }
  const xc = rowsMerge(x) ? null : contiguous(x);
  try {
    const ins = [xc ?? x, wIh, wHh, ...(bIh && bHh ? [bIh, bHh] : []), h0, ...(cell === 'lstm' ? [c0!] : [])];
    return apply('recurrence', ins, { cell, reverse: !!opts.reverse, bias: !!bIh, hidden: H });
  } finally {
    xc?.dispose();
  }
}, false);
