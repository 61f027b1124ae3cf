// Float64 references for reductions and softmax. A reduction gathers, for each output element, the
// reduced values in row-major order of the reduced axes (so an index into that list is what argmax
// returns) and hands them to a function of the whole list.
import { numel, strides, type Ref } from './index.ts';

/** Applies `f` to the values along `axes` of x (all axes when undefined). */
export function reduceRef(x: Ref, axes: readonly number[] | undefined, keepdim: boolean, f: (v: number[]) => number): Ref {
  const nd = x.shape.length;
  const red = axes === undefined ? [...Array(nd).keys()] : axes.map((a) => (a < 0 ? a + nd : a));
  const kept = [...Array(nd).keys()].filter((d) => !red.includes(d));
  const st = strides(x.shape);
  const kshape = kept.map((d) => x.shape[d]!);
  const rshape = red.map((d) => x.shape[d]!);
  const nout = numel(kshape);
  const nred = numel(rshape);
  const data = new Float64Array(nout);
  const vals = new Array<number>(nred);
  for (let o = 0; o < nout; o++) {
    let base = 0;
    let rem = o;
    for (let k = kept.length - 1; k >= 0; k--) {
      base += (rem % kshape[k]!) * st[kept[k]!]!;
      rem = Math.floor(rem / kshape[k]!);
    }
    for (let j = 0; j < nred; j++) {
      let off = base;
      let r = j;
      for (let k = red.length - 1; k >= 0; k--) {
        off += (r % rshape[k]!) * st[red[k]!]!;
        r = Math.floor(r / rshape[k]!);
      }
      vals[j] = x.data[off]!;
    }
    data[o] = f(vals);
  }
  const shape = keepdim ? x.shape.map((s, d) => (red.includes(d) ? 1 : s)) : kshape;
  return { data, shape };
}

const total = (v: number[]) => v.reduce((a, b) => a + b, 0);

export const REDUCERS = {
  sum: total,
  mean: (v: number[]) => total(v) / v.length,
  prod: (v: number[]) => v.reduce((a, b) => a * b, 1),
  max: (v: number[]) => v.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), -Infinity),
  min: (v: number[]) => v.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), Infinity),
  var: (v: number[], correction = 1) => {
    const m = total(v) / v.length;
    return total(v.map((x) => (x - m) ** 2)) / Math.max(0, v.length - correction);
  },
  std: (v: number[], correction = 1) => Math.sqrt(REDUCERS.var(v, correction)),
  logsumexp: (v: number[]) => {
    const m = REDUCERS.max(v);
    const c = Number.isFinite(m) ? m : 0;
    return c + Math.log(total(v.map((x) => Math.exp(x - c))));
  },
  norm1: (v: number[]) => total(v.map(Math.abs)),
  norm2: (v: number[]) => Math.sqrt(total(v.map((x) => x * x))),
  /** First index of the maximum; the first NaN wins (torch.argmax). */
  argmax: (v: number[]) => argBest(v, (a, b) => a > b),
  argmin: (v: number[]) => argBest(v, (a, b) => a < b),
};

function argBest(v: number[], better: (a: number, b: number) => boolean): number {
  let bi = 0;
  for (let i = 1; i < v.length; i++) {
    if (Number.isNaN(v[bi]!)) break;
    if (Number.isNaN(v[i]!) || better(v[i]!, v[bi]!)) bi = i;
  }
  return bi;
}

/** Applies `f` to each line along `axis`, writing its results back along that line. */
export function alongRef(x: Ref, axis: number, f: (v: number[]) => number[]): Ref {
  const nd = x.shape.length;
  const d = axis < 0 ? axis + nd : axis;
  const outer = numel(x.shape.slice(0, d));
  const n = x.shape[d]!;
  const inner = numel(x.shape.slice(d + 1));
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * n + k) * inner + i;
      const r = f(Array.from({ length: n }, (_, k) => x.data[at(k)]!));
      r.forEach((v, k) => (data[at(k)] = v));
    }
  return { data, shape: [...x.shape] };
}

export function softmaxRow(v: number[]): number[] {
  const m = REDUCERS.max(v);
  const e = v.map((x) => Math.exp(x - m));
  const s = total(e);
  return e.map((x) => x / s);
}

export function logSoftmaxRow(v: number[]): number[] {
  const m = REDUCERS.max(v);
  const ls = Math.log(total(v.map((x) => Math.exp(x - m))));
  return v.map((x) => x - m - ls);
}

export const softmaxRef = (x: Ref, axis: number) => alongRef(x, axis, softmaxRow);
export const logSoftmaxRef = (x: Ref, axis: number) => alongRef(x, axis, logSoftmaxRow);

/** The row-major data of x permuted: element [i_p0, i_p1, ...] of the result is x[i_0, i_1, ...]. */
export function permuteRef(x: Ref, dims: readonly number[]): Ref {
  const shape = dims.map((d) => x.shape[d]!);
  const st = strides(x.shape);
  const data = new Float64Array(x.data.length);
  const idx = new Array<number>(shape.length);
  for (let i = 0; i < data.length; i++) {
    let rem = i;
    for (let k = shape.length - 1; k >= 0; k--) ((idx[k] = rem % shape[k]!), (rem = Math.floor(rem / shape[k]!)));
    let off = 0;
    for (let k = 0; k < shape.length; k++) off += idx[k]! * st[dims[k]!]!;
    data[i] = x.data[off]!;
  }
  return { data, shape };
}

/** The inverse permutation of `dims`. */
export function inversePerm(dims: readonly number[]): number[] {
  const inv = new Array<number>(dims.length);
  dims.forEach((d, i) => (inv[d] = i));
  return inv;
}

/** Every subset of {0, .., n-1}, as sorted lists. */
export function subsets(n: number): number[][] {
  return Array.from({ length: 1 << n }, (_, m) => [...Array(n).keys()].filter((d) => m & (1 << d)));
}

/** x[..., start:end:step, ...] along `dim`. */
export function sliceRef(x: Ref, dim: number, start: number, end: number, step = 1): Ref {
  const shape = [...x.shape];
  shape[dim] = Math.ceil((end - start) / step);
  const st = strides(x.shape);
  const data = new Float64Array(numel(shape));
  const idx = new Array<number>(shape.length);
  for (let i = 0; i < data.length; i++) {
    let rem = i;
    for (let k = shape.length - 1; k >= 0; k--) ((idx[k] = rem % shape[k]!), (rem = Math.floor(rem / shape[k]!)));
    let off = 0;
    for (let k = 0; k < shape.length; k++) off += (k === dim ? start + idx[k]! * step : idx[k]!) * st[k]!;
    data[i] = x.data[off]!;
  }
  return { data, shape };
}

/** x broadcast to `shape` (NumPy rules). */
export function expandRef(x: Ref, shape: readonly number[]): Ref {
  const nd = shape.length;
  const st = strides(x.shape);
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    let rem = i;
    let off = 0;
    for (let d = nd - 1; d >= 0; d--) {
      const k = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      const xd = d - (nd - x.shape.length);
      if (xd >= 0 && x.shape[xd] !== 1) off += k * st[xd]!;
    }
    data[i] = x.data[off]!;
  }
  return { data, shape: [...shape] };
}

/** The float64 gradient of a scalar function by central differences (for second-order checks). */
export function fdGrad(f: (x: Ref) => number, x: Ref, h = 1e-4): Ref {
  const data = new Float64Array(x.data.length);
  for (let j = 0; j < data.length; j++) {
    const at = (d: number) => f({ ...x, data: x.data.map((v, m) => (m === j ? v + d : v)) });
    data[j] = (at(h) - at(-h)) / (2 * h);
  }
  return { data, shape: [...x.shape] };
}
