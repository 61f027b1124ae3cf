// Normalization layers: BatchNorm1d / BatchNorm2d, LayerNorm and GroupNorm, with PyTorch's arguments,
// initialisation (weight 1, bias 0; running mean 0, running var 1) and state-dict names (weight, bias,
// running_mean, running_var, num_batches_tracked). Running statistics live and update on the GPU: the
// count num_batches_tracked is an int32 buffer incremented in place, and the cumulative average
// (momentum null) takes its factor 1 / count from it on the GPU, so no step reads anything back.
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import { numel } from '../kernels/index.ts';
import { ones, tidy, zeros, type Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { Module, parameter } from './module.ts';

export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** The running statistics' update factor (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learned per-channel weight and bias (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without, batch statistics are always used. */
  trackRunningStats?: boolean;
}
const BATCH_NORM_OPTIONS = optionKeys<BatchNormOptions>({ eps: true, momentum: true, affine: true, trackRunningStats: true });

function flag(layer: string, what: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(layer, `${what} must be true or false, got ${String(v)}`);
  return v;
}

function positive(layer: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(layer, `${what} must be a positive integer, got ${String(v)}`);
  return v;
}

function epsOf(layer: string, v: unknown): number {
  if (v === undefined) return 1e-5;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) fail(layer, `eps must be a finite number >= 0, got ${String(v)}`);
  return v;
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).assertLive === 'function';
}

abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Tensor | null;
  bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(
    readonly numFeatures: number,
    opts: BatchNormOptions,
    layer: string,
  ) {
    super();
    checkOptions(layer, opts, BATCH_NORM_OPTIONS);
    positive(layer, 'numFeatures', numFeatures);
    this.eps = epsOf(layer, opts.eps);
    const m = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (m !== null && (typeof m !== 'number' || !(m >= 0 && m <= 1))) fail(layer, `momentum must be a number in [0, 1] or null (cumulative average), got ${String(m)}`);
    this.momentum = m;
    this.affine = flag(layer, 'affine', opts.affine, true);
    this.trackRunningStats = flag(layer, 'trackRunningStats', opts.trackRunningStats, true);
    this.weight = this.affine ? parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? parameter(zeros([numFeatures])) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures]));
      this.registerBuffer('running_var', ones([numFeatures]));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }));
    } else {
      this.running_mean = null;
      this.running_var = null;
      this.num_batches_tracked = null;
    }
  }

  /** The ranks this layer accepts, and how the expected shape reads in an error. */
  protected abstract readonly ranks: readonly number[];
  protected abstract readonly layout: string;

  forward(x: Tensor): Tensor {
    const layer = this.constructor.name;
    if (!isTensor(x)) fail(layer, `expected a Tensor input, got ${typeof x}`);
    x.assertLive(layer);
    const C = this.numFeatures;
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== C)
      fail(layer, `expected ${this.layout.replace(/\bC\b/g, String(C))}, got shape ${shapeStr(x.shape)}`, x.shape[1] !== C && this.ranks.includes(x.ndim) ? `the layer was built for ${C} channels; pass an input with ${C} channels in dimension 1` : `pass ${this.layout.replace(/\bC\b/g, String(C))}`);
    const training = this.training || !this.trackRunningStats;
    // Checked here too, before num_batches_tracked is counted, so a refused batch changes no state.
    if (training && numel(x.shape) <= C) fail(layer, `expected more than 1 value per channel when training, got input of shape ${shapeStr(x.shape)}`, 'use a batch of 2 or more, or eval() mode');
    let factor: number | Tensor = this.momentum ?? 0;
    let temp: Tensor | null = null;
    if (this.training && this.trackRunningStats) {
      const count = this.num_batches_tracked!;
      A.noGrad(() => A.add_(count, 1));
      if (this.momentum === null) factor = temp = A.noGrad(() => tidy(() => A.reciprocal(A.cast(count, 'float32'))));
    }
    const useStats = !this.training || this.trackRunningStats;
    try {
      return A.batchNorm(x, useStats ? this.running_mean : null, useStats ? this.running_var : null, this.weight, this.bias, training, factor, this.eps);
    } finally {
      temp?.dispose();
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalization over [N, C] or [N, C, L] inputs, per channel (torch.nn.BatchNorm1d). */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [2, 3];
  protected readonly layout = 'a 2-D input [N, C] or 3-D input [N, C, L]';
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, 'BatchNorm1d');
  }
}

/** Batch normalization over [N, C, H, W] inputs, per channel (torch.nn.BatchNorm2d). */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [4];
  protected readonly layout = 'a 4-D input [N, C, H, W]';
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, 'BatchNorm2d');
  }
}

export interface LayerNormOptions {
  eps?: number;
  /** Learned weight (and bias) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also a learned bias (default true). */
  bias?: boolean;
}
const LAYER_NORM_OPTIONS = optionKeys<LayerNormOptions>({ eps: true, elementwiseAffine: true, bias: true });

/** Normalizes over the trailing normalizedShape dimensions (torch.nn.LayerNorm). */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', opts, LAYER_NORM_OPTIONS);
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : [];
    if (!ns.length || ns.some((s) => !Number.isInteger(s) || s < 1)) fail('LayerNorm', `normalizedShape must be a positive size or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    this.normalizedShape = ns;
    this.eps = epsOf('LayerNorm', opts.eps);
    this.elementwiseAffine = flag('LayerNorm', 'elementwiseAffine', opts.elementwiseAffine, true);
    const bias = flag('LayerNorm', 'bias', opts.bias, true);
    this.weight = this.elementwiseAffine ? parameter(ones(ns)) : null;
    this.bias = this.elementwiseAffine && bias ? parameter(zeros(ns)) : null;
  }

  forward(x: Tensor): Tensor {
    if (!isTensor(x)) fail('LayerNorm', `expected a Tensor input, got ${typeof x}`);
    x.assertLive('LayerNorm');
    const ns = this.normalizedShape;
    if (x.ndim < ns.length || x.shape.slice(x.ndim - ns.length).some((s, i) => s !== ns[i]))
      fail('LayerNorm', `expected an input [*, ${ns.join(', ')}], got shape ${shapeStr(x.shape)}`, `the layer normalizes the trailing dimensions ${shapeStr(ns)}`);
    return A.layerNorm(x, ns, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${shapeStr(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions {
  eps?: number;
  /** Learned per-channel weight and bias (default true). */
  affine?: boolean;
}
const GROUP_NORM_OPTIONS = optionKeys<GroupNormOptions>({ eps: true, affine: true });

/** Normalizes each sample's channels in groups (torch.nn.GroupNorm); inputs [N, C, *]. */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    opts: GroupNormOptions = {},
  ) {
    super();
    checkOptions('GroupNorm', opts, GROUP_NORM_OPTIONS);
    positive('GroupNorm', 'numGroups', numGroups);
    positive('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) fail('GroupNorm', `numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = epsOf('GroupNorm', opts.eps);
    this.affine = flag('GroupNorm', 'affine', opts.affine, true);
    this.weight = this.affine ? parameter(ones([numChannels])) : null;
    this.bias = this.affine ? parameter(zeros([numChannels])) : null;
  }

  forward(x: Tensor): Tensor {
    if (!isTensor(x)) fail('GroupNorm', `expected a Tensor input, got ${typeof x}`);
    x.assertLive('GroupNorm');
    if (x.ndim < 2 || x.shape[1] !== this.numChannels)
      fail('GroupNorm', `expected an input [N, ${this.numChannels}, *], got shape ${shapeStr(x.shape)}`, `pass an input with ${this.numChannels} channels in dimension 1`);
    return A.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
