// Learning-rate schedulers with torch.optim.lr_scheduler's semantics: they write each parameter
// group's `lr`, are stepped once per epoch after optimizer.step(), and take their first step on
// construction (epoch 0). The recursive ("chainable") forms torch uses are kept, so a group's lr can
// also be changed by hand between steps. Nothing here touches the GPU: lr is a uniform of the kernels.
import { checkOptions, fail, optionKeys } from '../device/index.ts';
import { ensure, nonNegative, type Optimizer } from './optimizer.ts';

type AnyOptimizer = Optimizer<any>;

export interface SchedulerStateDict {
  [key: string]: unknown;
}

/**
 * Checks a scheduler's options before anything is touched and returns its lastEpoch (-1 by default).
 * Runs inside the super() call, so it cannot use `this`.
 */
function lastEpochOf(name: string, opts: { lastEpoch?: number } | undefined, keys: readonly string[], required: boolean): number {
  if (opts === undefined && required) fail(name, 'needs an options object', `pass {${keys.join(', ')}}`);
  return checkOptions(name, opts, keys).lastEpoch ?? -1;
}

export abstract class LRScheduler {
  lastEpoch: number;
  baseLrs: number[] = [];
  protected lastLr: number[] = [];
  protected stepCount = 0;

  constructor(
    readonly optimizer: AnyOptimizer,
    lastEpoch = -1,
    readonly name = 'LRScheduler',
  ) {
    ensure(!!optimizer && Array.isArray(optimizer.paramGroups), name, 'needs an optimizer');
    ensure(Number.isInteger(lastEpoch) && lastEpoch >= -1, name, `lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    for (const [i, g] of optimizer.paramGroups.entries())
      if (lastEpoch !== -1 && g.initialLr === undefined) fail(name, `resuming at lastEpoch ${lastEpoch} needs initialLr in group ${i}`, 'create the scheduler with lastEpoch -1, or load its state dict');
    this.lastEpoch = lastEpoch;
  }

  /**
   * Records the base lrs and takes the construction step; subclasses call it once their options are
   * checked, so a rejected scheduler leaves the optimizer untouched.
   */
  protected start(): void {
    if (this.lastEpoch === -1) for (const g of this.optimizer.paramGroups) g.initialLr = g.lr;
    this.baseLrs = this.optimizer.paramGroups.map((g) => g.initialLr!);
    this.step();
  }

  /** The lrs for epoch `lastEpoch`, from the groups' current lrs. */
  protected abstract getLr(): number[];

  /** Advances one epoch and writes the new lr into every group. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]!));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  protected get groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[k] = structuredClone(v);
    return out;
  }

  loadStateDict(sd: SchedulerStateDict): void {
    for (const [k, v] of Object.entries(sd)) if (k !== 'optimizer' && k in this) (this as Record<string, unknown>)[k] = structuredClone(v);
  }
}

export interface StepLROptions {
  stepSize: number;
  /** Default 0.1. */
  gamma?: number;
  lastEpoch?: number;
}
const STEP_LR_OPTIONS = optionKeys<StepLROptions>({ stepSize: true, gamma: true, lastEpoch: true });

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly opts: StepLROptions,
  ) {
    super(optimizer, lastEpochOf('StepLR', opts, STEP_LR_OPTIONS, true), 'StepLR');
    ensure(Number.isInteger(opts.stepSize) && opts.stepSize > 0, this.name, `stepSize must be a positive integer, got ${opts.stepSize}`);
    nonNegative(this.name, 'gamma', opts.gamma ?? 0.1);
    this.start();
  }

  protected getLr(): number[] {
    const gamma = this.opts.gamma ?? 0.1;
    if (this.lastEpoch === 0 || this.lastEpoch % this.opts.stepSize !== 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * gamma);
  }
}

export interface ExponentialLROptions {
  gamma: number;
  lastEpoch?: number;
}
const EXPONENTIAL_LR_OPTIONS = optionKeys<ExponentialLROptions>({ gamma: true, lastEpoch: true });

/** Multiplies the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly opts: ExponentialLROptions,
  ) {
    super(optimizer, lastEpochOf('ExponentialLR', opts, EXPONENTIAL_LR_OPTIONS, true), 'ExponentialLR');
    nonNegative(this.name, 'gamma', opts.gamma);
    this.start();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.opts.gamma);
  }
}

export interface CosineAnnealingLROptions {
  tMax: number;
  /** Default 0. */
  etaMin?: number;
  lastEpoch?: number;
}
const COSINE_OPTIONS = optionKeys<CosineAnnealingLROptions>({ tMax: true, etaMin: true, lastEpoch: true });

/** Cosine annealing from the base lr to etaMin over tMax epochs (and back up, periodically, after). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly opts: CosineAnnealingLROptions,
  ) {
    super(optimizer, lastEpochOf('CosineAnnealingLR', opts, COSINE_OPTIONS, true), 'CosineAnnealingLR');
    ensure(Number.isInteger(opts.tMax) && opts.tMax > 0, this.name, `tMax must be a positive integer, got ${opts.tMax}`);
    nonNegative(this.name, 'etaMin', opts.etaMin ?? 0);
    this.start();
  }

  protected getLr(): number[] {
    const T = this.opts.tMax;
    const min = this.opts.etaMin ?? 0;
    const e = this.lastEpoch;
    if (e === 0) return this.groupLrs;
    // Resumed at a later epoch (lastEpoch given): no previous lr to chain from, so the closed form.
    if (this.stepCount === 1) return this.baseLrs.map((b) => min + ((b - min) * (1 + Math.cos((Math.PI * e) / T))) / 2);
    if ((e - 1 - T) % (2 * T) === 0) return this.groupLrs.map((lr, i) => lr + ((this.baseLrs[i]! - min) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.groupLrs.map((lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - min) + min);
  }
}

export interface LinearWarmupOptions {
  /** Default 1/3. */
  startFactor?: number;
  /** Default 1. */
  endFactor?: number;
  /** Default 5. */
  warmupSteps?: number;
  lastEpoch?: number;
}
const LINEAR_WARMUP_OPTIONS = optionKeys<LinearWarmupOptions>({ startFactor: true, endFactor: true, warmupSteps: true, lastEpoch: true });

/**
 * Linear warm-up: the lr goes from startFactor * base to endFactor * base (1 by default) in
 * warmupSteps epochs, then stays (torch's LinearLR with totalIters = warmupSteps).
 */
export class LinearWarmup extends LRScheduler {
  constructor(
    optimizer: AnyOptimizer,
    readonly opts: LinearWarmupOptions = {},
  ) {
    super(optimizer, lastEpochOf('LinearWarmup', opts, LINEAR_WARMUP_OPTIONS, false), 'LinearWarmup');
    const s = opts.startFactor ?? 1 / 3;
    const e = opts.endFactor ?? 1;
    ensure(s > 0 && s <= 1, this.name, `startFactor must be in (0, 1], got ${s}`, 'a factor of 0 would stall the warm-up at lr 0');
    ensure(e >= 0 && e <= 1, this.name, `endFactor must be in [0, 1], got ${e}`);
    ensure(Number.isInteger(opts.warmupSteps ?? 5) && (opts.warmupSteps ?? 5) > 0, this.name, `warmupSteps must be a positive integer, got ${opts.warmupSteps}`);
    this.start();
  }

  protected getLr(): number[] {
    const s = this.opts.startFactor ?? 1 / 3;
    const e = this.opts.endFactor ?? 1;
    const n = this.opts.warmupSteps ?? 5;
    if (this.lastEpoch === 0) return this.groupLrs.map((lr) => lr * s);
    if (this.lastEpoch > n) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }
}

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  /** A floor for every group, or one per group. */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped. */
  eps?: number;
}
const PLATEAU_OPTIONS = optionKeys<ReduceLROnPlateauOptions>({ mode: true, factor: true, patience: true, threshold: true, thresholdMode: true, cooldown: true, minLr: true, eps: true });

/**
 * Cuts the lr by `factor` once the metric passed to step() has not improved for more than `patience`
 * epochs. The metric is a number: reading it back from the GPU is the caller's explicit choice.
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    readonly optimizer: AnyOptimizer,
    opts: ReduceLROnPlateauOptions = {},
  ) {
    const op = 'ReduceLROnPlateau';
    checkOptions(op, opts, PLATEAU_OPTIONS);
    this.mode = opts.mode ?? 'min';
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    const n = optimizer.paramGroups.length;
    const m = opts.minLr ?? 0;
    ensure(this.mode === 'min' || this.mode === 'max', op, `mode must be 'min' or 'max', got ${String(this.mode)}`);
    ensure(this.thresholdMode === 'rel' || this.thresholdMode === 'abs', op, `thresholdMode must be 'rel' or 'abs', got ${String(this.thresholdMode)}`);
    ensure(this.factor >= 0 && this.factor < 1, op, `factor must be in [0, 1), got ${this.factor}`, 'a factor of 1 or more would not reduce the lr');
    ensure(Number.isInteger(this.patience) && this.patience >= 0, op, `patience must be a whole number, got ${this.patience}`);
    ensure(Number.isInteger(this.cooldown) && this.cooldown >= 0, op, `cooldown must be a whole number, got ${this.cooldown}`);
    nonNegative(op, 'threshold', this.threshold);
    nonNegative(op, 'eps', this.eps);
    if (Array.isArray(m)) ensure(m.length === n, op, `minLr lists ${m.length} values for ${n} parameter groups`, 'give one per group, or a single number');
    this.minLrs = Array.isArray(m) ? [...m] : new Array(n).fill(m);
    this.minLrs.forEach((v) => nonNegative(op, 'minLr', v));
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { mode, thresholdMode: tm, threshold: t, best } = this;
    if (mode === 'min') return tm === 'rel' ? a < best * (1 - t) : a < best - t;
    return tm === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Records one epoch's metric, reducing the lrs when it has stopped improving. */
  step(metric: number): void {
    ensure(typeof metric === 'number', 'ReduceLROnPlateau.step', `the metric must be a number, got ${typeof metric}`, 'read it back first, e.g. await loss.item()');
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return { best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch, lastLr: [...this.lastLr] };
  }

  loadStateDict(sd: SchedulerStateDict): void {
    this.best = sd.best as number;
    this.numBadEpochs = sd.numBadEpochs as number;
    this.cooldownCounter = sd.cooldownCounter as number;
    this.lastEpoch = sd.lastEpoch as number;
    this.lastLr = [...(sd.lastLr as number[])];
  }
}
