// Callbacks: hooks fit() calls at the start and end of training and of each epoch, and at each log
// point (every logEvery steps). They receive numbers that fit() has already read back, once per log
// point or epoch, so a callback never causes a readback of its own.
import { fail } from '../device/index.ts';
import type { Tensor } from '../tensor/index.ts';
import type { Module } from '../nn/index.ts';
import type { Optimizer } from '../optim/index.ts';
import { checkOptions } from './options.ts';

/** Metric values by tag: 'train/loss', 'train/accuracy', 'test/loss', 'test/accuracy', 'test/top5', 'lr'. */
export type Logs = Record<string, number>;

export interface TrainContext {
  model: Module<any, any>;
  optimizer: Optimizer<any>;
  epochs: number;
  /** The current epoch (0-based) and optimizer step count (1-based after the first step). */
  epoch: number;
  step: number;
  /** Set by a callback to end training after the current epoch. */
  stopTraining: boolean;
}

export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  /** Every logEvery steps (and at the end of each epoch): the mean train loss over the window and lr. */
  onLog?(step: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctx: TrainContext): void | Promise<void>;
}

export type Mode = 'min' | 'max' | 'auto';

/** 'auto' watches accuracies for a maximum and everything else (losses) for a minimum. */
function resolveMode(op: string, mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'min' && mode !== 'max' && mode !== 'auto') fail(op, `mode must be 'min', 'max' or 'auto', got ${String(mode)}`);
  if (mode !== 'auto') return mode;
  return /acc|top\d/i.test(monitor) ? 'max' : 'min';
}

function monitored(op: string, logs: Logs, monitor: string): number {
  const v = logs[monitor];
  if (typeof v !== 'number' || Number.isNaN(v))
    fail(op, `the monitored value '${monitor}' is not in this epoch's logs (${Object.keys(logs).join(', ')})`, 'monitor one of those, or pass test data to fit() for test/* values');
  return v;
}

/** Tracks the best value of a monitored tag with a minimum change to count as an improvement. */
class Monitor {
  readonly mode: 'min' | 'max';
  best: number;
  bestEpoch = -1;
  constructor(
    readonly op: string,
    readonly monitor: string,
    mode: Mode,
    readonly minDelta = 0,
  ) {
    this.mode = resolveMode(op, mode, monitor);
    if (!(minDelta >= 0)) fail(op, `minDelta must be >= 0, got ${minDelta}`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
  reset(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = -1;
  }
  /** Records the epoch's value; true when it improves on the best by more than minDelta. */
  update(epoch: number, logs: Logs): boolean {
    const v = monitored(this.op, logs, this.monitor);
    const better = this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
    if (better) {
      this.best = v;
      this.bestEpoch = epoch;
    }
    return better;
  }
}

/** A callback that watches one tag: the monitor, its best value and the epoch it came in. */
abstract class Monitored {
  protected readonly m: Monitor;
  constructor(op: string, opts: { monitor?: string; mode?: Mode; minDelta?: number }) {
    this.m = new Monitor(op, opts.monitor ?? 'test/loss', opts.mode ?? 'auto', opts.minDelta ?? 0);
  }
  get best(): number {
    return this.m.best;
  }
  get bestEpoch(): number {
    return this.m.bestEpoch;
  }
}

export interface EarlyStoppingOptions {
  /** The tag to watch (default 'test/loss'). */
  monitor?: string;
  mode?: Mode;
  /** Epochs without improvement before stopping (default 0: stop at the first). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** At the end, load the weights of the best epoch (kept as GPU copies; default false). */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored value has not improved for `patience` epochs (as Keras). */
export class EarlyStopping extends Monitored implements Callback {
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  wait = 0;
  /** The epoch training stopped after, or -1. */
  stoppedEpoch = -1;
  private snapshot: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    super('EarlyStopping', (checkOptions('EarlyStopping', opts, ['monitor', 'mode', 'patience', 'minDelta', 'restoreBestWeights']), opts));
    this.patience = opts.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) fail('EarlyStopping', `patience must be a whole number, got ${this.patience}`);
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.m.reset();
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.drop();
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    if (this.m.update(epoch, logs)) {
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.drop();
        this.snapshot = ctx.model.stateDict({ clone: true });
      }
      return;
    }
    this.wait++;
    if (this.wait >= Math.max(1, this.patience)) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(_logs: Logs, ctx: TrainContext): void {
    if (this.snapshot && this.m.bestEpoch !== ctx.epoch) ctx.model.loadStateDict(this.snapshot);
    this.drop();
  }

  private drop(): void {
    if (this.snapshot) for (const t of Object.values(this.snapshot)) t.dispose();
    this.snapshot = null;
  }
}

export interface CheckpointInfo {
  epoch: number;
  monitor: string;
  value: number;
  logs: Logs;
}

/** Where a checkpoint goes: a file in Node (via io.save), memory or IndexedDB in a browser. */
export type CheckpointSink = (stateDict: Record<string, Tensor>, info: CheckpointInfo) => void | Promise<void>;

export interface ModelCheckpointOptions {
  /** Receives the model's live state dict (read it before returning; do not dispose it). */
  save: CheckpointSink;
  monitor?: string;
  mode?: Mode;
  /** Save only when the monitored value improves (default true); false saves every epoch. */
  saveBestOnly?: boolean;
  minDelta?: number;
}

/** Saves the state dict through a sink whenever the monitored value improves. */
export class ModelCheckpoint extends Monitored implements Callback {
  readonly saveBestOnly: boolean;
  /** How many times the sink was called. */
  saves = 0;

  constructor(readonly opts: ModelCheckpointOptions) {
    super('ModelCheckpoint', (checkOptions('ModelCheckpoint', opts, ['save', 'monitor', 'mode', 'saveBestOnly', 'minDelta']), opts ?? {}));
    if (typeof opts?.save !== 'function') fail('ModelCheckpoint', 'needs a save(stateDict, info) function', 'pass {save: (sd) => io.save(path, sd)} in Node, or keep the bytes in memory in a browser');
    this.saveBestOnly = opts.saveBestOnly ?? true;
  }

  onTrainBegin(): void {
    this.m.reset();
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    const improved = this.m.update(epoch, logs);
    if (this.saveBestOnly && !improved) return;
    await this.opts.save(ctx.model.stateDict(), { epoch, monitor: this.m.monitor, value: logs[this.m.monitor]!, logs: { ...logs } });
    this.saves++;
  }
}

/** Every epoch's logs, by tag (as Keras' History), and the step-level log points. */
export class History implements Callback {
  epochs: number[] = [];
  history: Record<string, number[]> = {};
  /** Each log point's step and values ('train/loss' over the window, 'lr'). */
  points: { step: number; logs: Logs }[] = [];

  onTrainBegin(): void {
    this.epochs = [];
    this.history = {};
    this.points = [];
  }

  onLog(step: number, logs: Logs): void {
    this.points.push({ step, logs: { ...logs } });
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epochs.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }

  /** The last epoch's logs. */
  get last(): Logs {
    const out: Logs = {};
    for (const [k, v] of Object.entries(this.history)) out[k] = v[v.length - 1]!;
    return out;
  }
}
