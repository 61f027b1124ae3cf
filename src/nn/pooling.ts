// Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and AdaptiveMaxPool2d, with torch.nn's
// constructor arguments (positional, then one camelCase options object). They hold no parameters.
import { fail, optionKeys, shapeStr } from '../device/index.ts';
import type { Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { flag, pair, parseArgs, type Pair } from '../autograd/ops/conv-args.ts';
import { Module } from './module.ts';

export interface MaxPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  /** Only 1. */
  dilation?: Pair;
  /** Only false. */
  returnIndices?: boolean;
  ceilMode?: boolean;
}
const MAX_KEYS = optionKeys<MaxPool2dOptions>({ stride: true, padding: true, dilation: true, returnIndices: true, ceilMode: true });

export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** Only null. */
  divisorOverride?: number | null;
}
const AVG_KEYS = optionKeys<AvgPool2dOptions>({ stride: true, padding: true, ceilMode: true, countIncludePad: true, divisorOverride: true });

function checkInput(layer: string, x: Tensor): void {
  x.assertLive(layer);
  if (x.ndim !== 3 && x.ndim !== 4) fail(layer, `expected input [N, C, H, W] or [C, H, W], got ${shapeStr(x.shape)}`, 'reshape the input to [N, C, H, W]');
}

/** The settings both window poolings share; the functional op re-checks them against the input. */
function settings(layer: string, kernelSize: Pair, a: Record<string, unknown>) {
  const kernel = pair(layer, 'kernelSize', kernelSize, [1, 1], 1);
  const padding = pair(layer, 'padding', a.padding, [0, 0], 0);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1])
    fail(layer, `padding ${shapeStr(padding)} is more than half of kernelSize ${shapeStr(kernel)}`, 'padding may be at most kernelSize / 2');
  return { kernel, stride: pair(layer, 'stride', a.stride ?? kernel, kernel, 1), padding, ceilMode: flag(layer, 'ceilMode', a.ceilMode, false) };
}

function checkFits(layer: string, x: Tensor, k: readonly number[], p: readonly number[]): void {
  const [H, W] = x.shape.slice(-2) as [number, number];
  if (k[0]! > H + 2 * p[0]! || k[1]! > W + 2 * p[1]!)
    fail(layer, `kernelSize ${shapeStr(k)} is larger than the padded input ${H + 2 * p[0]!}x${W + 2 * p[1]!} of input ${shapeStr(x.shape)}`, 'use a smaller kernel or more padding');
}

/** torch.nn.MaxPool2d(kernelSize, stride = kernelSize, padding = 0, dilation = 1, returnIndices = false, ceilMode = false). */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: Pair, opts?: MaxPool2dOptions);
  constructor(kernelSize: Pair, stride?: Pair | null, padding?: Pair, dilation?: Pair, returnIndices?: false, ceilMode?: boolean);
  constructor(kernelSize: Pair, ...args: unknown[]) {
    super();
    const L = 'MaxPool2d';
    const a = parseArgs(L, ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'], args, MAX_KEYS);
    const d = pair(L, 'dilation', a.dilation, [1, 1], 1);
    if (d[0] !== 1 || d[1] !== 1) fail(L, `dilation ${shapeStr(d)} is not supported`, 'use dilation 1');
    if (flag(L, 'returnIndices', a.returnIndices, false)) fail(L, 'returnIndices is not supported', 'use returnIndices: false');
    const s = settings(L, kernelSize, a);
    this.kernelSize = s.kernel;
    this.stride = s.stride;
    this.padding = s.padding;
    this.ceilMode = s.ceilMode;
  }

  forward(x: Tensor): Tensor {
    checkInput('MaxPool2d', x);
    checkFits('MaxPool2d', x, this.kernelSize, this.padding);
    return A.maxPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernelSize=${shapeStr(this.kernelSize)}, stride=${shapeStr(this.stride)}, padding=${shapeStr(this.padding)}, ceilMode=${this.ceilMode}`;
  }
}

/** torch.nn.AvgPool2d(kernelSize, stride = kernelSize, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null). */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, opts?: AvgPool2dOptions);
  constructor(kernelSize: Pair, stride?: Pair | null, padding?: Pair, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: null);
  constructor(kernelSize: Pair, ...args: unknown[]) {
    super();
    const L = 'AvgPool2d';
    const a = parseArgs(L, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], args, AVG_KEYS);
    if (a.divisorOverride !== undefined && a.divisorOverride !== null) fail(L, `divisorOverride ${JSON.stringify(a.divisorOverride)} is not supported`, 'divide the output instead');
    const s = settings(L, kernelSize, a);
    this.kernelSize = s.kernel;
    this.stride = s.stride;
    this.padding = s.padding;
    this.ceilMode = s.ceilMode;
    this.countIncludePad = flag(L, 'countIncludePad', a.countIncludePad, true);
  }

  forward(x: Tensor): Tensor {
    checkInput('AvgPool2d', x);
    checkFits('AvgPool2d', x, this.kernelSize, this.padding);
    return A.avgPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  override extraRepr(): string {
    return `kernelSize=${shapeStr(this.kernelSize)}, stride=${shapeStr(this.stride)}, padding=${shapeStr(this.padding)}`;
  }
}

function checkSize(layer: string, v: A.AdaptiveSize): A.AdaptiveSize {
  const raw = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(raw) || raw.length !== 2 || !raw.every((s) => s === null || (Number.isInteger(s) && s >= 1)))
    fail(layer, `outputSize must be a positive integer or a pair [h, w] of them (null keeps that size), got ${JSON.stringify(v)}`, 'pass e.g. 1 or [2, 3]');
  return v;
}

/** torch.nn.AdaptiveAvgPool2d(outputSize): windows [floor(i*in/out), ceil((i+1)*in/out)). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: A.AdaptiveSize) {
    super();
    checkSize('AdaptiveAvgPool2d', outputSize);
  }
  forward(x: Tensor): Tensor {
    checkInput('AdaptiveAvgPool2d', x);
    return A.adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}

/** torch.nn.AdaptiveMaxPool2d(outputSize, returnIndices = false). */
export class AdaptiveMaxPool2d extends Module {
  constructor(
    readonly outputSize: A.AdaptiveSize,
    returnIndices = false,
  ) {
    super();
    checkSize('AdaptiveMaxPool2d', outputSize);
    if (returnIndices !== false) fail('AdaptiveMaxPool2d', 'returnIndices is not supported', 'use returnIndices: false');
  }
  forward(x: Tensor): Tensor {
    checkInput('AdaptiveMaxPool2d', x);
    return A.adaptiveMaxPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}
