// Convolution layers: Conv1d, Conv2d and ConvTranspose2d, with torch.nn's constructor arguments
// (positional, then one camelCase options object), parameter names and layouts, and default
// initialisation: kaiming_uniform_(a = √5) for the weight, which is U(±1/√fanIn), and U(±1/√fanIn) for
// the bias, fanIn computed from the weight's dimension 1 as torch does. Forward checks the input's rank,
// channels and size against the layer before any GPU work and names the layer in the error.
import { fail, optionKeys, shapeStr } from '../device/index.ts';
import { uniform, type Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { pair, parseArgs, single, type Pair } from '../autograd/ops/conv-args.ts';
import { Module, parameter } from './module.ts';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv2dLayerOptions {
  stride?: Pair;
  padding?: A.ConvPadding;
  dilation?: Pair;
  groups?: number;
  /** Adds a learned bias (default true). */
  bias?: boolean;
  /** Only 'zeros'. */
  paddingMode?: PaddingMode;
}
const CONV_KEYS = optionKeys<Conv2dLayerOptions>({ stride: true, padding: true, dilation: true, groups: true, bias: true, paddingMode: true });
const CONV_ARGS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode'];

export interface Conv1dLayerOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number] | 'same' | 'valid';
  dilation?: number | readonly [number];
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

export interface ConvTranspose2dLayerOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  bias?: boolean;
  dilation?: Pair;
  paddingMode?: PaddingMode;
}
const CONVT_KEYS = optionKeys<ConvTranspose2dLayerOptions>({ stride: true, padding: true, outputPadding: true, groups: true, bias: true, dilation: true, paddingMode: true });
const CONVT_ARGS = ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode'];

function positive(layer: string, what: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) fail(layer, `${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function common(layer: string, inChannels: number, outChannels: number, a: Record<string, unknown>): { groups: number; bias: boolean } {
  positive(layer, 'inChannels', inChannels);
  positive(layer, 'outChannels', outChannels);
  const groups = a.groups === undefined ? 1 : positive(layer, 'groups', a.groups);
  if (inChannels % groups !== 0 || outChannels % groups !== 0)
    fail(layer, `groups=${groups} must divide both inChannels=${inChannels} and outChannels=${outChannels}`, 'choose groups dividing both channel counts');
  if (a.bias !== undefined && typeof a.bias !== 'boolean') fail(layer, `bias must be true or false, got ${JSON.stringify(a.bias)}`);
  const mode = a.paddingMode ?? 'zeros';
  if (mode !== 'zeros')
    fail(layer, `paddingMode '${String(mode)}' is not supported`, "use paddingMode 'zeros', or pad the input first with nn.functional.pad(x, widths, 'reflect' | 'replicate' | 'circular')");
  return { groups, bias: a.bias !== false };
}

/** Weight U(±1/√fanIn) (kaiming_uniform_ with a = √5) and bias U(±1/√fanIn), fanIn = shape[1] * kernel area. */
function init(shape: number[], biasSize: number | null): { weight: Tensor; bias: Tensor | null } {
  const fanIn = shape.slice(1).reduce((p, q) => p * q, 1);
  const bound = 1 / Math.sqrt(fanIn);
  return { weight: parameter(uniform(shape, -bound, bound)), bias: biasSize === null ? null : parameter(uniform([biasSize], -bound, bound)) };
}

/** Checks rank and channels of a conv layer's input; `spatial` is 1 or 2. */
function checkInput(layer: string, x: Tensor, channels: number, spatial: number): void {
  x.assertLive(layer);
  const names = spatial === 2 ? 'H, W' : 'L';
  const ok = (x.ndim === spatial + 2 || x.ndim === spatial + 1) && x.shape[x.ndim - spatial - 1] === channels;
  if (!ok)
    fail(layer, `expected input [N, ${channels}, ${names}] or [${channels}, ${names}], got ${shapeStr(x.shape)}`, x.ndim === spatial + 2 || x.ndim === spatial + 1 ? `give the input ${channels} channels` : `reshape the input to [N, ${channels}, ${names}]`);
}

/** The kernel (dilated) must fit inside the padded input. */
function checkFits(layer: string, x: Tensor, k: readonly number[], dil: readonly number[], pad: readonly number[]): void {
  const sizes = x.shape.slice(-k.length);
  const span = k.map((kk, i) => dil[i]! * (kk - 1) + 1);
  if (span.some((s, i) => s > sizes[i]! + 2 * pad[i]!))
    fail(layer, `the kernel spans ${span.join('x')}, larger than the padded input ${sizes.map((s, i) => s + 2 * pad[i]!).join('x')} of input ${shapeStr(x.shape)}`, 'use a larger input, more padding or a smaller kernel');
}

/** torch.nn.Conv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode). */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts?: Conv2dLayerOptions);
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, stride?: Pair, padding?: A.ConvPadding, dilation?: Pair, groups?: number, bias?: boolean, paddingMode?: PaddingMode);
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    ...args: unknown[]
  ) {
    super();
    const L = 'Conv2d';
    const a = parseArgs(L, CONV_ARGS, args, CONV_KEYS);
    const { groups, bias } = common(L, inChannels, outChannels, a);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, [1, 1], 1);
    this.stride = pair(L, 'stride', a.stride, [1, 1], 1);
    this.dilation = pair(L, 'dilation', a.dilation, [1, 1], 1);
    this.padding = a.padding === 'same' || a.padding === 'valid' ? a.padding : pair(L, 'padding', a.padding, [0, 0], 0);
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) fail(L, `padding 'same' needs stride 1, got stride ${shapeStr(this.stride)}`);
    this.groups = groups;
    const p = init([outChannels, inChannels / groups, ...this.kernelSize], bias ? outChannels : null);
    this.weight = p.weight;
    this.bias = p.bias;
  }

  forward(x: Tensor): Tensor {
    checkInput('Conv2d', x, this.inChannels, 2);
    const pad = this.padding === 'same' ? this.dilation.map((d, i) => (d * (this.kernelSize[i]! - 1)) / 2) : this.padding === 'valid' ? [0, 0] : this.padding;
    checkFits('Conv2d', x, this.kernelSize, this.dilation, pad);
    return A.conv2d(x, this.weight, { bias: this.bias, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${shapeStr(this.kernelSize)}, stride=${shapeStr(this.stride)}, padding=${typeof this.padding === 'string' ? this.padding : shapeStr(this.padding)}${this.groups > 1 ? `, groups=${this.groups}` : ''}${this.bias ? '' : ', bias=false'}`;
  }
}

/** torch.nn.Conv1d: weight [out, in/groups, K]; input [N, C, L] or [C, L]. */
export class Conv1d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], opts?: Conv1dLayerOptions);
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number],
    stride?: Conv1dLayerOptions['stride'],
    padding?: Conv1dLayerOptions['padding'],
    dilation?: Conv1dLayerOptions['dilation'],
    groups?: number,
    bias?: boolean,
    paddingMode?: PaddingMode,
  );
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly [number],
    ...args: unknown[]
  ) {
    super();
    const L = 'Conv1d';
    const a = parseArgs(L, CONV_ARGS, args, CONV_KEYS);
    const { groups, bias } = common(L, inChannels, outChannels, a);
    this.kernelSize = single(L, 'kernelSize', kernelSize, 1, 1);
    this.stride = single(L, 'stride', a.stride, 1, 1);
    this.dilation = single(L, 'dilation', a.dilation, 1, 1);
    this.padding = a.padding === 'same' || a.padding === 'valid' ? a.padding : single(L, 'padding', a.padding, 0, 0);
    if (this.padding === 'same' && this.stride !== 1) fail(L, `padding 'same' needs stride 1, got stride ${this.stride}`);
    this.groups = groups;
    const p = init([outChannels, inChannels / groups, this.kernelSize], bias ? outChannels : null);
    this.weight = p.weight;
    this.bias = p.bias;
  }

  forward(x: Tensor): Tensor {
    checkInput('Conv1d', x, this.inChannels, 1);
    const pad = this.padding === 'same' ? (this.dilation * (this.kernelSize - 1)) / 2 : this.padding === 'valid' ? 0 : this.padding;
    checkFits('Conv1d', x, [this.kernelSize], [this.dilation], [pad]);
    return A.conv1d(x, this.weight, { bias: this.bias, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}${this.groups > 1 ? `, groups=${this.groups}` : ''}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * torch.nn.ConvTranspose2d(inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups,
 * bias, dilation, paddingMode): weight [in, out/groups, KH, KW], as torch lays it out.
 */
export class ConvTranspose2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts?: ConvTranspose2dLayerOptions);
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Pair,
    stride?: Pair,
    padding?: Pair,
    outputPadding?: Pair,
    groups?: number,
    bias?: boolean,
    dilation?: Pair,
    paddingMode?: PaddingMode,
  );
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    ...args: unknown[]
  ) {
    super();
    const L = 'ConvTranspose2d';
    const a = parseArgs(L, CONVT_ARGS, args, CONVT_KEYS);
    const { groups, bias } = common(L, inChannels, outChannels, a);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, [1, 1], 1);
    this.stride = pair(L, 'stride', a.stride, [1, 1], 1);
    this.padding = pair(L, 'padding', a.padding, [0, 0], 0);
    this.outputPadding = pair(L, 'outputPadding', a.outputPadding, [0, 0], 0);
    this.dilation = pair(L, 'dilation', a.dilation, [1, 1], 1);
    if (this.outputPadding[0] >= this.stride[0] || this.outputPadding[1] >= this.stride[1])
      fail(L, `outputPadding ${shapeStr(this.outputPadding)} must be smaller than stride ${shapeStr(this.stride)}`);
    this.groups = groups;
    // torch computes fan_in from weight.size(1) = out/groups here.
    const p = init([inChannels, outChannels / groups, ...this.kernelSize], bias ? outChannels : null);
    this.weight = p.weight;
    this.bias = p.bias;
  }

  forward(x: Tensor): Tensor {
    checkInput('ConvTranspose2d', x, this.inChannels, 2);
    return A.convTranspose2d(x, this.weight, {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${shapeStr(this.kernelSize)}, stride=${shapeStr(this.stride)}, padding=${shapeStr(this.padding)}${this.groups > 1 ? `, groups=${this.groups}` : ''}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * torch.nn.functional.pad(x, pad, mode = 'constant', value = 0): widths from the last axis, [left,
 * right, top, bottom, …]; mode and value positional or as options.
 */
export function pad(x: Tensor, widths: readonly number[], mode?: A.PadMode | A.PadOptions, value?: number): Tensor {
  if (typeof mode === 'object' && mode !== null) {
    if (value !== undefined) fail('pad', 'value is given after an options object', "pass pad(x, widths, 'constant', value) or pad(x, widths, {value})");
    return A.pad(x, widths, mode);
  }
  return A.pad(x, widths, { mode, value });
}
