// Recurrent cells: the elementwise half of one timestep of an RNN, LSTM or GRU, fused into one
// dispatch forward and one backward (the matrix half is a GEMM, run by the caller). A layer-direction
// keeps everything in one workspace [L + 1, N, S]: each row ("slot") holds h_t, then c_t (LSTM) and
// what the backward pass needs (the activated gates), so a timestep reads the previous slot and writes
// its own and no scratch outlives the layer. One invocation per (batch row, hidden unit): no barriers.
import type { Device } from '../device/index.ts';
import { WG } from './constants.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';
import type { View } from './view.ts';

export type CellKind = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

const CELL: Record<CellKind, number> = { rnnTanh: 0, rnnRelu: 1, lstm: 2, gru: 3 };

/** Gate blocks per cell (rows of weight_ih are gates * hidden), as PyTorch: LSTM i f g o, GRU r z n. */
export const GATES: Record<CellKind, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };

/**
 * A slot's width S in units of the hidden size: h; LSTM adds c and i, f, g, o; GRU adds r, z, n and
 * hn = W_hn h + b_hn (needed because r multiplies it).
 */
export const SLOT_WIDTH: Record<CellKind, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 6, gru: 5 };

/**
 * Width of a row of the gate-gradient buffer in units of the hidden size: the gradient reaching the input
 * projection, then (GRU only, where they differ in the n block) the one reaching the hidden projection.
 */
export const DGATE_WIDTH: Record<CellKind, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 6 };

export const RnnCellParams = params('RnnCell', {
  /** N * H invocations. */
  n: 'u32',
  hidden: 'u32',
  /** The workspace row stride S and the element offsets of this step's slot and the previous one. */
  ws_stride: 'u32',
  cur: 'u32',
  prev: 'u32',
  /** Forward: where the input projection of this step starts and its row stride. */
  off_x: 'u32',
  rx: 'u32',
  /** Backward: 1 on the first step processed (no recurrent gradient yet). */
  first: 'u32',
  /** Backward: the workspace gradient at this slot (offset, batch-row and column strides). */
  dy_off: 'u32',
  dy_sn: 'u32',
  dy_sc: 'u32',
  /** Backward: where this step's gate gradients go and their row stride. */
  off_dg: 'u32',
  gw: 'u32',
  /** Backward: offsets of the recurrent gradient and the carry ([N, H] each). */
  off_hr: 'u32',
  off_ca: 'u32',
  /** Backward: the per-batch-row sums of the gate gradients over time ([N, DGATE_WIDTH * H]). */
  off_db: 'u32',
});

export interface CellStep {
  N: number;
  H: number;
  /** Workspace slot offsets (elements): this step's and the previous one's. */
  cur: number;
  prev: number;
}

function spec(name: 'rnn_cell' | 'rnn_cell_backward', kind: CellKind, reads: number, writes: number) {
  return cachedSpec(`${name}|${kind}`, () => ({
    name: `${name}:${kind}`,
    source: render(name, RnnCellParams, {}),
    reads,
    writes,
    constants: { CELL: CELL[kind] },
  }));
}

/**
 * One forward step: pre-activations are xproj (this step's rows of the input projection, bias included)
 * plus hproj ([N, G*H] contiguous, W_hh h_{t-1} + b_hh); writes slot `cur` of the workspace `ws`.
 */
export function rnnCell(dev: Device, kind: CellKind, xproj: View, rowStride: number, hproj: View, ws: View, s: CellStep): void {
  const n = s.N * s.H;
  if (n === 0) return;
  dev.dispatch(
    spec('rnn_cell', kind, 2, 1),
    (w) =>
      RnnCellParams.write(w, {
        ...RnnCellParams.zero(),
        n,
        hidden: s.H,
        ws_stride: SLOT_WIDTH[kind] * s.H,
        cur: ws.offset + s.cur,
        prev: ws.offset + s.prev,
        off_x: xproj.offset,
        rx: rowStride,
      }),
    [xproj.buffer, hproj.buffer, ws.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}

export interface CellBackwardStep extends CellStep {
  first: boolean;
  /** The workspace gradient's offset at this slot and its strides along batch rows and columns. */
  dyOff: number;
  dySn: number;
  dySc: number;
  /** Element offset of this step's rows in `dg` (row stride DGATE_WIDTH * H). */
  dgOff: number;
}

/**
 * One backward step: reads the workspace gradient `dy` at this slot plus the recurrent gradient `dhRec`
 * ([N, H], dgates_{t+1} W_hh, ignored on the first step) and the carry ([N, H]: dc for LSTM, the direct
 * dh path z * dh for GRU); writes the gate gradients and replaces the carry with the previous step's.
 * `dbAcc` [N, DGATE_WIDTH * H] sums the gate gradients over time (set on the first step), so the bias
 * gradients need only a reduction over N afterwards instead of one over L * N rows.
 */
export function rnnCellBackward(dev: Device, kind: CellKind, dy: GPUBuffer, ws: View, dhRec: View, dg: View, carry: View, dbAcc: View, s: CellBackwardStep): void {
  const n = s.N * s.H;
  if (n === 0) return;
  dev.dispatch(
    spec('rnn_cell_backward', kind, 3, 3),
    (w) =>
      RnnCellParams.write(w, {
        n,
        hidden: s.H,
        ws_stride: SLOT_WIDTH[kind] * s.H,
        cur: ws.offset + s.cur,
        prev: ws.offset + s.prev,
        off_x: 0,
        rx: 0,
        off_hr: dhRec.offset,
        off_ca: carry.offset,
        off_db: dbAcc.offset,
        first: s.first ? 1 : 0,
        dy_off: s.dyOff,
        dy_sn: s.dySn,
        dy_sc: s.dySc,
        off_dg: dg.offset + s.dgOff,
        gw: DGATE_WIDTH[kind] * s.H,
      }),
    [dy, dhRec.buffer, ws.buffer, dg.buffer, carry.buffer, dbAcc.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}
