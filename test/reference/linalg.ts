// Float64 references for matrix products: torch.matmul's semantics (1-D operands, broadcast batch
// dimensions) and torch.nn.functional.linear, by the textbook triple loop.
import { numel, strides, type Ref } from './index.ts';

/** torch.matmul, any ranks >= 1. */
export function matmulRef(a: Ref, b: Ref): Ref {
  const A = a.shape.length === 1 ? { ...a, shape: [1, a.shape[0]!] } : a;
  const B = b.shape.length === 1 ? { ...b, shape: [b.shape[0]!, 1] } : b;
  const [m, k] = A.shape.slice(-2) as [number, number];
  const [k2, n] = B.shape.slice(-2) as [number, number];
  if (k !== k2) throw new Error(`matmulRef: inner sizes ${k} and ${k2} differ`);
  const ab = A.shape.slice(0, -2);
  const bb = B.shape.slice(0, -2);
  const nd = Math.max(ab.length, bb.length);
  const pad = (s: number[]) => [...new Array(nd - s.length).fill(1), ...s];
  const pa = pad(ab);
  const pb = pad(bb);
  const batch = pa.map((s, i) => {
    if (s !== pb[i] && s !== 1 && pb[i] !== 1) throw new Error('matmulRef: batch dimensions do not broadcast');
    return Math.max(s, pb[i]!);
  });
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
        for (let p = 0; p < k; p++) s += A.data[oa + i * k + p]! * B.data[ob + p * n + j]!;
        data[bi * m * n + i * n + j] = s;
      }
  }
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
  return { data, shape };
}

/** Swaps the last two axes (a copy). */
export function transposeRef(x: Ref): Ref {
  const [r, c] = x.shape.slice(-2) as [number, number];
  const lead = numel(x.shape.slice(0, -2));
  const data = new Float64Array(x.data.length);
  for (let b = 0; b < lead; b++)
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[b * r * c + j * r + i] = x.data[b * r * c + i * c + j]!;
  return { data, shape: [...x.shape.slice(0, -2), c, r] };
}

/** torch.nn.functional.linear: x [..., in] @ w.T + b. */
export function linearRef(x: Ref, w: Ref, b?: Ref): Ref {
  const y = matmulRef(x, transposeRef(w));
  if (b) {
    const o = w.shape[0]!;
    for (let i = 0; i < y.data.length; i++) y.data[i]! += b.data[i % o]!;
  }
  return y;
}

/** Applies a permutation of axes (a copy), as torch.permute then contiguous(). */
export function permuteRef(x: Ref, dims: number[]): Ref {
  const shape = dims.map((d) => x.shape[d]!);
  const st = strides(x.shape);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    let rem = i;
    let off = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      off += (rem % shape[d]!) * st[dims[d]!]!;
      rem = Math.floor(rem / shape[d]!);
    }
    out[i] = x.data[off]!;
  }
  return { data: out, shape };
}
