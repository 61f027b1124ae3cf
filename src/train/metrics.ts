// Classification metrics computed on the GPU. Each function returns a GPU tensor; Metrics accumulates
// them over batches into one packed vector, so an evaluation reads back exactly once (in result()).
import { fail, shapeStr } from '../device/index.ts';
import { keep, tidy, zeros, Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { checkOptions } from './options.ts';

function checkLogits(op: string, logits: Tensor, target: Tensor): void {
  logits.assertLive(op);
  target.assertLive(op);
  if (logits.ndim !== 2) fail(op, `expected logits [batch, classes], got shape ${shapeStr(logits.shape)}`, 'flatten the model output to 2-D');
  if (target.ndim !== 1 || target.shape[0] !== logits.shape[0])
    fail(op, `expected targets [${logits.shape[0]}] of class indices, got shape ${shapeStr(target.shape)}`, 'pass one class index per row of the logits');
  if (target.dtype !== 'int32') fail(op, `targets must be int32 class indices, got ${target.dtype}`, "cast them with .cast('int32')");
}

/** The number of rows whose argmax is the target (a float32 scalar on the GPU). */
export function correctCount(logits: Tensor, target: Tensor): Tensor {
  checkLogits('correctCount', logits, target);
  return tidy(() => A.sum(A.cast(A.eq(A.argmax(logits, 1), target), 'float32')));
}

/**
 * The number of rows whose target is among the k largest logits (a float32 scalar). A row counts when
 * fewer than k logits are strictly larger than the target's, so ties count in the target's favour.
 */
export function topKCount(logits: Tensor, target: Tensor, k: number): Tensor {
  checkLogits('topKCount', logits, target);
  if (!Number.isInteger(k) || k < 1) fail('topKCount', `k must be a positive integer, got ${k}`);
  return tidy(() => {
    const mine = A.gather(logits, 1, A.unsqueeze(target, 1));
    const above = A.sum(A.cast(A.gt(logits, mine), 'float32'), 1);
    return A.sum(A.cast(A.lt(above, k), 'float32'));
  });
}

/** Fraction of rows whose argmax is the target (a float32 scalar on the GPU). */
export function accuracy(logits: Tensor, target: Tensor): Tensor {
  return tidy(() => A.div(correctCount(logits, target), logits.shape[0]!));
}

/** Fraction of rows whose target is among the k largest logits. */
export function topKAccuracy(logits: Tensor, target: Tensor, k: number): Tensor {
  return tidy(() => A.div(topKCount(logits, target, k), logits.shape[0]!));
}

/**
 * counts[t][p]: how many rows of class t (target) were predicted as p, as float32 [C, C] on the GPU
 * (exact up to 2^24 per cell). One matmul of one-hot encodings. Out-of-range targets count nowhere.
 */
export function confusionMatrix(pred: Tensor, target: Tensor, numClasses: number): Tensor {
  const op = 'confusionMatrix';
  pred.assertLive(op);
  target.assertLive(op);
  if (pred.ndim !== 1 || target.ndim !== 1 || pred.shape[0] !== target.shape[0])
    fail(op, `expected predictions and targets of the same shape [n], got ${shapeStr(pred.shape)} and ${shapeStr(target.shape)}`, 'pass argmax(logits, 1) and the class indices');
  return tidy(() => A.matmul(A.transpose(A.oneHot(target, numClasses, { dtype: 'float32' }), 0, 1), A.oneHot(pred, numClasses, { dtype: 'float32' })));
}

export interface MetricsOptions {
  /** Number of classes; enables accuracy, top-k and the confusion matrix (default: from the logits). */
  numClasses?: number;
  /** Extra top-k accuracies to track, e.g. [5] (default none). */
  topK?: number[];
  /** Accumulate the confusion matrix (default true for classification). */
  confusion?: boolean;
}

export interface MetricsResult {
  /** Samples seen. */
  count: number;
  /** Mean loss over samples (NaN when no loss was added). */
  loss: number;
  /** Top-1 accuracy (NaN for non-classification). */
  accuracy: number;
  /** Top-k accuracy by k. */
  topK: Record<number, number>;
  /** counts[target][prediction], or null. */
  confusion: number[][] | null;
}

/**
 * Running sums over batches, kept on the GPU in one packed float32 vector:
 * [loss·n, correct, topK…, confusion…]. add() does GPU work only; result() reads back once.
 */
export class Metrics {
  private acc: Tensor | null = null;
  private n = 0;
  private classes = 0;
  private classify = false;
  private noLoss = false;
  readonly topK: number[];

  constructor(readonly opts: MetricsOptions = {}) {
    checkOptions('Metrics', opts, ['numClasses', 'topK', 'confusion']);
    this.topK = [...(opts.topK ?? [])];
    for (const k of this.topK) if (!Number.isInteger(k) || k < 1) fail('Metrics', `topK entries must be positive integers, got ${k}`);
  }

  get count(): number {
    return this.n;
  }

  /** Adds one batch: its mean loss (a scalar tensor, detached here) and, for classification, the logits and targets. */
  add(loss: Tensor | null, output: Tensor, target: Tensor): void {
    const b = output.shape[0] ?? 1;
    const classify = output.ndim === 2 && target.ndim === 1 && target.dtype === 'int32';
    if (this.n === 0) {
      this.classify = classify;
      this.classes = this.opts.numClasses ?? (classify ? output.shape[1]! : 0);
    } else if (classify !== this.classify) fail('Metrics.add', 'a batch changed between classification and other outputs', 'use one Metrics per kind of output');
    const next = tidy(() => {
      const parts: Tensor[] = [loss ? A.reshape(A.mul(A.detach(loss), b), [1]) : zeros([1])];
      if (this.classify) {
        parts.push(A.reshape(correctCount(output, target), [1]));
        for (const k of this.topK) parts.push(A.reshape(topKCount(output, target, k), [1]));
        if (this.opts.confusion !== false) parts.push(A.reshape(confusionMatrix(A.argmax(output, 1), target, this.classes), [-1]));
      }
      const v = A.concat(parts, 0);
      return this.acc ? A.add(this.acc, v) : v;
    });
    this.acc?.dispose();
    this.acc = keep(next);
    this.n += b;
    if (!loss) this.noLoss = true;
  }

  /** Reads the sums back (one readback) and frees them; the accumulator starts again empty. */
  async result(): Promise<MetricsResult> {
    const acc = this.acc;
    const n = this.n;
    this.acc = null;
    this.n = 0;
    if (!acc) return { count: 0, loss: NaN, accuracy: NaN, topK: {}, confusion: null };
    const v = await acc.data();
    acc.dispose();
    const out: MetricsResult = { count: n, loss: this.noLoss ? NaN : v[0]! / n, accuracy: NaN, topK: {}, confusion: null };
    if (this.classify) {
      out.accuracy = v[1]! / n;
      this.topK.forEach((k, i) => (out.topK[k] = v[2 + i]! / n));
      if (this.opts.confusion !== false) {
        const c = this.classes;
        const base = 2 + this.topK.length;
        out.confusion = Array.from({ length: c }, (_, t) => Array.from(v.subarray(base + t * c, base + (t + 1) * c)));
      }
    }
    this.noLoss = false;
    return out;
  }

  /** Frees the running sums without reading them. */
  dispose(): void {
    this.acc?.dispose();
    this.acc = null;
    this.n = 0;
  }
}
