// Reductions over any set of axes. Gradients broadcast the incoming gradient back over the reduced
// axes; max and min share it evenly among tied maxima, as PyTorch's amax/amin do. Every backward is
// built from differentiable ops, so reductions can be differentiated twice; backwards run in a scope
// (graph.ts), so their temporaries need no disposing here.
import { checkOptions, fail, optionKeys, shapeStr } from '../../device/index.ts';
import { argreduce, reduce as reduceKernel, type ArgReduceOp, type DType, type ReduceOp, type View } from '../../kernels/index.ts';
import { contiguousRaw, empty, normAxes, normAxis, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op as decl, withMethodType } from '../define.ts';
import type { Ctx } from '../graph.ts';
import { div, eq, exp, mul, sign, sub, where } from './elementwise.ts';
import { expand, reshape } from './views.ts';

export interface ReduceAttrs {
  axes: number[];
  keepdim: boolean;
}

export interface VarAttrs extends ReduceAttrs {
  /** The divisor is (n - correction): 1 for the unbiased estimate, 0 for the population variance. */
  correction: number;
}

export type NormP = 1 | 2;

export interface NormAttrs extends ReduceAttrs {
  p: NormP;
}

export interface ReductionAttrs {
  sum: ReduceAttrs;
  mean: ReduceAttrs;
  max: ReduceAttrs;
  min: ReduceAttrs;
  prod: ReduceAttrs;
  var: VarAttrs;
  std: VarAttrs;
  logsumexp: ReduceAttrs;
  norm: NormAttrs;
  argmax: ReduceAttrs;
  argmin: ReduceAttrs;
}

export type Axes = number | readonly number[] | undefined;

export interface VarOptions {
  /** Default 1 (Bessel's correction), as torch.var. */
  correction?: number;
  keepdim?: boolean;
}

export function keptShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((s, d) => (axes.includes(d) ? 1 : s)) : shape.filter((_, d) => !axes.includes(d));
}

function outDtype(op: ReduceOp, d: DType): DType {
  if (op === 'sum' || op === 'prod') return d === 'bool' ? 'int32' : d;
  if (op === 'max' || op === 'min') return d;
  return 'float32';
}

export function runReduce(op: ReduceOp, x: Tensor, a: ReduceAttrs, dtype = outDtype(op, x.dtype), center?: View, correction?: number): Tensor {
  const out = empty(keptShape(x.shape, a.axes, a.keepdim), dtype, op);
  reduceKernel(out.dev, op, x, a.axes, out, dtype, { center, correction });
  return out;
}

/** Number of elements each output reduces. */
function count(shape: readonly number[], axes: readonly number[]): number {
  return axes.reduce((p, d) => p * shape[d]!, 1);
}

function asFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : contiguousRaw(x, 'float32', 'cast');
}

/** var/std: the mean first, then the centred sum of squares in one pass (no x - mean tensor). */
function runCentered(op: 'var' | 'std', x: Tensor, a: VarAttrs): Tensor {
  const m = runReduce('mean', x, { axes: a.axes, keepdim: true });
  const out = runReduce(op, x, a, 'float32', m, a.correction);
  m.dispose();
  return out;
}

function runLogsumexp(x0: Tensor, a: ReduceAttrs): Tensor {
  const x = asFloat(x0);
  const m = runReduce('max', x, { axes: a.axes, keepdim: true });
  const out = runReduce('logsumexp', x, a, 'float32', m);
  m.dispose();
  if (x !== x0) x.dispose();
  return out;
}

function runArg(op: ArgReduceOp, x: Tensor, a: ReduceAttrs): Tensor {
  const out = empty(keptShape(x.shape, a.axes, a.keepdim), 'int32', op);
  argreduce(out.dev, op, x, a.axes, out);
  return out;
}

/** The incoming gradient, reshaped to keepdim form and broadcast over the input. */
export function spread(g: Tensor, c: Ctx<ReduceAttrs>): Tensor {
  const shape = c.shapes[0]!;
  return expand(reshape(g, keptShape(shape, c.attrs.axes, true)), shape);
}

/** The forward output in keepdim form, so it broadcasts against the input. */
function keptOutput(c: Ctx<ReduceAttrs>): Tensor {
  return reshape(c.output, keptShape(c.shapes[0]!, c.attrs.axes, true));
}

function extremum(g: Tensor, c: Ctx<ReduceAttrs>): Tensor {
  const x = c.inputs[0]!;
  const y = reshape(c.output, keptShape(x.shape, c.attrs.axes, true));
  const mask = eq(x, y);
  const count = apply('sum', [mask], { axes: c.attrs.axes, keepdim: true });
  const share = div(mask, count);
  return mul(spread(g, c), share);
}

/**
 * d prod / d x_i is the product of the other elements. Dividing the product by x_i fails at zeros, so
 * the product of the non-zero elements p is used: with no zero the gradient is p / x_i; with one zero it
 * is p at the zero and 0 elsewhere, written as (p / x_i) * z, z the zero itself summed out, so that a
 * second derivative still sees its dependence on the zero; with two or more zeros it is 0.
 */
function prodBackward(g: Tensor, c: Ctx<ReduceAttrs>): Tensor {
  const x = c.inputs[0]!;
  const { axes } = c.attrs;
  const zero = eq(x, 0);
  const safe = where(zero, 1, x);
  const p = apply('prod', [safe], { axes, keepdim: true });
  const zeros = apply('sum', [zero], { axes, keepdim: true });
  const z = apply('sum', [where(zero, x, 0)], { axes, keepdim: true });
  const others = div(p, safe);
  const oneZero = where(zero, p, mul(others, z));
  const local = where(eq(zeros, 0), others, where(eq(zeros, 1), oneZero, 0));
  return mul(spread(g, c), local);
}

function varBackward(g: Tensor, c: Ctx<VarAttrs>, std: boolean): Tensor {
  const x = c.inputs[0]!;
  const { axes, correction } = c.attrs;
  const denom = Math.max(0, count(c.shapes[0]!, axes) - correction);
  const centred = sub(x, apply('mean', [x], { axes, keepdim: true }));
  // d var = 2 (x - mean) / denom; d std = d var / (2 std). The mean's own gradient sums to zero.
  const gs = std ? div(spread(g, c), keptOutput(c)) : spread(g, c);
  return mul(mul(gs, centred), (std ? 1 : 2) / denom);
}

function logsumexpBackward(g: Tensor, c: Ctx<ReduceAttrs>): Tensor {
  return mul(spread(g, c), exp(sub(c.inputs[0]!, keptOutput(c))));
}

function normBackward(g: Tensor, c: Ctx<NormAttrs>): Tensor {
  const x = c.inputs[0]!;
  if (c.attrs.p === 1) return mul(spread(g, c), sign(x));
  // x / |x|, and 0 for an all-zero row (as PyTorch), without a 0/0 that a second derivative would meet.
  const n = keptOutput(c);
  return mul(spread(g, c), div(x, where(eq(n, 0), 1, n)));
}

const apply: FamilyApply<ReductionAttrs> = rules<ReductionAttrs>({
  sum: { forward: ([x], a) => runReduce('sum', x!, a), backward: (g, c) => [spread(g, c)], saves: { inputs: false, output: false } },
  mean: {
    forward: ([x], a) => runReduce('mean', x!, a),
    backward: (g, c) => [mul(spread(g, c), 1 / count(c.shapes[0]!, c.attrs.axes))],
    saves: { inputs: false, output: false },
  },
  max: { forward: ([x], a) => runReduce('max', x!, a), backward: (g, c) => [extremum(g, c)] },
  min: { forward: ([x], a) => runReduce('min', x!, a), backward: (g, c) => [extremum(g, c)] },
  prod: { forward: ([x], a) => runReduce('prod', x!, a), backward: (g, c) => [prodBackward(g, c)], saves: { output: false } },
  var: { forward: ([x], a) => runCentered('var', x!, a), backward: (g, c) => [varBackward(g, c, false)], saves: { output: false } },
  std: { forward: ([x], a) => runCentered('std', x!, a), backward: (g, c) => [varBackward(g, c, true)] },
  logsumexp: { forward: ([x], a) => runLogsumexp(x!, a), backward: (g, c) => [logsumexpBackward(g, c)] },
  norm: {
    forward: ([x], a) => runReduce(a.p === 1 ? 'asum' : 'norm2', x!, a, 'float32'),
    backward: (g, c) => [normBackward(g, c)],
  },
  argmax: { forward: ([x], a) => runArg('argmax', x!, a), backward: 'none' },
  argmin: { forward: ([x], a) => runArg('argmin', x!, a), backward: 'none' },
});

/** max, min, argmax and argmin have no value over an empty axis. */
function nonEmpty(op: string, x: Tensor, axes: readonly number[]): void {
  const d = axes.find((k) => x.shape[k] === 0);
  if (d !== undefined && keptShape(x.shape, axes, false).every((s) => s > 0))
    fail(op, `axis ${d} of shape ${shapeStr(x.shape)} is empty, and an empty reduction has no ${op.startsWith('arg') ? 'index' : 'value'}`, 'reduce only over axes of size at least 1');
}

const make = (op: 'sum' | 'mean' | 'max' | 'min' | 'prod') => (x: Tensor, axes?: Axes, keepdim = false): Tensor => {
  const a = normAxes(op, axes, x.ndim);
  if (op === 'max' || op === 'min') nonEmpty(op, x, a);
  return apply(op, [x], { axes: a, keepdim });
};

export const sum = decl(make('sum'));
export const mean = decl(make('mean'));
export const prod = decl(make('prod'));

export interface ExtremumOptions {
  keepdim?: boolean;
  /** Also return the index of the (first) extremum along the one axis given, as PyTorch's max(x, dim). */
  indices?: boolean;
}
/** PyTorch's (values, indices) pair of max(x, dim), as an object. */
export interface ValuesIndices {
  values: Tensor;
  /** int32 positions along the reduced axis. */
  indices: Tensor;
}
const EXTREMUM_OPTIONS = optionKeys<ExtremumOptions>({ keepdim: true, indices: true });

/** max / min as declared: values over `axes`; with {indices: true} over one axis, values and indices. */
interface Extremum {
  (x: Tensor, axes?: Axes, keepdim?: boolean | (ExtremumOptions & { indices?: false })): Tensor;
  (x: Tensor, axis: number, opts: ExtremumOptions & { indices: true }): ValuesIndices;
}
interface ExtremumMethod {
  (axes?: Axes, keepdim?: boolean | (ExtremumOptions & { indices?: false })): Tensor;
  (axis: number, opts: ExtremumOptions & { indices: true }): ValuesIndices;
}

function extremumOp(op: 'max' | 'min'): Extremum {
  const values = make(op);
  return ((x: Tensor, axes?: Axes, k: boolean | ExtremumOptions = false): Tensor | ValuesIndices => {
    if (typeof k === 'boolean') return values(x, axes, k);
    const o = checkOptions(op, k, EXTREMUM_OPTIONS);
    const keepdim = o.keepdim ?? false;
    if (!o.indices) return values(x, axes, keepdim);
    if (typeof axes !== 'number')
      fail(op, `indices need exactly one axis, got ${axes === undefined ? 'none' : JSON.stringify(axes)}`, `pass one axis: x.${op}(1, {indices: true})`);
    const v = values(x, axes, keepdim);
    return { values: v, indices: makeArg(op === 'max' ? 'argmax' : 'argmin')(x, axes, keepdim) };
  }) as Extremum;
}

/**
 * The maximum over axes (all by default). With {indices: true} and one axis it returns
 * {values, indices} as PyTorch's torch.max(x, dim): x.max(1, {keepdim: true, indices: true}).
 */
export const max = withMethodType<ExtremumMethod>()(decl(extremumOp('max')));
/** The minimum over axes; {indices: true} with one axis gives {values, indices} as for max. */
export const min = withMethodType<ExtremumMethod>()(decl(extremumOp('min')));

function centered(op: 'var' | 'std', x: Tensor, axes: Axes, opts: VarOptions): Tensor {
  const correction = opts.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction))
    fail(op, `correction must be a finite number, got ${String(correction)}`, 'use 1 for the unbiased estimate (the default) or 0 for the population value');
  return apply(op, [x], { axes: normAxes(op, axes, x.ndim), keepdim: opts.keepdim ?? false, correction });
}

/** Variance over axes (all by default), dividing by n - correction (torch.var). */
const variance = decl(function variance(x: Tensor, axes?: Axes, opts: VarOptions = {}): Tensor {
  return centered('var', x, axes, opts);
});
export { variance as var };

/** Standard deviation over axes (all by default), sqrt(var) with the same correction. */
export const std = decl(function std(x: Tensor, axes?: Axes, opts: VarOptions = {}): Tensor {
  return centered('std', x, axes, opts);
});

/** log(sum(exp(x))) over axes, computed after subtracting the maximum so it cannot overflow. */
export const logsumexp = decl(function logsumexp(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return apply('logsumexp', [x], { axes: normAxes('logsumexp', axes, x.ndim), keepdim });
});

/** The L1 (p = 1) or L2 (p = 2, default) norm over axes (all by default). */
export const norm = decl(function norm(x: Tensor, p: NormP = 2, axes?: Axes, keepdim = false): Tensor {
  if (p !== 1 && p !== 2) fail('norm', `p = ${String(p)} is not supported`, 'use p = 1 or p = 2');
  return apply('norm', [x], { axes: normAxes('norm', axes, x.ndim), keepdim, p });
});

const makeArg = (op: ArgReduceOp) => (x: Tensor, axis?: number, keepdim = false): Tensor => {
  const axes = axis === undefined ? [...x.shape.keys()] : [normAxis(op, axis, x.ndim)].filter((d) => d < x.ndim);
  nonEmpty(op, x, axes);
  return apply(op, [x], { axes, keepdim });
};

/** Index (int32) of the first maximum along `axis`, or in the flattened tensor when no axis is given. */
export const argmax = decl(makeArg('argmax'));
/** Index (int32) of the first minimum along `axis`, or in the flattened tensor when no axis is given. */
export const argmin = decl(makeArg('argmin'));
