// Float64 CPU references for the indexing family (src/autograd/ops/indexing.ts). Index values follow the
// GPU's documented rule: out-of-range indices are clamped into [0, size - 1]. Exact ops (gather, concat,
// pad, cast) are compared with zero tolerance; scatterAdd sums float32 values, so rtol 1e-5 suffices.
import { numel, strides, type Ref } from './index.ts';

export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) ((c[d] = i % shape[d]!), (i = Math.floor(i / shape[d]!)));
  return c;
}

export function ravel(c: readonly number[], shape: readonly number[]): number {
  const st = strides(shape);
  return c.reduce((s, v, d) => s + v * st[d]!, 0);
}

const clampIdx = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);

/** torch.gather: out[c] = x[c with c[dim] := index[c]]. */
export function gatherRef(x: Ref, dim: number, index: Ref): Ref {
  const data = new Float64Array(numel(index.shape));
  for (let i = 0; i < data.length; i++) {
    const c = unravel(i, index.shape);
    c[dim] = clampIdx(index.data[i]!, x.shape[dim]!);
    data[i] = x.data[ravel(c, x.shape)]!;
  }
  return { data, shape: [...index.shape] };
}

export function indexSelectRef(x: Ref, dim: number, index: readonly number[]): Ref {
  const shape = [...x.shape];
  shape[dim] = index.length;
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    const c = unravel(i, shape);
    c[dim] = clampIdx(index[c[dim]!]!, x.shape[dim]!);
    data[i] = x.data[ravel(c, x.shape)]!;
  }
  return { data, shape };
}

/** Broadcasts `r` to `shape` (NumPy rules). */
export function broadcastTo(r: Ref, shape: readonly number[]): Ref {
  const data = new Float64Array(numel(shape));
  const lead = shape.length - r.shape.length;
  for (let i = 0; i < data.length; i++) {
    const c = unravel(i, shape).slice(lead).map((v, d) => (r.shape[d] === 1 ? 0 : v));
    data[i] = r.data[ravel(c, r.shape)]!;
  }
  return { data, shape: [...shape] };
}

export function takeAlongDimRef(x: Ref, index: Ref, dim?: number): Ref {
  if (dim === undefined) return gatherRef({ data: x.data, shape: [x.data.length] }, 0, { data: index.data, shape: [index.data.length] });
  const shape = x.shape.map((v, d) => (d === dim ? 1 : Math.max(v, index.shape[d]!)));
  const xs = shape.map((v, d) => (d === dim ? x.shape[d]! : v));
  const is = shape.map((v, d) => (d === dim ? index.shape[d]! : v));
  return gatherRef(broadcastTo(x, xs), dim, broadcastTo(index, is));
}

/** x with src[c] added at c[dim] := index[c], for c over index's shape. */
export function scatterAddRef(x: Ref, dim: number, index: Ref, src: Ref): Ref {
  const data = Float64Array.from(x.data);
  for (let i = 0; i < numel(index.shape); i++) {
    const c = unravel(i, index.shape);
    const v = src.data[ravel(c, src.shape)]!;
    c[dim] = clampIdx(index.data[i]!, x.shape[dim]!);
    data[ravel(c, x.shape)]! += v;
  }
  return { data, shape: [...x.shape] };
}

export function oneHotRef(index: Ref, n: number): Ref {
  const data = new Float64Array(index.data.length * n);
  index.data.forEach((v, i) => {
    if (v >= 0 && v < n) data[i * n + v] = 1;
  });
  return { data, shape: [...index.shape, n] };
}

export function concatRef(parts: readonly Ref[], dim: number): Ref {
  const shape = [...parts[0]!.shape];
  shape[dim] = parts.reduce((s, p) => s + p.shape[dim]!, 0);
  const data = new Float64Array(numel(shape));
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.data.length; i++) {
      const c = unravel(i, p.shape);
      c[dim]! += at;
      data[ravel(c, shape)] = p.data[i]!;
    }
    at += p.shape[dim]!;
  }
  return { data, shape };
}

export function stackRef(parts: readonly Ref[], dim: number): Ref {
  return concatRef(parts.map((p) => ({ data: p.data, shape: [...p.shape.slice(0, dim), 1, ...p.shape.slice(dim)] })), dim);
}

export type PadModeRef = 'constant' | 'reflect' | 'replicate' | 'circular';

/** torch.nn.functional.pad: widths from the last axis, [left, right, top, bottom, ...]. */
export function padRef(x: Ref, widths: readonly number[], mode: PadModeRef = 'constant', value = 0): Ref {
  const nd = x.shape.length;
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let i = 0; i < widths.length / 2; i++) ((before[nd - 1 - i] = widths[2 * i]!), (after[nd - 1 - i] = widths[2 * i + 1]!));
  const shape = x.shape.map((s, d) => s + before[d]! + after[d]!);
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    const c = unravel(i, shape).map((v, d) => v - before[d]!);
    let inside = true;
    const src = c.map((k, d) => {
      const n = x.shape[d]!;
      if (k >= 0 && k < n) return k;
      if (mode === 'constant') inside = false;
      if (mode === 'replicate') return Math.min(Math.max(k, 0), n - 1);
      if (mode === 'circular') return ((k % n) + n) % n;
      return k < 0 ? -k : 2 * (n - 1) - k;
    });
    data[i] = inside ? x.data[ravel(src, x.shape)]! : value;
  }
  return { data, shape };
}

/** Values as a cast to `dtype` stores them: int32 truncates toward zero, bool is != 0 (NaN is true). */
export function castRef(x: Ref, dtype: 'float32' | 'int32' | 'bool'): Ref {
  const f = dtype === 'int32' ? (v: number) => Math.trunc(v) : dtype === 'bool' ? (v: number) => (v !== 0 ? 1 : 0) : (v: number) => Math.fround(v);
  return { data: x.data.map(f), shape: [...x.shape] };
}
