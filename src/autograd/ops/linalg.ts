// Matrix products: matmul with torch.matmul's rules (1-D operands as row/column vectors, broadcast batch
// dimensions) and linear (x @ w.T + b, with the bias added in the kernel's store). Operands go to the
// kernel as strided views, so transposes cost nothing. Backward rules are matmuls of transposed views,
// themselves differentiable, so gradients of gradients work.
import { fail, shapeStr } from '../../device/index.ts';
import { matmul as matmulKernel, numel, type View } from '../../kernels/index.ts';
import { broadcastStrides, empty, expectTensor, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op as decl } from '../define.ts';
import { sum } from './reduce.ts';
import { reshape, transpose } from './views.ts';

export interface LinalgAttrs {
  /** Both operands have rank >= 2 here; the functional form turns 1-D operands into matrices. */
  matmul: {};
  /** Inputs [x, w] or [x, w, b]. */
  linear: {};
}


/** t viewed at `shape` (t's trailing dimensions, broadcast leading ones at stride 0). */
function viewAt(t: Tensor, shape: readonly number[], strides?: readonly number[]): View {
  const st = strides ?? broadcastStrides(t.shape, t.strides, shape);
  return { buffer: t.buffer, dtype: t.dtype, shape, strides: st, offset: t.offset };
}

function batchOf(a: Tensor, b: Tensor): number[] {
  const ab = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const nd = Math.max(ab.length, bb.length);
  const out: number[] = [];
  for (let d = 0; d < nd; d++) {
    const x = ab[d - (nd - ab.length)] ?? 1;
    const y = bb[d - (nd - bb.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return [];
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Freshly made intermediates are disposed once the op that consumes them has recorded them. */
function disposeAll(...ts: (Tensor | null)[]): void {
  for (const t of ts) t?.dispose();
}

const apply: FamilyApply<LinalgAttrs> = rules<LinalgAttrs>({
  matmul: {
    forward: ([a, b]) => {
      const batch = batchOf(a!, b!);
      const [M, K] = a!.shape.slice(-2) as [number, number];
      const N = b!.shape[b!.ndim - 1]!;
      const out = empty([...batch, M, N], 'float32', 'matmul');
      matmulKernel(out.dev, viewAt(a!, [...batch, M, K]), viewAt(b!, [...batch, K, N]), out);
      return out;
    },
    backward: (g, c) => {
      const [a, b] = c.inputs as [Tensor, Tensor];
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (c.needs[0]) ga = matmul(g, transpose(b));
      if (c.needs[1]) {
        if (b.ndim === 2 && a.ndim > 2) {
          // A matrix shared by a batch: fold the batch into K instead of summing per-batch products.
          const K = a.shape[a.ndim - 1]!;
          gb = matmul(transpose(reshape(a, [-1, K])), reshape(g, [-1, g.shape[g.ndim - 1]!]));
        } else gb = matmul(transpose(a), g);
      }
      return [ga, gb];
    },
    saves: { output: false },
  },
  linear: {
    forward: ([x, w, b]) => {
      const [O, I] = w!.shape as [number, number];
      const lead = x!.shape.slice(0, -1);
      const out = empty([...lead, O], 'float32', 'linear');
      // The kernel wants rank >= 2: a 1-D x is a one-row matrix.
      const rows = x!.ndim === 1 ? [1] : [lead[lead.length - 1]!];
      const batch = x!.ndim === 1 ? [] : lead.slice(0, -1);
      const shape = [...batch, ...rows];
      const xv = x!.ndim === 1 ? viewAt(x!, [1, I], [0, x!.strides[0]!]) : viewAt(x!, [...shape, I]);
      const wt = viewAt(w!, [...batch, I, O], [...batch.map(() => 0), w!.strides[1]!, w!.strides[0]!]);
      const ov: View = { buffer: out.buffer, dtype: 'float32', shape: [...shape, O], strides: [...batch.map((_, d) => numel(shape.slice(d + 1)) * O), O, 1], offset: 0 };
      const bv = b ? viewAt(b, [...shape, O], [...shape.map(() => 0), b.strides[0]!]) : undefined;
      matmulKernel(out.dev, xv, wt, ov, bv);
      return out;
    },
    backward: (g, c) => {
      const [x, w] = c.inputs as [Tensor, Tensor];
      const [O, I] = w.shape as [number, number];
      const gx = c.needs[0] ? matmul(g, w) : null;
      const gw = c.needs[1] ? matmul(transpose(reshape(g, [-1, O])), reshape(x, [-1, I])) : null;
      const gb = c.needs[2] ? (g.ndim === 1 ? g : sum(g, [...Array(g.ndim - 1).keys()])) : null;
      return [gx, gw, gb];
    },
    saves: { output: false },
  },
});

function checkFloat(op: string, ...ts: Tensor[]): void {
  for (const [i, t] of ts.entries()) {
    expectTensor(op, `argument ${i + 1}`, t);
    if (t.dtype !== 'float32') fail(op, `operands must be float32, got a ${t.dtype} tensor of shape ${shapeStr(t.shape)}`, 'convert it with .float()');
  }
}

/**
 * The matrix product as torch.matmul: 2-D @ 2-D; a 1-D left operand is a row vector and a 1-D right
 * operand a column vector (their added dimension is dropped from the result); leading dimensions are
 * batch dimensions and broadcast.
 */
export const matmul = decl(function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat('matmul', a, b);
  const shapes = `shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`;
  if (a.ndim === 0 || b.ndim === 0) fail('matmul', `${shapes}: both operands need at least one dimension`, 'use mul() to scale by a scalar');
  const ka = a.shape[a.ndim - 1]!;
  const kb = b.shape[Math.max(b.ndim - 2, 0)]!;
  if (ka !== kb)
    fail('matmul', `${shapes} cannot be multiplied: inner dimensions ${ka} and ${kb} differ`, 'the last dimension of a must equal the second-to-last of b (the only one for a 1-D b)');
  const a2 = a.ndim === 1 ? reshape(a, [1, ka]) : null;
  const b2 = b.ndim === 1 ? reshape(b, [kb, 1]) : null;
  const A = a2 ?? a;
  const B = b2 ?? b;
  const batch = batchOf(A, B);
  if (batch.length !== Math.max(A.ndim, B.ndim) - 2) {
    disposeAll(a2, b2);
    fail('matmul', `${shapes} have batch dimensions ${shapeStr(A.shape.slice(0, -2))} and ${shapeStr(B.shape.slice(0, -2))} that cannot be broadcast together`, 'make each batch dimension equal, or 1 to broadcast');
  }
  const out = apply('matmul', [A, B], {});
  if (!a2 && !b2) return out;
  const shape = [...batch, ...(a2 ? [] : [a.shape[a.ndim - 2]!]), ...(b2 ? [] : [b.shape[b.ndim - 1]!])];
  const r = reshape(out, shape);
  disposeAll(out, a2, b2);
  return r;
});

/** torch.nn.functional.linear: x [..., in] @ w.T ([out, in]) + b ([out]), the bias fused into the product. */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  checkFloat('linear', x, w, ...(b ? [b] : []));
  if (x.ndim === 0) fail('linear', `the input must have at least one dimension, got shape ${shapeStr(x.shape)}`, 'give x the shape [..., in_features]');
  if (w.ndim !== 2) fail('linear', `the weight must be 2-D [out_features, in_features], got shape ${shapeStr(w.shape)}`);
  const I = x.shape[x.ndim - 1]!;
  if (w.shape[1] !== I)
    fail('linear', `input ${shapeStr(x.shape)} has ${I} features but weight ${shapeStr(w.shape)} expects ${w.shape[1]}`, 'the last dimension of x must equal weight.shape[1]');
  if (b && (b.ndim !== 1 || b.shape[0] !== w.shape[0]))
    fail('linear', `bias ${shapeStr(b.shape)} does not match weight ${shapeStr(w.shape)}`, `pass a bias of shape [${w.shape[0]}]`);
  return apply('linear', b ? [x, w, b] : [x, w], {});
}
