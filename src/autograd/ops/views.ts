// Views: no data moves in the forward pass. Every view reduces to reshape, permute, expand or slice;
// their gradients are the inverse views (or a scatter into zeros for slice).
import { fail } from '../../device/index.ts';
import { copy } from '../../kernels/index.ts';
import { empty, normAxis, sizeArgs, views as V, type SizeArgs, type Tensor } from '../../tensor/index.ts';
import { fill } from '../../kernels/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op as decl } from '../define.ts';

export interface SliceAttrs {
  dim: number;
  start: number;
  end: number;
  step: number;
}

export interface ViewAttrs {
  reshape: { shape: number[] };
  permute: { dims: number[] };
  expand: { shape: number[] };
  slice: SliceAttrs;
  sliceScatter: SliceAttrs & { shape: number[] };
  contiguous: {};
  detach: {};
}

const apply: FamilyApply<ViewAttrs> = rules<ViewAttrs>({
  reshape: {
    forward: ([x], { shape }) => V.reshape(x!, shape),
    backward: (g, c) => [reshape(g, c.shapes[0]!)],
    saves: { inputs: false, output: false },
  },
  permute: {
    forward: ([x], { dims }) => V.permute(x!, dims),
    backward: (g, c) => {
      const inv: number[] = [];
      c.attrs.dims.forEach((d, i) => (inv[d < 0 ? d + c.attrs.dims.length : d] = i));
      return [permute(g, inv)];
    },
    saves: { inputs: false, output: false },
  },
  expand: {
    // The engine sums the gradient back down to the input's shape.
    forward: ([x], { shape }) => V.expand(x!, shape),
    backward: (g) => [g],
    saves: { inputs: false, output: false },
  },
  slice: {
    forward: ([x], a) => V.slice(x!, a.dim, a.start, a.end, a.step),
    backward: (g, c) => [sliceScatter(g, c.shapes[0]!, c.attrs)],
    saves: { inputs: false, output: false },
  },
  sliceScatter: {
    forward: ([g], a) => {
      const out = empty(a.shape, g!.dtype, 'sliceScatter');
      fill(out.dev, out, 0, 0);
      const dst = V.slice(out, a.dim, a.start, a.end, a.step);
      copy(out.dev, g!, dst);
      dst.dispose();
      return out;
    },
    backward: (g, c) => [slice(g, c.attrs.dim, c.attrs.start, c.attrs.end, c.attrs.step)],
    saves: { inputs: false, output: false },
  },
  contiguous: {
    forward: ([x]) => (x!.isContiguous() ? V.reshape(x!, x!.shape) : copyOf(x!)),
    backward: (g) => [g],
    saves: { inputs: false, output: false },
  },
  detach: {
    forward: ([x]) => V.reshape(x!, x!.shape),
    backward: 'none',
  },
});

function copyOf(x: Tensor): Tensor {
  const out = empty(x.shape, x.dtype, 'contiguous');
  copy(out.dev, x, out);
  return out;
}

// Shapes and dims come as one array or as PyTorch's varargs: x.reshape([2, 3]) or x.reshape(2, 3).
const shapeOf = (op: string, args: readonly unknown[]) => sizeArgs(op, args, false).shape;
const dimsOf = (op: string, args: readonly unknown[]) => sizeArgs(op, args, false, 'dim').shape;

export const reshape = decl((x: Tensor, ...shape: SizeArgs): Tensor => apply('reshape', [x], { shape: V.resolveShape('reshape', x, shapeOf('reshape', shape)) }));
export const view = decl((x: Tensor, ...shape: SizeArgs): Tensor => {
  const s = shapeOf('view', shape);
  V.view(x, s).dispose(); // throws when the layout cannot be viewed without a copy
  return reshape(x, s);
});
export const permute = decl((x: Tensor, ...dims: SizeArgs): Tensor => {
  const p = dimsOf('permute', dims);
  V.permute(x, p).dispose(); // validates the permutation
  return apply('permute', [x], { dims: p });
});
export const expand = decl((x: Tensor, ...shape: SizeArgs): Tensor => {
  const s = shapeOf('expand', shape);
  V.expand(x, s).dispose(); // validates, and names the limit of 2^32 - 1 elements
  return apply('expand', [x], { shape: s });
});

/** Tiles x: repeat(2, 1) doubles the first axis (torch.Tensor.repeat); extra counts add leading axes. */
export const repeat = decl((x: Tensor, ...counts: SizeArgs): Tensor => {
  const r = shapeOf('repeat', counts);
  if (r.length < x.ndim)
    fail('repeat', `${r.length} repeat counts for a tensor of rank ${x.ndim}`, `pass at least ${x.ndim} counts, one per dimension`);
  r.forEach((v) => Number.isInteger(v) && v >= 0 || fail('repeat', `repeat counts must be non-negative integers, got [${r.join(', ')}]`));
  const lead = r.length - x.ndim;
  const sizes = [...Array(lead).fill(1), ...x.shape];
  // [s0, s1] -> [1, s0, 1, s1] -> expand to [r0, s0, r1, s1] -> reshape to [r0 s0, r1 s1] (a copy).
  const spread = reshape(x, sizes.flatMap((s) => [1, s]));
  const wide = expand(spread, sizes.flatMap((s, i) => [r[i]!, s]));
  const out = reshape(wide, sizes.map((s, i) => s * r[i]!));
  spread.dispose();
  wide.dispose();
  return out;
});
export const contiguous = decl((x: Tensor): Tensor => apply('contiguous', [x], {}));

/** A new tensor sharing storage, cut from the graph. */
export const detach = decl((x: Tensor): Tensor => apply('detach', [x], {}));

export const slice = decl(function slice(x: Tensor, dim: number, start = 0, end?: number | null, step = 1): Tensor {
  V.slice(x, dim, start, end, step).dispose(); // validates
  // Python-style bounds are resolved here so the backward scatter gets concrete numbers.
  const d = normAxis('slice', dim, x.ndim);
  const n = x.shape[d]!;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clamp(start);
  return apply('slice', [x], { dim: d, start: s, end: Math.max(clamp(end ?? n), s), step });
});

function sliceScatter(g: Tensor, shape: readonly number[], a: SliceAttrs): Tensor {
  return apply('sliceScatter', [g], { ...a, shape: [...shape] });
}

export const narrow = decl((x: Tensor, dim: number, start: number, length: number): Tensor => {
  V.narrow(x, dim, start, length).dispose(); // validates
  const d = dim < 0 ? dim + x.ndim : dim;
  const s = start < 0 ? start + x.shape[d]! : start;
  return slice(x, d, s, s + length);
});

/** x[..., index, ...] along dim, that dimension removed (torch.select); negative index counts from the end. */
export const select = decl(function select(x: Tensor, dim: number, index: number): Tensor {
  const at = V.selectIndex(x, dim, index);
  const part = slice(x, at.dim, at.index, at.index + 1);
  const out = reshape(part, x.shape.filter((_, k) => k !== at.dim));
  part.dispose();
  return out;
});

export const transpose = decl(function transpose(x: Tensor, d0 = -2, d1 = -1): Tensor {
  if (x.ndim < 2) return reshape(x, x.shape);
  const p = [...Array(x.ndim).keys()];
  const a = d0 < 0 ? d0 + x.ndim : d0;
  const b = d1 < 0 ? d1 + x.ndim : d1;
  V.transpose(x, d0, d1).dispose(); // validates axes
  [p[a], p[b]] = [p[b]!, p[a]!];
  return permute(x, p);
});

/** torch.t: the transpose of a matrix; a tensor of 0 or 1 dimensions comes back as it is (a copy-free view). */
export const t = decl(function t(x: Tensor): Tensor {
  if (x.ndim > 2) fail('t', `expects a tensor of at most 2 dimensions, got ${x.ndim} (shape [${x.shape.join(', ')}])`, 'use transpose(x, d0, d1), or x.T for the last two axes');
  return transpose(x, 0, x.ndim - 1);
});

export const broadcastTo = decl(function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape);
});

export const squeeze = decl(function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const v = V.squeeze(x, dim);
  const shape = v.shape;
  v.dispose();
  return reshape(x, shape);
});

export const unsqueeze = decl(function unsqueeze(x: Tensor, dim: number): Tensor {
  const v = V.unsqueeze(x, dim);
  const shape = v.shape;
  v.dispose();
  return reshape(x, shape);
});

export const flatten = decl(function flatten(x: Tensor, startDim: number = 0, endDim: number = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.ndim);
  const e = normAxis('flatten', endDim, x.ndim);
  if (s > e) fail('flatten', `startDim ${startDim} comes after endDim ${endDim} for a tensor of rank ${x.ndim}`, 'pass startDim <= endDim, e.g. flatten(1) or flatten(0, -1)');
  const shape = [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((p, q) => p * q, 1), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
});
