// fit() and evaluate(): the training loop as a function, for when the plain loop is not wanted.
// Readbacks are budgeted: the running loss (and correct count) stay in a GPU vector that is read every
// logEvery steps and once at the end of the epoch; an evaluation reads once. Everything an epoch makes
// is freed by its end, so live buffers stay flat from one epoch to the next.
import { fail } from '../device/index.ts';
import { keep, tidy, Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import type { Module } from '../nn/index.ts';
import { ReduceLROnPlateau, type LRScheduler, type Optimizer } from '../optim/index.ts';
import { History, type Callback, type Logs, type TrainContext } from './callbacks.ts';
import { correctCount, Metrics, type MetricsResult } from './metrics.ts';
import { checkOptions } from './options.ts';

/** Any iterable of [input, target] batches: a DataLoader, an array, an async generator. */
export type Batches = AsyncIterable<readonly [Tensor, Tensor]> | Iterable<readonly [Tensor, Tensor]>;

export type LossFn = (output: Tensor, target: Tensor) => Tensor;

export interface EvaluateOptions {
  /** The loss to average (optional: without it only the metrics are computed). */
  loss?: LossFn;
  numClasses?: number;
  /** Extra top-k accuracies, e.g. [5]; reported as test/top5. */
  topK?: number[];
  /** Accumulate the confusion matrix (default true). */
  confusion?: boolean;
  /**
   * Dispose each batch after use (default true: fit and evaluate own the batches they are given, as a
   * DataLoader makes fresh ones each pass). Pass false to reuse the same tensors, e.g. an array of batches.
   */
  disposeBatches?: boolean;
}

export interface FitOptions extends Omit<EvaluateOptions, 'loss'> {
  train: Batches;
  test?: Batches;
  optimizer: Optimizer<any>;
  loss: LossFn;
  /** Default 1. */
  epochs?: number;
  callbacks?: Callback[];
  /** Stepped once per epoch; a ReduceLROnPlateau gets the epoch's `schedulerMonitor` value. */
  scheduler?: LRScheduler | ReduceLROnPlateau;
  /** The value ReduceLROnPlateau watches (default 'test/loss' with test data, else 'train/loss'). */
  schedulerMonitor?: string;
  /** Read the running loss back every this many steps (default 50). */
  logEvery?: number;
}

export interface FitResult extends History {
  /** Epochs run and optimizer steps taken. */
  epochsRun: number;
  steps: number;
  /** Whether a callback stopped training early. */
  stopped: boolean;
  /** Training samples seen and seconds spent in training epochs (evaluations excluded). */
  samples: number;
  trainSeconds: number;
  seconds: number;
  /** The last evaluation on the test data (with the confusion matrix), or null. */
  evaluation: MetricsResult | null;
}

const FIT_OPTIONS = ['train', 'test', 'optimizer', 'loss', 'epochs', 'callbacks', 'scheduler', 'schedulerMonitor', 'logEvery', 'numClasses', 'topK', 'confusion', 'disposeBatches'] as const;
const EVAL_OPTIONS = ['loss', 'numClasses', 'topK', 'confusion', 'disposeBatches'] as const;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function isBatches(v: unknown): v is Batches {
  return v != null && (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function');
}

function checkBatch(op: string, batch: unknown): asserts batch is readonly [Tensor, Tensor] {
  if (!Array.isArray(batch) || !(batch[0] instanceof Tensor) || !(batch[1] instanceof Tensor))
    fail(op, `each batch must be [input, target] tensors, got ${Array.isArray(batch) ? `an array of ${batch.length}` : typeof batch}`, 'yield [x, y] pairs of Tensors');
}

function isClassification(out: Tensor, y: Tensor): boolean {
  return out.ndim === 2 && y.ndim === 1 && y.dtype === 'int32';
}

/** Evaluates the model in eval mode without gradients; reads back once. The mode is restored after. */
export async function evaluate(model: Module<any, any>, data: Batches, opts: EvaluateOptions = {}): Promise<MetricsResult> {
  checkOptions('evaluate', opts, EVAL_OPTIONS);
  if (!isBatches(data)) fail('evaluate', 'data must be an iterable or async iterable of [input, target] batches');
  const wasTraining = model.training;
  model.eval();
  const metrics = new Metrics({ numClasses: opts.numClasses, topK: opts.topK, confusion: opts.confusion });
  try {
    for await (const batch of data) {
      checkBatch('evaluate', batch);
      const [x, y] = batch;
      A.noGrad(() =>
        tidy(() => {
          const out = model(x) as Tensor;
          metrics.add(opts.loss ? opts.loss(out, y) : null, out, y);
        }),
      );
      if (opts.disposeBatches !== false) {
        x.dispose();
        y.dispose();
      }
    }
    return await metrics.result();
  } finally {
    metrics.dispose();
    model.train(wasTraining);
  }
}

/**
 * Trains `model` for `epochs` epochs over `train`, evaluating on `test` after each, and returns the
 * History of every epoch's logs. See FitOptions and the module header for the readback budget.
 */
export async function fit(model: Module<any, any>, opts: FitOptions): Promise<FitResult> {
  checkOptions('fit', opts, FIT_OPTIONS);
  const { train, test, optimizer, loss, scheduler } = opts;
  const epochs = opts.epochs ?? 1;
  const logEvery = opts.logEvery ?? 50;
  if (!isBatches(train)) fail('fit', 'train must be an iterable or async iterable of [input, target] batches', 'pass a DataLoader or an array of [x, y]');
  if (test !== undefined && !isBatches(test)) fail('fit', 'test must be an iterable or async iterable of [input, target] batches');
  if (!optimizer || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) fail('fit', 'needs an optimizer', 'pass {optimizer: new optim.Adam(model.parameters())}');
  if (typeof loss !== 'function') fail('fit', 'needs a loss(output, target) function', 'pass {loss: nn.F.crossEntropy}');
  if (!Number.isInteger(epochs) || epochs < 0) fail('fit', `epochs must be a whole number, got ${epochs}`);
  if (!Number.isInteger(logEvery) || logEvery < 1) fail('fit', `logEvery must be a positive integer, got ${logEvery}`);
  const callbacks = [...(opts.callbacks ?? [])];
  for (const [i, c] of callbacks.entries()) if (c === null || typeof c !== 'object') fail('fit', `callbacks[${i}] is not a callback object`);
  let history = callbacks.find((c): c is History => c instanceof History);
  if (!history) callbacks.unshift((history = new History()));
  const monitor = opts.schedulerMonitor ?? (test ? 'test/loss' : 'train/loss');
  const disposeBatches = opts.disposeBatches !== false;

  const ctx: TrainContext = { model, optimizer, epochs, epoch: 0, step: 0, stopTraining: false };
  const call = async (fn: (c: Callback) => void | Promise<void> | undefined) => {
    for (const c of callbacks) await fn(c);
  };
  const t0 = now();
  let trainMs = 0;
  let samples = 0;
  let evaluation: MetricsResult | null = null;
  let epochsRun = 0;
  let last: Logs = {};
  await call((c) => c.onTrainBegin?.(ctx));

  for (let epoch = 0; epoch < epochs && !ctx.stopTraining; epoch++) {
    ctx.epoch = epoch;
    await call((c) => c.onEpochBegin?.(epoch, ctx));
    const lr = optimizer.paramGroups[0]!.lr;
    const e0 = now();
    model.train();
    // [Σ loss·batch, Σ correct] over the epoch; read at log points, the window is the difference.
    let running: Tensor | null = null;
    let n = 0;
    let classify = false;
    let seen = { loss: 0, n: 0, correct: 0 };
    const read = async (): Promise<void> => {
      const v = await running!.data();
      const windowN = n - seen.n;
      if (windowN > 0) {
        await call((c) => c.onLog?.(ctx.step, { 'train/loss': (v[0]! - seen.loss) / windowN, lr }, ctx));
      }
      seen = { loss: v[0]!, n, correct: classify ? v[1]! : 0 };
    };
    try {
      for await (const batch of train) {
        checkBatch('fit', batch);
        const [x, y] = batch;
        const b = x.shape[0] ?? 1;
        const next: Tensor = tidy(() => {
          optimizer.zeroGrad();
          const out = model(x) as Tensor;
          const l = loss(out, y);
          if (!(l instanceof Tensor) || l.numel() !== 1) fail('fit', `the loss must return a one-element tensor, got ${l instanceof Tensor ? `shape [${l.shape.join(', ')}]` : typeof l}`, "use reduction 'mean' or 'sum'");
          l.backward();
          optimizer.step();
          return A.noGrad(() => {
            if (n === 0) classify = isClassification(out, y);
            const parts = [A.reshape(A.mul(A.detach(l), b), [1])];
            if (classify) parts.push(A.reshape(correctCount(A.detach(out), y), [1]));
            const v = A.concat(parts, 0);
            return running ? A.add(running, v) : v;
          });
        });
        running?.dispose();
        running = keep(next);
        if (disposeBatches) {
          x.dispose();
          y.dispose();
        }
        n += b;
        ctx.step++;
        if (ctx.step % logEvery === 0) await read();
      }
      if (running && n > seen.n) await read();
    } finally {
      (running as Tensor | null)?.dispose();
    }
    trainMs += now() - e0;
    samples += n;
    const logs: Logs = { 'train/loss': n ? seen.loss / n : NaN };
    if (classify) logs['train/accuracy'] = seen.correct / n;
    if (test) {
      evaluation = await evaluate(model, test, { loss, numClasses: opts.numClasses, topK: opts.topK, confusion: opts.confusion, disposeBatches });
      logs['test/loss'] = evaluation.loss;
      if (!Number.isNaN(evaluation.accuracy)) logs['test/accuracy'] = evaluation.accuracy;
      for (const [k, v] of Object.entries(evaluation.topK)) logs[`test/top${k}`] = v;
      model.train();
    }
    logs.lr = lr;
    last = logs;
    epochsRun++;
    await call((c) => c.onEpochEnd?.(epoch, logs, ctx));
    if (scheduler instanceof ReduceLROnPlateau) {
      const v = logs[monitor];
      if (typeof v !== 'number') fail('fit', `the scheduler monitors '${monitor}', which is not in the logs (${Object.keys(logs).join(', ')})`, 'set schedulerMonitor to one of those');
      scheduler.step(v);
    } else scheduler?.step();
  }
  await call((c) => c.onTrainEnd?.(last, ctx));
  const result = history as FitResult;
  Object.assign(result, { epochsRun, steps: ctx.step, stopped: ctx.stopTraining, samples, trainSeconds: trainMs / 1000, seconds: (now() - t0) / 1000, evaluation });
  return result;
}
