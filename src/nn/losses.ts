// Loss functions (nn.functional), composed from differentiable ops so every loss has first- and
// second-order gradients with no backward code here. Each runs in tidy(): its temporaries are freed
// on return, while the graph keeps what backward needs.
//
// Class-index targets. Indices in an int32 tensor live on the GPU and are never read back, so they are
// not validated: a sample whose index is out of range (and not ignoreIndex) gets a NaN loss, which
// poisons the reduced loss visibly (and wg.detectAnomaly names the op) instead of silently picking a
// wrong class. Targets given as a JS array or Int32Array are checked on the CPU before upload.
// Picking is a comparison against arange(C) (a one-hot mask), so no gather kernel is needed.
import { checkOptions, fail, shapeStr } from '../device/index.ts';
import { arange, broadcastsTo, sameShape, tensor, tidy, Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import * as K from './loss-options.ts';
import type { BCEOptions, BCEWithLogitsOptions, CrossEntropyOptions, HuberOptions, LossOptions, MultiMarginOptions, NLLOptions, PairwiseDistanceOptions, SmoothL1Options } from './loss-options.ts';

export type { Reduction, LossOptions, HuberOptions, SmoothL1Options, PairwiseDistanceOptions, BCEOptions, BCEWithLogitsOptions, NLLOptions, CrossEntropyOptions, MultiMarginOptions } from './loss-options.ts';

/** Class indices: an int32 tensor, or numbers checked on the CPU and uploaded. */
export type ClassTarget = Tensor | readonly number[] | Int32Array | number;

function reduction(op: string, r: string | undefined, extra: readonly string[] = []): string {
  const v = r ?? 'mean';
  const ok = ['mean', 'sum', 'none', ...extra];
  if (!ok.includes(v)) fail(op, `unknown reduction '${v}'`, `use ${ok.map((s) => `'${s}'`).join(', ')}`);
  return v;
}

function reduce(x: Tensor, r: string): Tensor {
  return r === 'none' ? x : r === 'sum' ? A.sum(x) : A.mean(x);
}

function live(op: string, ...ts: (Tensor | null | undefined)[]): void {
  for (const t of ts) if (t) t.assertLive(op);
}

function float(op: string, what: string, t: Tensor): void {
  if (t.dtype !== 'float32') fail(op, `${what} must be float32, got a ${t.dtype} tensor ${shapeStr(t.shape)}`, `cast it with ${what}.float()`);
}

/** Input and target must have the same shape: broadcasting [N, 1] against [N] is a classic silent bug. */
function checkSameShape(op: string, input: Tensor, target: Tensor, what = 'target'): void {
  live(op, input, target);
  if (!sameShape(input.shape, target.shape))
    fail(op, `input ${shapeStr(input.shape)} and ${what} ${shapeStr(target.shape)} have different shapes`, `pass a ${what} of shape ${shapeStr(input.shape)} (e.g. ${what}.reshape(${shapeStr(input.shape)}))`);
}

function broadcastable(op: string, what: string, w: Tensor, to: readonly number[]): void {
  w.assertLive(op);
  if (!broadcastsTo(w.shape, to))
    fail(op, `${what} of shape ${shapeStr(w.shape)} does not broadcast to the input's ${shapeStr(to)}`, `pass ${what} broadcastable to ${shapeStr(to)}`);
}

/** x where x == 0 gives 0 (as torch.xlogy), with no NaN in its gradient either. */
export function xlogy(x: Tensor, y: Tensor): Tensor {
  return tidy(() => {
    const zero = A.eq(x, 0);
    return A.where(zero, 0, A.mul(x, A.log(A.where(zero, 1, y))));
  });
}

// Regression losses.

export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkOptions('mseLoss', opts, K.LOSS_KEYS);
  const r = reduction('mseLoss', opts.reduction);
  checkSameShape('mseLoss', input, target);
  return tidy(() => reduce(A.square(A.sub(input, target)), r));
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  checkOptions('l1Loss', opts, K.LOSS_KEYS);
  const r = reduction('l1Loss', opts.reduction);
  checkSameShape('l1Loss', input, target);
  return tidy(() => reduce(A.abs(A.sub(input, target)), r));
}

/** 0.5 d² for |d| < delta, else delta (|d| - delta / 2). */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  checkOptions('huberLoss', opts, K.HUBER_KEYS);
  const r = reduction('huberLoss', opts.reduction);
  const delta = opts.delta ?? 1;
  if (!(delta > 0) || !Number.isFinite(delta)) fail('huberLoss', `delta must be a positive number, got ${delta}`);
  checkSameShape('huberLoss', input, target);
  return tidy(() => {
    const d = A.abs(A.sub(input, target));
    return reduce(A.where(A.lt(d, delta), A.mul(A.square(d), 0.5), A.mul(A.sub(d, delta / 2), delta)), r);
  });
}

/** 0.5 d² / beta for |d| < beta, else |d| - beta / 2 (huber / delta with delta = beta). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  checkOptions('smoothL1Loss', opts, K.SMOOTH_L1_KEYS);
  const r = reduction('smoothL1Loss', opts.reduction);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0) || !Number.isFinite(beta)) fail('smoothL1Loss', `beta must be a non-negative number, got ${beta}`);
  checkSameShape('smoothL1Loss', input, target);
  return tidy(() => {
    const d = A.abs(A.sub(input, target));
    if (beta === 0) return reduce(d, r);
    return reduce(A.where(A.lt(d, beta), A.mul(A.square(d), 0.5 / beta), A.sub(d, beta / 2)), r);
  });
}

/** ||x1 - x2 + eps||_p over the last axis; x1 and x2 broadcast. */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: PairwiseDistanceOptions = {}): Tensor {
  checkOptions('pairwiseDistance', opts, K.PAIRWISE_KEYS);
  const p = opts.p ?? 2;
  const eps = opts.eps ?? 1e-6;
  live('pairwiseDistance', x1, x2);
  if (!(p > 0)) fail('pairwiseDistance', `p must be positive (or Infinity), got ${p}`);
  if (x1.ndim === 0 || x2.ndim === 0) fail('pairwiseDistance', `inputs need at least one dimension, got ${shapeStr(x1.shape)} and ${shapeStr(x2.shape)}`, 'pass vectors [D] or batches [N, D]');
  return tidy(() => {
    const d = A.add(A.sub(x1, x2), eps);
    const keep = opts.keepdim ?? false;
    if (p === Infinity) return A.max(A.abs(d), -1, keep);
    if (p === 1) return A.sum(A.abs(d), -1, keep);
    if (p === 2) return A.sqrt(A.sum(A.square(d), -1, keep));
    return A.pow(A.sum(A.pow(A.abs(d), p), -1, keep), 1 / p);
  });
}

// Binary classification.

/** log(x) clamped below at -100 as torch does, with a finite gradient even at x = 0 (NaN below 0). */
function clampedLog(x: Tensor): Tensor {
  const zero = A.eq(x, 0);
  return A.where(zero, -100, A.clamp(A.log(A.where(zero, 1, x)), -100));
}

/** -(y log p + (1 - y) log(1 - p)) on probabilities p, each log clamped at -100 (as torch). */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  checkOptions('binaryCrossEntropy', opts, K.BCE_KEYS);
  const r = reduction('binaryCrossEntropy', opts.reduction);
  checkSameShape('binaryCrossEntropy', input, target);
  float('binaryCrossEntropy', 'target', target);
  if (opts.weight) broadcastable('binaryCrossEntropy', 'weight', opts.weight, input.shape);
  return tidy(() => {
    const pos = A.mul(target, clampedLog(input));
    const neg = A.mul(A.rsub(target, 1), clampedLog(A.rsub(input, 1)));
    let loss = A.neg(A.add(pos, neg));
    if (opts.weight) loss = A.mul(loss, opts.weight);
    return reduce(loss, r);
  });
}

/**
 * BCE on logits, stable for any x: max(x, 0) - x y + log1p(exp(-|x|)) = softplus(x) - x y; with
 * posWeight pw: (1 - y) x + (1 + (pw - 1) y) softplus(-x). The gradient is sigmoid(x) - y.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptions(op, opts, K.BCE_LOGITS_KEYS);
  const r = reduction(op, opts.reduction);
  checkSameShape(op, input, target);
  float(op, 'input', input);
  float(op, 'target', target);
  if (opts.weight) broadcastable(op, 'weight', opts.weight, input.shape);
  if (opts.posWeight) broadcastable(op, 'posWeight', opts.posWeight, input.shape);
  return tidy(() => {
    let loss: Tensor;
    if (!opts.posWeight) loss = A.sub(A.softplus(input), A.mul(input, target));
    else {
      const lw = A.add(A.mul(A.sub(opts.posWeight, 1), target), 1);
      loss = A.add(A.mul(A.rsub(target, 1), input), A.mul(lw, A.softplus(A.neg(input))));
    }
    if (opts.weight) loss = A.mul(loss, opts.weight);
    return reduce(loss, r);
  });
}

// Multi-class classification.

interface Classes {
  /** The class axis: 1 for [N, C, ...], 0 for [C]. */
  dim: number;
  count: number;
  /** int32 indices of the input's shape without the class axis. */
  target: Tensor;
}

/** Validates class-index targets against an input of [C], [N, C] or [N, C, d1, ...]. */
function classTarget(op: string, input: Tensor, target: ClassTarget, ignoreIndex: number | null, weight?: Tensor): Classes {
  input.assertLive(op);
  if (input.ndim === 0) fail(op, 'the input is a 0-d tensor', 'pass scores of shape [C] or [N, C] (or [N, C, d1, ...])');
  float(op, 'input', input);
  const dim = input.ndim === 1 ? 0 : 1;
  const count = input.shape[dim]!;
  const want = input.shape.filter((_, d) => d !== dim);
  checkWeight(op, weight, count);
  let t: Tensor;
  if (target instanceof Tensor) {
    target.assertLive(op);
    if (target.dtype !== 'int32')
      fail(op, `class-index targets must be int32, got a ${target.dtype} tensor ${shapeStr(target.shape)}`, "create them with {dtype: 'int32'} or call target.int()");
    t = target;
  } else {
    const values = typeof target === 'number' ? [target] : Array.from(target as ArrayLike<number>);
    values.forEach((v, i) => {
      if (!Number.isInteger(v) || ((v < 0 || v >= count) && v !== ignoreIndex))
        fail(op, `target ${i} is ${v}, not a class index in [0, ${count - 1}]${ignoreIndex !== null ? ` or ignoreIndex ${ignoreIndex}` : ''}`, `the input ${shapeStr(input.shape)} has ${count} classes along dimension ${dim}`);
    });
    const shape = typeof target === 'number' ? [] : values.length === want.reduce((a, b) => a * b, 1) ? want : [values.length];
    // The shape is checked before the labels are uploaded, so a mismatch costs no GPU work.
    mismatch(op, shape, input.shape, want);
    t = tensor(Int32Array.from(values), { shape, dtype: 'int32' });
  }
  mismatch(op, t.shape, input.shape, want);
  return { dim, count, target: t };
}

function mismatch(op: string, target: readonly number[], input: readonly number[], want: readonly number[]): void {
  if (!sameShape(target, want))
    fail(op, `target ${shapeStr(target)} does not match input ${shapeStr(input)}`, `pass one class index per sample: int32 of shape ${shapeStr(want)}`);
}

/** Shapes a per-class vector [C] to broadcast along the class axis of an input of rank `nd`. */
function alongClasses(v: Tensor, c: Classes, nd: number): Tensor {
  return nd <= 1 ? v : A.reshape(v, [c.count, ...Array<number>(nd - 2).fill(1)]);
}

/** The one-hot mask (bool, the input's shape) and a NaN-or-0 marker for out-of-range indices. */
function pick(input: Tensor, c: Classes, ignoreIndex: number | null): { mask: Tensor; bad: Tensor } {
  const classes = alongClasses(arange(c.count, undefined, 1, { dtype: 'int32' }), c, input.ndim);
  const t = c.dim === 0 ? c.target : A.unsqueeze(c.target, 1);
  let mask = A.eq(t, classes);
  // An ignoreIndex that is a valid class must not be picked; out-of-range ones pick nothing anyway.
  if (ignoreIndex !== null && ignoreIndex >= 0 && ignoreIndex < c.count) mask = A.logicalAnd(mask, A.ne(t, ignoreIndex));
  let outside = A.logicalOr(A.lt(c.target, 0), A.ge(c.target, c.count));
  if (ignoreIndex !== null) outside = A.logicalAnd(outside, A.ne(c.target, ignoreIndex));
  return { mask, bad: outside };
}

function checkWeight(op: string, weight: Tensor | undefined, count: number): void {
  if (!weight) return;
  weight.assertLive(op);
  if (weight.ndim !== 1 || weight.shape[0] !== count)
    fail(op, `weight has shape ${shapeStr(weight.shape)}, but there are ${count} classes`, `pass one weight per class: shape [${count}]`);
  float(op, 'weight', weight);
}

/** Per-sample -w[y] * logp[y] and w[y] (0 where ignored), NaN loss where y is out of range. */
function nllParts(op: string, logp: Tensor, c: Classes, weight: Tensor | undefined, ignoreIndex: number): { loss: Tensor; w: Tensor } {
  const { mask, bad } = pick(logp, c, ignoreIndex);
  const wmask = weight ? A.mul(mask, alongClasses(weight, c, logp.ndim)) : A.cast(mask, 'float32');
  const picked = A.sum(A.mul(wmask, logp), c.dim);
  return { loss: A.where(bad, NaN, A.neg(picked)), w: A.sum(wmask, c.dim) };
}

/** Negative log-likelihood of class indices under log-probabilities [N, C] (or [C], [N, C, d...]). */
export function nllLoss(input: Tensor, target: ClassTarget, opts: NLLOptions = {}): Tensor {
  checkOptions('nllLoss', opts, K.NLL_KEYS);
  const r = reduction('nllLoss', opts.reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  return tidy(() => {
    const c = classTarget('nllLoss', input, target, ignoreIndex, opts.weight);
    const { loss, w } = nllParts('nllLoss', input, c, opts.weight, ignoreIndex);
    return r === 'none' ? loss : r === 'sum' ? A.sum(loss) : A.div(A.sum(loss), A.sum(w));
  });
}

/**
 * Cross-entropy of logits [N, C] (or [C], [N, C, d...]) against class indices (int32, shape without
 * the class axis; ignoreIndex honoured, mean over the others) or class probabilities (float32 of the
 * input's shape). With labelSmoothing ε and index targets: (1 - ε) nll + ε/C · Σ_c -logp_c, as torch.
 */
export function crossEntropy(input: Tensor, target: ClassTarget, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkOptions(op, opts, K.CROSS_ENTROPY_KEYS);
  const r = reduction(op, opts.reduction);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) fail(op, `labelSmoothing must be in [0, 1], got ${eps}`);
  if (target instanceof Tensor && target.dtype === 'float32') return probCrossEntropy(input, target, r, eps, opts.weight);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  return tidy(() => {
    const c = classTarget(op, input, target, ignoreIndex, opts.weight);
    const logp = A.logSoftmax(input, c.dim);
    const { loss, w } = nllParts(op, logp, c, opts.weight, ignoreIndex);
    const total = A.sum(w);
    const nll = r === 'none' ? loss : r === 'sum' ? A.sum(loss) : A.div(A.sum(loss), total);
    if (eps === 0) return nll;
    const wl = opts.weight ? A.mul(logp, alongClasses(opts.weight, c, logp.ndim)) : logp;
    // Ignored samples contribute nothing to the smoothing term either.
    const kept = A.ne(c.target, ignoreIndex);
    const smooth = A.where(kept, A.neg(A.sum(wl, c.dim)), 0);
    const s = r === 'none' ? smooth : r === 'sum' ? A.sum(smooth) : A.div(A.sum(smooth), total);
    return A.add(A.mul(nll, 1 - eps), A.mul(s, eps / c.count));
  });
}

function probCrossEntropy(input: Tensor, target: Tensor, r: string, eps: number, weight: Tensor | undefined): Tensor {
  const op = 'crossEntropy';
  input.assertLive(op);
  if (input.ndim === 0) fail(op, 'the input is a 0-d tensor', 'pass logits of shape [C] or [N, C]');
  if (!sameShape(target.shape, input.shape))
    fail(op, `probability targets ${shapeStr(target.shape)} must have the input's shape ${shapeStr(input.shape)}`, `pass float32 probabilities of shape ${shapeStr(input.shape)}, or int32 class indices of shape ${shapeStr(input.shape.filter((_, d) => d !== (input.ndim === 1 ? 0 : 1)))}`);
  const dim = input.ndim === 1 ? 0 : 1;
  const count = input.shape[dim]!;
  checkWeight(op, weight, count);
  return tidy(() => {
    const logp = A.logSoftmax(input, dim);
    const y = eps > 0 ? A.add(A.mul(target, 1 - eps), eps / count) : target;
    let prod = A.mul(logp, y);
    if (weight) prod = A.mul(prod, input.ndim <= 1 ? weight : A.reshape(weight, [count, ...Array<number>(input.ndim - 2).fill(1)]));
    const loss = A.neg(A.sum(prod, dim));
    return r === 'none' ? loss : r === 'sum' ? A.sum(loss) : A.div(A.sum(loss), input.numel() / Math.max(count, 1));
  });
}

/** Multiclass hinge loss: Σ_{j≠y} max(0, Δ - s_y + s_j)^p / C per sample (torch.nn.MultiMarginLoss). */
export function multiMarginLoss(input: Tensor, target: ClassTarget, opts: MultiMarginOptions = {}): Tensor {
  const op = 'multiMarginLoss';
  checkOptions(op, opts, K.MULTI_MARGIN_KEYS);
  const r = reduction(op, opts.reduction);
  const p = opts.p ?? 1;
  const margin = opts.margin ?? 1;
  if (p !== 1 && p !== 2) fail(op, `p must be 1 or 2, got ${p}`);
  if (!Number.isFinite(margin)) fail(op, `margin must be a finite number, got ${margin}`);
  if (input.ndim > 2) fail(op, `the input must be [C] or [N, C], got ${shapeStr(input.shape)}`);
  return tidy(() => {
    const c = classTarget(op, input, target, null);
    checkWeight(op, opts.weight, c.count);
    const { mask, bad } = pick(input, c, null);
    const sy = A.sum(A.mul(mask, input), c.dim, true);
    let h = A.relu(A.add(A.sub(input, sy), margin));
    if (p === 2) h = A.square(h);
    h = A.mul(h, A.logicalNot(mask));
    if (opts.weight) h = A.mul(h, A.sum(A.mul(mask, opts.weight), c.dim, true));
    let loss = A.sum(h, c.dim);
    if (opts.divideByClasses ?? true) loss = A.div(loss, c.count);
    return reduce(A.where(bad, NaN, loss), r);
  });
}
