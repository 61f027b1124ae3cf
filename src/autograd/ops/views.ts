// Views: no data moves in the forward pass. Every view reduces to reshape, permute, expand or slice;
// their gradients are the inverse views (or a scatter into zeros for slice).
import { copy } from '../../kernels/index.ts';
import { empty, normAxis, views as V, type Tensor } from '../../tensor/index.ts';
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

export const reshape = decl((x: Tensor, shape: readonly number[]): Tensor => apply('reshape', [x], { shape: V.resolveShape('reshape', x, shape) }));
export const view = decl((x: Tensor, shape: readonly number[]): Tensor => {
  V.view(x, shape).dispose(); // throws when the layout cannot be viewed without a copy
  return reshape(x, shape);
});
export const permute = decl((x: Tensor, dims: readonly number[]): Tensor => apply('permute', [x], { dims: [...dims] }));
export const expand = decl((x: Tensor, shape: readonly number[]): Tensor => apply('expand', [x], { shape: [...shape] }));
export const contiguous = decl((x: Tensor): Tensor => apply('contiguous', [x], {}));

/** A new tensor sharing storage, cut from the graph. */
export const detach = decl((x: Tensor): Tensor => apply('detach', [x], {}));

export const slice = decl(function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
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

export const transpose = decl(function transpose(x: Tensor, d0 = -2, d1 = -1): Tensor {
  if (x.ndim < 2) return reshape(x, x.shape);
  const p = [...Array(x.ndim).keys()];
  const a = d0 < 0 ? d0 + x.ndim : d0;
  const b = d1 < 0 ? d1 + x.ndim : d1;
  V.transpose(x, d0, d1).dispose(); // validates axes
  [p[a], p[b]] = [p[b]!, p[a]!];
  return permute(x, p);
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
  const s = startDim < 0 ? startDim + x.ndim : startDim;
  const e = endDim < 0 ? endDim + x.ndim : endDim;
  const shape = [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((p, q) => p * q, 1), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
});
