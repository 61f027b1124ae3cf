// Float64 CPU references for the ops the Deno runner checks, on top of test/reference (row-major Refs).
import { numel, strides, type Ref } from '../reference/index.ts';

function normAxis(axis: number, ndim: number): number {
  return axis < 0 ? axis + ndim : axis;
}

/** Reduces `axis` of x with `f` starting from `init`; the axis is kept with size 1 when keepdim. */
export function reduceRef(x: Ref, axis: number | undefined, keepdim: boolean, init: number, f: (acc: number, v: number) => number): Ref {
  if (axis === undefined) {
    let acc = init;
    for (const v of x.data) acc = f(acc, v);
    return { data: Float64Array.of(acc), shape: keepdim ? x.shape.map(() => 1) : [] };
  }
  const d = normAxis(axis, x.shape.length);
  const outer = numel(x.shape.slice(0, d));
  const n = x.shape[d]!;
  const inner = numel(x.shape.slice(d + 1));
  const data = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let acc = init;
      for (let k = 0; k < n; k++) acc = f(acc, x.data[(o * n + k) * inner + i]!);
      data[o * inner + i] = acc;
    }
  const shape = keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  return { data, shape };
}

export const sumRef = (x: Ref, axis?: number, keepdim = false) => reduceRef(x, axis, keepdim, 0, (a, v) => a + v);
export const maxRef = (x: Ref, axis?: number, keepdim = false) => reduceRef(x, axis, keepdim, -Infinity, (a, v) => Math.max(a, v));

export function softmaxRef(x: Ref, axis: number): Ref {
  const d = normAxis(axis, x.shape.length);
  const outer = numel(x.shape.slice(0, d));
  const n = x.shape[d]!;
  const inner = numel(x.shape.slice(d + 1));
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * n + k) * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, x.data[at(k)]!);
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(x.data[at(k)]! - m);
      for (let k = 0; k < n; k++) data[at(k)] = Math.exp(x.data[at(k)]! - m) / s;
    }
  return { data, shape: [...x.shape] };
}

/** torch.matmul for rank >= 2 operands with broadcast batch dimensions. */
export function matmulRef(a: Ref, b: Ref): Ref {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) throw new Error(`matmulRef: inner sizes ${k} and ${k2} differ`);
  const ab = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const nd = Math.max(ab.length, bb.length);
  const pad = (s: number[]) => [...new Array(nd - s.length).fill(1), ...s];
  const pa = pad(ab);
  const pb = pad(bb);
  const batch = pa.map((s, i) => Math.max(s, pb[i]!));
  const sa = strides(pa);
  const sb = strides(pb);
  const nb = numel(batch);
  const data = new Float64Array(nb * m * n);
  const idx = new Array(nd).fill(0);
  for (let bi = 0; bi < nb; bi++) {
    let rem = bi;
    for (let d = nd - 1; d >= 0; d--) ((idx[d] = rem % batch[d]!), (rem = Math.floor(rem / batch[d]!)));
    let oa = 0;
    let ob = 0;
    for (let d = 0; d < nd; d++) {
      if (pa[d] !== 1) oa += idx[d] * sa[d]!;
      if (pb[d] !== 1) ob += idx[d] * sb[d]!;
    }
    oa *= m * k;
    ob *= k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[oa + i * k + p]! * b.data[ob + p * n + j]!;
        data[bi * m * n + i * n + j] = s;
      }
  }
  return { data, shape: [...batch, m, n] };
}

export interface ConvOpts {
  bias?: Ref;
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}

/** torch.nn.functional.conv2d: x [N, C, H, W], w [O, C/groups, KH, KW]. */
export function conv2dRef(x: Ref, w: Ref, o: ConvOpts = {}): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  const s = o.stride ?? 1;
  const p = o.padding ?? 0;
  const dl = o.dilation ?? 1;
  const g = o.groups ?? 1;
  const OH = Math.floor((H + 2 * p - dl * (KH - 1) - 1) / s) + 1;
  const OW = Math.floor((W + 2 * p - dl * (KW - 1) - 1) / s) + 1;
  const og = O / g;
  const data = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++) {
      const grp = Math.floor(oc / og);
      for (let y = 0; y < OH; y++)
        for (let xo = 0; xo < OW; xo++) {
          let acc = o.bias ? o.bias.data[oc]! : 0;
          for (let c = 0; c < Cg; c++) {
            const ic = grp * Cg + c;
            for (let ky = 0; ky < KH; ky++) {
              const iy = y * s - p + ky * dl;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = xo * s - p + kx * dl;
                if (ix < 0 || ix >= W) continue;
                acc += x.data[((n * C + ic) * H + iy) * W + ix]! * w.data[((oc * Cg + c) * KH + ky) * KW + kx]!;
              }
            }
          }
          data[((n * O + oc) * OH + y) * OW + xo] = acc;
        }
    }
  return { data, shape: [N, O, OH, OW] };
}

/** Applies a permutation of axes to a Ref (for checking views). */
export function permuteRef(x: Ref, dims: number[]): Ref {
  const shape = dims.map((d) => x.shape[d]!);
  const st = strides(x.shape);
  const pst = dims.map((d) => st[d]!);
  const out = new Float64Array(x.data.length);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let rem = i;
    let off = 0;
    for (let d = shape.length - 1; d >= 0; d--) ((idx[d] = rem % shape[d]!), (rem = Math.floor(rem / shape[d]!)));
    for (let d = 0; d < shape.length; d++) off += idx[d] * pst[d]!;
    out[i] = x.data[off]!;
  }
  return { data: out, shape };
}
