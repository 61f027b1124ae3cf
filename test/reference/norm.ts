// Float64 references for the normalization layers, dropout's expectation and embedding lookups.
import { numel, type Ref } from './index.ts';

/** Normalizes each of `rows` contiguous rows of n; scale(r, j) / shift(r, j) give the affine terms. */
function rowNorm(x: Ref, rows: number, n: number, eps: number, scale: (r: number, j: number) => number, shift: (r: number, j: number) => number): Ref {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < n; j++) m += x.data[r * n + j]!;
    m /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x.data[r * n + j]! - m) ** 2;
    v /= n;
    const rs = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < n; j++) out[r * n + j] = (x.data[r * n + j]! - m) * rs * scale(r, j) + shift(r, j);
  }
  return { data: out, shape: [...x.shape] };
}

/** torch.nn.functional.layer_norm over the trailing `ns` dimensions. */
export function layerNormRef(x: Ref, ns: readonly number[], w: Ref | null, b: Ref | null, eps = 1e-5): Ref {
  const n = numel(ns);
  return rowNorm(x, x.data.length / n, n, eps, (_, j) => (w ? w.data[j]! : 1), (_, j) => (b ? b.data[j]! : 0));
}

/** torch.nn.functional.group_norm on [N, C, *]. */
export function groupNormRef(x: Ref, groups: number, w: Ref | null, b: Ref | null, eps = 1e-5): Ref {
  const [N, C] = x.shape as [number, number];
  const inner = numel(x.shape.slice(2));
  const cpg = C / groups;
  const ch = (r: number, j: number) => (r % groups) * cpg + Math.floor(j / inner);
  return rowNorm(x, N * groups, cpg * inner, eps, (r, j) => (w ? w.data[ch(r, j)]! : 1), (r, j) => (b ? b.data[ch(r, j)]! : 0));
}

/** Per-channel batch mean, biased and unbiased variance of x [N, C, *]. */
export function batchStats(x: Ref): { mean: number[]; varBiased: number[]; varUnbiased: number[] } {
  const [N, C] = x.shape as [number, number];
  const S = numel(x.shape.slice(2));
  const n = N * S;
  const mean: number[] = [];
  const varBiased: number[] = [];
  const varUnbiased: number[] = [];
  for (let c = 0; c < C; c++) {
    let m = 0;
    for (let i = 0; i < N; i++) for (let s = 0; s < S; s++) m += x.data[(i * C + c) * S + s]!;
    m /= n;
    let q = 0;
    for (let i = 0; i < N; i++) for (let s = 0; s < S; s++) q += (x.data[(i * C + c) * S + s]! - m) ** 2;
    mean.push(m);
    varBiased.push(q / n);
    varUnbiased.push(q / (n - 1));
  }
  return { mean, varBiased, varUnbiased };
}

/** torch.nn.functional.batch_norm with the given per-channel statistics (batch or running). */
export function batchNormRef(x: Ref, mean: readonly number[], variance: readonly number[], w: Ref | null, b: Ref | null, eps = 1e-5): Ref {
  const C = x.shape[1]!;
  const S = numel(x.shape.slice(2));
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / S) % C;
    out[i] = ((x.data[i]! - mean[c]!) / Math.sqrt(variance[c]! + eps)) * (w ? w.data[c]! : 1) + (b ? b.data[c]! : 0);
  }
  return { data: out, shape: [...x.shape] };
}

/** batch_norm in training mode: batch statistics. */
export function batchNormTrainRef(x: Ref, w: Ref | null, b: Ref | null, eps = 1e-5): Ref {
  const s = batchStats(x);
  return batchNormRef(x, s.mean, s.varBiased, w, b, eps);
}

/**
 * The input gradient of batchNormTrainRef for the output gradient dy, in closed form:
 * dx = w * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)) per channel. A reference for second-order
 * checks (its finite differences are the Hessian-vector products).
 */
export function batchNormTrainGradRef(x: Ref, w: Ref | null, dy: Ref, eps = 1e-5): Ref {
  const C = x.shape[1]!;
  const S = numel(x.shape.slice(2));
  const n = x.data.length / C;
  const s = batchStats(x);
  const rstd = s.varBiased.map((v) => 1 / Math.sqrt(v + eps));
  const xhat = (i: number, c: number) => (x.data[i]! - s.mean[c]!) * rstd[c]!;
  const g1 = new Array(C).fill(0);
  const g2 = new Array(C).fill(0);
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / S) % C;
    g1[c] += dy.data[i]! / n;
    g2[c] += (dy.data[i]! * xhat(i, c)) / n;
  }
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / S) % C;
    out[i] = (w ? w.data[c]! : 1) * rstd[c]! * (dy.data[i]! - g1[c]! - xhat(i, c) * g2[c]!);
  }
  return { data: out, shape: [...x.shape] };
}

/**
 * Running statistics after training steps over `batches`, as torch: r += f * (batch - r), f = momentum,
 * or 1 / (steps so far) when momentum is null; the variance term is unbiased.
 */
export function runningStatsRef(batches: Ref[], momentum: number | null): { mean: number[]; var: number[] } {
  const C = batches[0]!.shape[1]!;
  const mean = new Array(C).fill(0);
  const v = new Array(C).fill(1);
  batches.forEach((x, k) => {
    const f = momentum ?? 1 / (k + 1);
    const s = batchStats(x);
    for (let c = 0; c < C; c++) {
      mean[c] = (1 - f) * mean[c] + f * s.mean[c]!;
      v[c] = (1 - f) * v[c] + f * s.varUnbiased[c]!;
    }
  });
  return { mean, var: v };
}

/** Rows of weight [num, dim] at the indices. */
export function embeddingRef(indices: readonly number[], weight: Ref): Ref {
  const dim = weight.shape[1]!;
  const out = new Float64Array(indices.length * dim);
  indices.forEach((k, i) => {
    for (let d = 0; d < dim; d++) out[i * dim + d] = weight.data[k * dim + d]!;
  });
  return { data: out, shape: [indices.length, dim] };
}
