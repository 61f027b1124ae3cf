// Float64 references for nn's losses, written from the PyTorch definitions (not from webgrad's code).
// Class-indexed losses take inputs [C], [N, C] or [N, C, d1, ...] with the class axis at 1 (0 for 1-D)
// and targets as plain numbers in row-major order of the input's shape without the class axis.
import { broadcastMap, numel, type Ref } from './index.ts';

export type Red = 'mean' | 'sum' | 'none';

const scalar = (v: number): Ref => ({ data: Float64Array.of(v), shape: [] });

export function reduceRef(r: Ref, red: Red | 'batchmean' = 'mean', batch = 1): Ref {
  if (red === 'none') return r;
  const s = r.data.reduce((a, b) => a + b, 0);
  if (red === 'sum') return scalar(s);
  if (red === 'batchmean') return scalar(s / batch);
  return scalar(s / r.data.length);
}

export const mseRef = (x: Ref, y: Ref, red: Red = 'mean') => reduceRef(broadcastMap((a, b) => (a - b) ** 2, x, y), red);
export const l1Ref = (x: Ref, y: Ref, red: Red = 'mean') => reduceRef(broadcastMap((a, b) => Math.abs(a - b), x, y), red);

export function huberRef(x: Ref, y: Ref, delta = 1, red: Red = 'mean'): Ref {
  return reduceRef(broadcastMap((a, b) => {
    const d = Math.abs(a - b);
    return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
  }, x, y), red);
}

export function smoothL1Ref(x: Ref, y: Ref, beta = 1, red: Red = 'mean'): Ref {
  return reduceRef(broadcastMap((a, b) => {
    const d = Math.abs(a - b);
    return beta > 0 && d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
  }, x, y), red);
}

/** ||x1 - x2 + eps||_p over the last axis (after broadcasting). */
export function pairwiseDistanceRef(x1: Ref, x2: Ref, p = 2, eps = 1e-6): Ref {
  const d = broadcastMap((a, b) => a - b + eps, x1, x2);
  const k = d.shape[d.shape.length - 1]!;
  const rows = d.data.length / k;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = Array.from(d.data.subarray(r * k, (r + 1) * k), Math.abs);
    out[r] = p === Infinity ? Math.max(...v) : v.reduce((s, a) => s + a ** p, 0) ** (1 / p);
  }
  return { data: out, shape: d.shape.slice(0, -1) };
}

const clog = (v: number) => Math.max(Math.log(v), -100);

export function bceRef(p: Ref, y: Ref, weight?: Ref, red: Red = 'mean'): Ref {
  let l = broadcastMap((a, b) => -(b * clog(a) + (1 - b) * clog(1 - a)), p, y);
  if (weight) l = broadcastMap((a, w) => a * w, l, weight);
  return reduceRef(l, red);
}

export function bceLogitsRef(x: Ref, y: Ref, weight?: Ref, posWeight?: Ref, red: Red = 'mean'): Ref {
  const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  const pw = posWeight ?? { data: Float64Array.of(1), shape: [] };
  let l = broadcastMap((a, b, q) => (1 - b) * a + (1 + (q - 1) * b) * softplus(-a), x, y, pw);
  if (weight) l = broadcastMap((a, w) => a * w, l, weight);
  return reduceRef(l, red);
}

interface Layout {
  dim: number;
  C: number;
  /** Offset of class 0 for each sample, in target order. */
  bases: number[];
  /** Element stride along the class axis. */
  step: number;
}

function layout(shape: readonly number[]): Layout {
  const dim = shape.length === 1 ? 0 : 1;
  const C = shape[dim]!;
  const inner = numel(shape.slice(dim + 1));
  const outer = numel(shape.slice(0, dim));
  const bases: number[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) bases.push(o * C * inner + i);
  return { dim, C, bases, step: inner };
}

export function logSoftmaxRef(x: Ref): Ref {
  const L = layout(x.shape);
  const out = new Float64Array(x.data.length);
  for (const b of L.bases) {
    let m = -Infinity;
    for (let c = 0; c < L.C; c++) m = Math.max(m, x.data[b + c * L.step]!);
    let s = 0;
    for (let c = 0; c < L.C; c++) s += Math.exp(x.data[b + c * L.step]! - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < L.C; c++) out[b + c * L.step] = x.data[b + c * L.step]! - lse;
  }
  return { data: out, shape: [...x.shape] };
}

export const softmaxRef = (x: Ref): Ref => {
  const l = logSoftmaxRef(x);
  return { data: l.data.map(Math.exp), shape: l.shape };
};

export interface NllRefOptions {
  weight?: readonly number[];
  ignoreIndex?: number;
  reduction?: Red;
}

function targetShape(shape: readonly number[]): number[] {
  return shape.filter((_, d) => d !== (shape.length === 1 ? 0 : 1));
}

export function nllRef(logp: Ref, target: readonly number[], o: NllRefOptions = {}): Ref {
  const L = layout(logp.shape);
  const ig = o.ignoreIndex ?? -100;
  const loss = new Float64Array(L.bases.length);
  let wsum = 0;
  L.bases.forEach((b, i) => {
    const y = target[i]!;
    if (y === ig) return;
    const w = o.weight ? o.weight[y]! : 1;
    loss[i] = -w * logp.data[b + y * L.step]!;
    wsum += w;
  });
  const r = o.reduction ?? 'mean';
  const l: Ref = { data: loss, shape: targetShape(logp.shape) };
  return r === 'mean' ? scalar(loss.reduce((a, v) => a + v, 0) / wsum) : reduceRef(l, r);
}

export interface CERefOptions extends NllRefOptions {
  labelSmoothing?: number;
}

export function crossEntropyRef(x: Ref, target: readonly number[], o: CERefOptions = {}): Ref {
  const logp = logSoftmaxRef(x);
  const eps = o.labelSmoothing ?? 0;
  const nll = nllRef(logp, target, o);
  if (eps === 0) return nll;
  const L = layout(x.shape);
  const ig = o.ignoreIndex ?? -100;
  const smooth = new Float64Array(L.bases.length);
  let wsum = 0;
  L.bases.forEach((b, i) => {
    if (target[i] === ig) return;
    wsum += o.weight ? o.weight[target[i]!]! : 1;
    for (let c = 0; c < L.C; c++) smooth[i]! -= (o.weight ? o.weight[c]! : 1) * logp.data[b + c * L.step]!;
  });
  const r = o.reduction ?? 'mean';
  const s = r === 'mean' ? scalar(smooth.reduce((a, v) => a + v, 0) / wsum) : reduceRef({ data: smooth, shape: targetShape(x.shape) }, r);
  return { data: nll.data.map((v, i) => (1 - eps) * v + (eps / L.C) * s.data[i]!), shape: nll.shape };
}

/** Probability targets of the input's shape. */
export function crossEntropyProbRef(x: Ref, target: Ref, o: { labelSmoothing?: number; weight?: readonly number[]; reduction?: Red } = {}): Ref {
  const logp = logSoftmaxRef(x);
  const L = layout(x.shape);
  const eps = o.labelSmoothing ?? 0;
  const loss = new Float64Array(L.bases.length);
  L.bases.forEach((b, i) => {
    for (let c = 0; c < L.C; c++) {
      const y = target.data[b + c * L.step]! * (1 - eps) + eps / L.C;
      loss[i]! -= (o.weight ? o.weight[c]! : 1) * y * logp.data[b + c * L.step]!;
    }
  });
  const r = o.reduction ?? 'mean';
  return reduceRef({ data: loss, shape: targetShape(x.shape) }, r);
}

export interface MarginRefOptions {
  p?: 1 | 2;
  margin?: number;
  weight?: readonly number[];
  divideByClasses?: boolean;
  reduction?: Red;
}

export function multiMarginRef(x: Ref, target: readonly number[], o: MarginRefOptions = {}): Ref {
  const L = layout(x.shape);
  const margin = o.margin ?? 1;
  const p = o.p ?? 1;
  const loss = new Float64Array(L.bases.length);
  L.bases.forEach((b, i) => {
    const y = target[i]!;
    const sy = x.data[b + y * L.step]!;
    for (let j = 0; j < L.C; j++) {
      if (j === y) continue;
      const h = Math.max(0, margin - sy + x.data[b + j * L.step]!) ** p;
      loss[i]! += (o.weight ? o.weight[y]! : 1) * h;
    }
    if (o.divideByClasses ?? true) loss[i]! /= L.C;
  });
  return reduceRef({ data: loss, shape: targetShape(x.shape) }, o.reduction ?? 'mean');
}

const xlogy = (a: number, b: number) => (a === 0 ? 0 : a * Math.log(b));

export function klDivRef(input: Ref, target: Ref, o: { logTarget?: boolean; reduction?: Red | 'batchmean' } = {}): Ref {
  const l = broadcastMap((q, t) => (o.logTarget ? Math.exp(t) * (t - q) : xlogy(t, t) - t * q), input, target);
  return reduceRef(l, o.reduction ?? 'mean', input.shape[0] ?? 1);
}

function lastAxis(r: Ref, f: (row: Float64Array) => number): Ref {
  const k = r.shape[r.shape.length - 1]!;
  const n = r.data.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(r.data.subarray(i * k, (i + 1) * k));
  return { data: out, shape: r.shape.slice(0, -1) };
}

export function klDivergenceRef(p: Ref, q: Ref, base = Math.E): Ref {
  const joint = broadcastMap((a, b) => xlogy(a, a) - xlogy(a, b), p, q);
  return lastAxis(joint, (row) => row.reduce((s, v) => s + v, 0) / Math.log(base));
}

export const entropyRef = (p: Ref, base = Math.E): Ref => lastAxis(p, (row) => -row.reduce((s, v) => s + xlogy(v, v), 0) / Math.log(base));

export function mutualInformationRef(joint: Ref, base = Math.E): Ref {
  const [X, Y] = joint.shape as [number, number];
  const total = joint.data.reduce((a, b) => a + b, 0);
  const p = joint.data.map((v) => v / total);
  const px = Array.from({ length: X }, (_, i) => p.subarray(i * Y, (i + 1) * Y).reduce((a, b) => a + b, 0));
  const py = Array.from({ length: Y }, (_, j) => px.reduce((a, _v, i) => a + p[i * Y + j]!, 0));
  let mi = 0;
  for (let i = 0; i < X; i++) for (let j = 0; j < Y; j++) mi += xlogy(p[i * Y + j]!, p[i * Y + j]!) - xlogy(p[i * Y + j]!, px[i]! * py[j]!);
  return scalar(mi / Math.log(base));
}
