// Reductions over any set of axes. Gradients broadcast the incoming gradient back over the reduced
// axes; max and min share it evenly among tied maxima, as PyTorch's amax/amin do.
import { reduce as reduceKernel, type ReduceOp, type DType } from '../../kernels/index.ts';
import { empty, normAxes, type Tensor } from '../../tensor/index.ts';
import { apply } from '../apply.ts';
import type { Ctx, RulesFor } from '../graph.ts';
import { div, eq, mul } from './elementwise.ts';
import { expand, reshape } from './views.ts';

export interface ReduceAttrs {
  axes: number[];
  keepdim: boolean;
}

export interface ReductionAttrs {
  sum: ReduceAttrs;
  mean: ReduceAttrs;
  max: ReduceAttrs;
  min: ReduceAttrs;
}

export type Axes = number | readonly number[] | undefined;

export function keptShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((s, d) => (axes.includes(d) ? 1 : s)) : shape.filter((_, d) => !axes.includes(d));
}

function outDtype(op: ReduceOp, d: DType): DType {
  if (op === 'mean') return 'float32';
  if (op === 'sum' || op === 'prod') return d === 'bool' ? 'int32' : d;
  return d;
}

export function runReduce(op: ReduceOp, x: Tensor, a: ReduceAttrs, dtype = outDtype(op, x.dtype)): Tensor {
  const out = empty(keptShape(x.shape, a.axes, a.keepdim), dtype, op);
  reduceKernel(out.dev, op, x, a.axes, out, dtype);
  return out;
}

/** The incoming gradient, reshaped to keepdim form and broadcast over the input. */
export function spread(g: Tensor, c: Ctx<ReduceAttrs>): Tensor {
  const shape = c.shapes[0]!;
  const kept = reshape(g, keptShape(shape, c.attrs.axes, true));
  const e = expand(kept, shape);
  kept.dispose();
  return e;
}

function extremum(g: Tensor, c: Ctx<ReduceAttrs>): Tensor {
  const x = c.inputs[0]!;
  const y = reshape(c.output, keptShape(x.shape, c.attrs.axes, true));
  const mask = eq(x, y);
  const count = apply('sum', [mask], { axes: c.attrs.axes, keepdim: true });
  const share = div(mask, count);
  const gs = spread(g, c);
  const out = mul(gs, share);
  for (const t of [y, mask, count, share, gs]) t.dispose();
  return out;
}

export const reductionRules: RulesFor<ReductionAttrs> = {
  sum: { forward: ([x], a) => runReduce('sum', x!, a), backward: (g, c) => [spread(g, c)], saves: { inputs: false, output: false } },
  mean: {
    forward: ([x], a) => runReduce('mean', x!, a),
    backward: (g, c) => {
      const s = spread(g, c);
      const n = c.attrs.axes.reduce((p, d) => p * c.shapes[0]![d]!, 1);
      const out = mul(s, 1 / n);
      s.dispose();
      return [out];
    },
    saves: { inputs: false, output: false },
  },
  max: { forward: ([x], a) => runReduce('max', x!, a), backward: (g, c) => [extremum(g, c)] },
  min: { forward: ([x], a) => runReduce('min', x!, a), backward: (g, c) => [extremum(g, c)] },
};

const make = (op: keyof ReductionAttrs) => (x: Tensor, axes?: Axes, keepdim = false) =>
  apply(op, [x], { axes: normAxes(op, axes, x.ndim), keepdim });

export const sum = make('sum');
export const mean = make('mean');
/** The maximum over axes (values only; see argmax for indices). */
export const max = make('max');
export const min = make('min');
