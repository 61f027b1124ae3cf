// Float64 references for every elementwise op (the unary(), binary() and fused() declarations in src/autograd/ops/elementwise.ts), one
// line per op, plus helpers that build non-contiguous GPU tensors holding a reference's values.
//
// Each line gives the op's float64 function, the input domain its tests draw from, whether integer
// inputs stay integer, what the result dtype is, and where its gradient is smooth enough for finite
// differences. Tolerances: `tol` (default rtol 1e-5, atol 1e-6) covers float32 rounding of the GPU's
// transcendental functions; ops with approximations (erf in gelu) state a looser one.
import * as wg from '../../src/index.ts';
import { broadcastMap, type Ref, type Tolerance } from './index.ts';
import { broadcastTo } from './indexing.ts';

const f = Math.fround;

/** erf to ~1e-15: Taylor series near 0, continued fraction for erfc in the tails. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
      if (Math.abs(term) < 1e-17) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards.
  let cf = ax;
  for (let k = 60; k >= 1; k--) cf = ax + k / 2 / cf;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / cf;
  return Math.sign(x) * (1 - erfc);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const roundHalfEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const sign = (x: number) => (Number.isNaN(x) ? NaN : Math.sign(x) + 0);
const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
const bool = (v: boolean) => (v ? 1 : 0);
const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluGrad = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
/** PyTorch's (C's) pow: NaN for negative bases with fractional exponents, and pow(1, y) = pow(-1, ±Inf) = 1 where JS gives NaN. */
const pow = (a: number, b: number) => (b === 0 || a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b));

export interface OpRef {
  /** float64 semantics; binary ops get two arguments. `at` holds the op's scalar attributes. */
  f: (a: number, b: number, at: { alpha?: number; beta?: number }) => number;
  arity: 1 | 2;
  /** Domain of random test inputs (both operands of a binary op). */
  lo: number;
  hi: number;
  /** Domain of the second operand when it differs. */
  lo2?: number;
  hi2?: number;
  /** The op keeps int32 inputs int32 (compared exactly on random integers). */
  int?: boolean;
  /** Result dtype when not the promoted input dtype. */
  out?: 'bool' | 'float';
  /** Attributes passed to apply (and to f). */
  at?: { alpha?: number; beta?: number };
  tol?: Tolerance;
  /** Differentiable: gradcheck draws from [gradLo, gradHi] (kinks and poles left out). */
  grad?: { lo: number; hi: number; lo2?: number; hi2?: number; tol?: Tolerance; /** Inputs with a non-zero gradient (default all). */ wrt?: number[] };
  /** Internal gradient kernels are reached through apply(); they have no public function. */
  internal?: boolean;
}

const U = (f: (a: number, at: { alpha?: number; beta?: number }) => number, lo: number, hi: number, rest: Partial<OpRef> = {}): OpRef => ({ f: (a, _b, at) => f(a, at), arity: 1, lo, hi, ...rest });
const B = (f: OpRef['f'], lo: number, hi: number, rest: Partial<OpRef> = {}): OpRef => ({ f, arity: 2, lo, hi, ...rest });
const smooth = (lo: number, hi: number, rest: Partial<NonNullable<OpRef['grad']>> = {}) => ({ lo, hi, ...rest });

/** One line per op. A newly declared elementwise op without a line here fails test/elementwise.test.ts. */
export const OPS: Record<string, OpRef> = {
  neg: U((a) => -a, -5, 5, { int: true, grad: smooth(-2, 2) }),
  abs: U(Math.abs, -5, 5, { int: true, grad: smooth(0.1, 2) }),
  sign: U(sign, -5, 5, { int: true }),
  exp: U(Math.exp, -5, 5, { grad: smooth(-2, 2) }),
  log: U(Math.log, 0.01, 10, { grad: smooth(0.5, 3) }),
  log1p: U(Math.log1p, -0.99, 10, { grad: smooth(-0.5, 3) }),
  expm1: U(Math.expm1, -3, 3, { tol: { rtol: 1e-5, atol: 1e-6 }, grad: smooth(-2, 2) }),
  sqrt: U(Math.sqrt, 0, 10, { grad: smooth(0.5, 3) }),
  rsqrt: U((a) => 1 / Math.sqrt(a), 0.01, 10, { tol: { rtol: 1e-5 }, grad: smooth(0.5, 3) }),
  square: U((a) => a * a, -5, 5, { int: true, grad: smooth(-2, 2) }),
  reciprocal: U((a) => 1 / a, 0.1, 5, { grad: smooth(0.5, 3) }),
  // WGSL only promises sin/cos to 2^-11 absolute on [-pi, pi]; SwiftShader's are off by up to ~2e-4.
  sin: U(Math.sin, -3, 3, { tol: { atol: 5e-4 }, grad: smooth(-3, 3, { tol: { atol: 1e-3 } }) }),
  cos: U(Math.cos, -3, 3, { tol: { atol: 5e-4 }, grad: smooth(-3, 3, { tol: { atol: 1e-3 } }) }),
  tanh: U(Math.tanh, -5, 5, { tol: { atol: 2e-6 }, grad: smooth(-2, 2) }),
  sigmoid: U(sigmoid, -8, 8, { tol: { atol: 1e-6 }, grad: smooth(-3, 3) }),
  relu: U((a) => (a < 0 ? 0 : a), -5, 5, { int: true, grad: smooth(0.1, 2) }),
  leakyRelu: U((a, at) => (a < 0 ? a * at.alpha! : a), -5, 5, { at: { alpha: 0.2 }, grad: smooth(0.1, 2) }),
  elu: U((a, at) => (a <= 0 ? at.alpha! * Math.expm1(a) : a), -5, 5, { at: { alpha: 1.5 }, tol: { rtol: 1e-5, atol: 2e-6 }, grad: smooth(0.1, 2) }),
  gelu: U(gelu, -5, 5, { tol: { rtol: 1e-5, atol: 1e-6 }, grad: smooth(-3, 3) }),
  silu: U((a) => a * sigmoid(a), -8, 8, { tol: { atol: 2e-6 }, grad: smooth(-3, 3) }),
  softplus: U((a) => Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a))), -20, 20, { tol: { atol: 2e-6 }, grad: smooth(-3, 3) }),
  floor: U(Math.floor, -5, 5, { int: true }),
  ceil: U(Math.ceil, -5, 5, { int: true }),
  round: U(roundHalfEven, -5, 5, { int: true }),
  clamp: U((a, at) => (Number.isNaN(a) ? NaN : Math.min(Math.max(a, at.alpha!), at.beta!)), -3, 3, { at: { alpha: -1, beta: 0.5 }, grad: smooth(-0.9, 0.4) }),
  logicalNot: U((a) => bool(a === 0), -2, 2, { out: 'bool' }),
  isnan: U((a) => bool(Number.isNaN(a)), -2, 2, { out: 'bool' }),
  isfinite: U((a) => bool(Number.isFinite(a)), -2, 2, { out: 'bool' }),

  add: B((a, b) => a + b, -5, 5, { int: true, grad: smooth(-2, 2) }),
  sub: B((a, b) => a - b, -5, 5, { int: true, grad: smooth(-2, 2) }),
  mul: B((a, b) => a * b, -5, 5, { int: true, grad: smooth(-2, 2) }),
  div: B((a, b) => a / b, -5, 5, { lo2: 0.5, hi2: 5, out: 'float', grad: smooth(-2, 2, { lo2: 0.5, hi2: 3 }) }),
  pow: B(pow, 0.1, 3, { lo2: -2, hi2: 2, out: 'float', tol: { rtol: 2e-5 }, grad: smooth(0.5, 2, { lo2: -2, hi2: 2 }) }),
  maximum: B(nanMax, -5, 5, { int: true, grad: smooth(-2, 2) }),
  minimum: B(nanMin, -5, 5, { int: true, grad: smooth(-2, 2) }),
  eq: B((a, b) => bool(a === b), -2, 2, { int: true, out: 'bool' }),
  ne: B((a, b) => bool(a !== b), -2, 2, { int: true, out: 'bool' }),
  lt: B((a, b) => bool(a < b), -2, 2, { int: true, out: 'bool' }),
  le: B((a, b) => bool(a <= b), -2, 2, { int: true, out: 'bool' }),
  gt: B((a, b) => bool(a > b), -2, 2, { int: true, out: 'bool' }),
  ge: B((a, b) => bool(a >= b), -2, 2, { int: true, out: 'bool' }),
  logicalAnd: B((a, b) => bool(a !== 0 && b !== 0), -1, 2, { int: true, out: 'bool' }),
  logicalOr: B((a, b) => bool(a !== 0 || b !== 0), -1, 2, { int: true, out: 'bool' }),
  logicalXor: B((a, b) => bool((a !== 0) !== (b !== 0)), -1, 2, { int: true, out: 'bool' }),

  // Fused gradient kernels: a is the incoming gradient, b the saved input (or output).
  reluBackward: B((a, b) => (b > 0 ? a : 0), -2, 2, { internal: true, grad: smooth(0.1, 2, { wrt: [0] }) }),
  leakyReluBackward: B((a, b, at) => (b > 0 ? a : a * at.alpha!), -2, 2, { internal: true, at: { alpha: 0.2 }, grad: smooth(0.1, 2, { wrt: [0] }) }),
  eluBackward: B((a, b, at) => (b > 0 ? a : a * at.alpha! * Math.exp(b)), -2, 2, { internal: true, at: { alpha: 1.5 } }),
  geluBackward: B((a, b) => a * geluGrad(b), -3, 3, { internal: true, tol: { rtol: 1e-5, atol: 2e-6 } }),
  siluBackward: B((a, b) => a * sigmoid(b) * (1 + b * (1 - sigmoid(b))), -3, 3, { internal: true, tol: { atol: 2e-6 } }),
  sigmoidOf: B((a, b) => a * sigmoid(b), -3, 3, { internal: true, tol: { atol: 1e-6 }, grad: smooth(-2, 2) }),
  tanhBackward: B((a, b) => a * (1 - b * b), -2, 2, { internal: true, grad: smooth(-2, 2) }),
  sigmoidBackward: B((a, b) => a * b * (1 - b), -2, 2, { internal: true, grad: smooth(-2, 2) }),
  clampBackward: B((a, b, at) => (b >= at.alpha! && b <= at.beta! ? a : 0), -2, 2, { internal: true, at: { alpha: -1, beta: 0.5 }, grad: smooth(-0.9, 0.4, { lo2: -0.9, hi2: 0.4, wrt: [0] }) }),
};

/** The op applied to float64 refs with broadcasting, inputs rounded to float32 first (as the GPU sees them). */
export function refOf(name: string, ...xs: Ref[]): Ref {
  const op = OPS[name]!;
  const at = op.at ?? {};
  return op.arity === 1 ? broadcastMap((a) => op.f(f(a), 0, at), xs[0]!) : broadcastMap((a, b) => op.f(f(a), f(b), at), xs[0]!, xs[1]!);
}

/** The op in pure float64, for finite differences (rounding x +- h to float32 would swamp h). */
export function ref64(name: string, ...xs: Ref[]): Ref {
  const op = OPS[name]!;
  const at = op.at ?? {};
  return op.arity === 1 ? broadcastMap((a) => op.f(a, 0, at), xs[0]!) : broadcastMap((a, b) => op.f(a, b, at), xs[0]!, xs[1]!);
}

// Layouts: GPU tensors whose logical values equal a Ref but whose memory is laid out differently. They
// are raw views (leaves without autograd history), so gradcheck can differentiate with respect to them.

const up = (data: ArrayLike<number>, shape: number[], dtype: wg.DType) =>
  wg.tensor(dtype === 'int32' ? Int32Array.from(data) : dtype === 'bool' ? Uint8Array.from(data, (v) => (v ? 1 : 0)) : Float32Array.from(data), { shape, dtype });

export type Layout = 'contiguous' | 'transposed' | 'sliced' | 'offset';

/** A tensor holding `r`'s values in the given layout. */
export function place(r: Ref, layout: Layout = 'contiguous', dtype: wg.DType = 'float32'): wg.Tensor {
  const nd = r.shape.length;
  if (layout === 'contiguous' || nd === 0) return up(r.data, r.shape, dtype);
  if (layout === 'transposed' && nd >= 2) {
    // Stored with the last two axes swapped, read back through a transposing view.
    const sh = [...r.shape];
    [sh[nd - 2], sh[nd - 1]] = [sh[nd - 1]!, sh[nd - 2]!];
    const t = up(permuteRef(r, nd).data, sh, dtype);
    const v = wg.views.transpose(t, -2, -1);
    t.dispose();
    return v;
  }
  // Every other element of a longer last axis (step 2), or the tail of a buffer (offset 3).
  const last = r.shape[nd - 1]!;
  const step = layout === 'offset' ? 1 : 2;
  const pad = layout === 'offset' ? 3 : 0;
  const sh = [...r.shape.slice(0, -1), last * step + pad];
  const data = new Float64Array(sh.reduce((p, q) => p * q, 1)).fill(-777);
  for (let i = 0; i < r.data.length; i++) data[Math.floor(i / last) * sh[nd - 1]! + pad + (i % last) * step] = r.data[i]!;
  const t = up(data, sh, dtype);
  const v = wg.views.slice(t, -1, pad, pad + last * step, step);
  t.dispose();
  return v;
}

function permuteRef(r: Ref, nd: number): Ref {
  const sh = [...r.shape];
  [sh[nd - 2], sh[nd - 1]] = [sh[nd - 1]!, sh[nd - 2]!];
  const rows = r.shape[nd - 2]!;
  const cols = r.shape[nd - 1]!;
  const data = new Float64Array(r.data.length);
  for (let i = 0; i < r.data.length; i++) {
    const b = Math.floor(i / (rows * cols));
    const k = i % (rows * cols);
    data[b * rows * cols + (k % cols) * rows + Math.floor(k / cols)] = r.data[i]!;
  }
  return { data, shape: sh };
}

/** A stride-0 view of `r` (which has size-1 axes) expanded to `shape`, with the expanded reference. */
export function expanded(r: Ref, shape: number[], dtype: wg.DType = 'float32'): { t: wg.Tensor; ref: Ref } {
  const base = up(r.data, r.shape, dtype);
  const t = wg.views.expand(base, shape);
  base.dispose();
  return { t, ref: broadcastTo(r, shape) };
}
