// 2-D convolution and pooling over NCHW. The gradients are ops of their own whose backward rules are
// the other members of the family (conv2d, its input gradient and its weight gradient are mutual
// adjoints; likewise max pooling's backward and its "pick"; avg pooling and its backward), so second
// derivatives work through every one of them. conv1d is conv2d over [N, C, 1, L] views, and
// convTranspose2d is conv2d's input gradient run forward (its backward is conv2d and the weight gradient).
// Adaptive pooling is the pooling kernels with PyTorch's variable windows.
import { fail, optionKeys, shapeStr } from '../../device/index.ts';
import {
  avgPool2d as avgPoolKernel,
  avgPool2dBackward as avgPoolBackwardKernel,
  conv2d as convKernel,
  conv2dInputGrad as convInputKernel,
  conv2dWeightGrad as convWeightKernel,
  convOutSize,
  maxPool2d as maxPoolKernel,
  maxPool2dBackward as maxPoolBackwardKernel,
  maxPool2dPick as maxPoolPickKernel,
  type ConvGeometry,
  type PoolGeometry,
} from '../../kernels/index.ts';
import { empty, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { flag, optionalTensor, pair, parseArgs, single, type Pair } from './conv-args.ts';
import { add } from './elementwise.ts';
import { pad } from './indexing.ts';
import { sum } from './reduce.ts';
import { reshape } from './views.ts';

export type { Pair } from './conv-args.ts';
/** 'same' keeps the input size (stride 1; an odd total goes to the bottom/right, as PyTorch); 'valid' is 0. */
export type ConvPadding = Pair | 'same' | 'valid';

export interface Conv2dOptions {
  bias?: Tensor | null;
  stride?: Pair;
  padding?: ConvPadding;
  dilation?: Pair;
  groups?: number;
}
const CONV_KEYS = optionKeys<Conv2dOptions>({ bias: true, stride: true, padding: true, dilation: true, groups: true });
const CONV_ARGS = ['bias', 'stride', 'padding', 'dilation', 'groups'];

export interface Conv1dOptions {
  bias?: Tensor | null;
  stride?: number | readonly [number];
  padding?: number | readonly [number] | 'same' | 'valid';
  dilation?: number | readonly [number];
  groups?: number;
}

export interface ConvTranspose2dOptions {
  bias?: Tensor | null;
  stride?: Pair;
  padding?: Pair;
  /** Extra rows/columns at the bottom/right of the output (each < stride), to pick among the sizes that stride maps to one. */
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}
const CONVT_KEYS = optionKeys<ConvTranspose2dOptions>({ bias: true, stride: true, padding: true, outputPadding: true, groups: true, dilation: true });
const CONVT_ARGS = ['bias', 'stride', 'padding', 'outputPadding', 'groups', 'dilation'];

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair | null;
  padding?: Pair;
  /** Max pooling only, and only 1. */
  dilation?: Pair;
  /** Output sizes round up: a last, partial window is kept when it starts inside the (left-padded) input. */
  ceilMode?: boolean;
  /** avgPool2d: whether padded zeros count in the divisor (default true, as PyTorch); ignored by max pooling. */
  countIncludePad?: boolean;
  /** maxPool2d: only false (the indices are not returned). */
  returnIndices?: boolean;
  /** avgPool2d: only null/undefined. */
  divisorOverride?: number | null;
}
const POOL_KEYS = optionKeys<Pool2dOptions>({ kernelSize: true, stride: true, padding: true, dilation: true, ceilMode: true, countIncludePad: true, returnIndices: true, divisorOverride: true });
const MAX_ARGS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'];
const AVG_ARGS = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];

/** An output size: a number, or [h, w] where null keeps that input size. */
export type AdaptiveSize = number | readonly [number | null, number | null];

type Geo = ConvGeometry;
/** `output`: the pooled size of adaptive pooling; `ceilMode` rounds strided output sizes up. */
type PoolGeo = PoolGeometry & { ceilMode?: boolean; output?: readonly [number, number] };

export interface ConvAttrs {
  /** Inputs [x, w] or [x, w, bias]. */
  conv2d: Geo;
  /** Inputs [dy, w]: conv2d's gradient with respect to x (a transposed convolution). */
  conv2dInputGrad: Geo & { inputShape: number[] };
  /** Inputs [x, dy]: conv2d's gradient with respect to w. */
  conv2dWeightGrad: Geo & { weightShape: number[] };
  maxPool2d: PoolGeo;
  /** Inputs [dy, x]: dy routed to each window's argmax in x. */
  maxPool2dBackward: PoolGeo;
  /** Inputs [h, x]: h read at each window's argmax in x (the adjoint of maxPool2dBackward). */
  maxPool2dPick: PoolGeo;
  avgPool2d: PoolGeo;
  /** Inputs [dy]. */
  avgPool2dBackward: PoolGeo & { inputShape: number[] };
}

const geoOf = (a: Geo): Geo => ({ stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups });
const poolOf = (a: PoolGeo): PoolGeo => ({ kernel: a.kernel, stride: a.stride, padding: a.padding, countIncludePad: a.countIncludePad, ceilMode: a.ceilMode, adaptive: a.adaptive, output: a.output });

function convShape(x: readonly number[], w: readonly number[], g: Geo): number[] {
  return [x[0]!, w[0]!, convOutSize(x[2]!, w[2]!, g.stride[0], g.padding[0], g.dilation[0]), convOutSize(x[3]!, w[3]!, g.stride[1], g.padding[1], g.dilation[1])];
}

/** PyTorch's pooling output size; with ceilMode a last window must start inside the input or the left padding. */
function poolOutSize(size: number, k: number, s: number, p: number, ceil: boolean): number {
  if (!ceil) return convOutSize(size, k, s, p, 1);
  let o = Math.ceil((size + 2 * p - k) / s) + 1;
  if ((o - 1) * s >= size + p) o--;
  return o;
}

function poolShape(x: readonly number[], g: PoolGeo): number[] {
  if (g.output) return [x[0]!, x[1]!, g.output[0], g.output[1]];
  const c = g.ceilMode === true;
  return [x[0]!, x[1]!, poolOutSize(x[2]!, g.kernel[0], g.stride[0], g.padding[0], c), poolOutSize(x[3]!, g.kernel[1], g.stride[1], g.padding[1], c)];
}

const apply: FamilyApply<ConvAttrs> = rules<ConvAttrs>({
  conv2d: {
    forward: ([x, w, b], g) => {
      const y = empty(convShape(x!.shape, w!.shape, g), 'float32', 'conv2d');
      convKernel(y.dev, x!, w!, b ?? null, y, g);
      return y;
    },
    backward: (dy, c) => {
      const [x, w] = c.inputs as [Tensor, Tensor];
      const g = geoOf(c.attrs);
      return [
        c.needs[0] ? apply('conv2dInputGrad', [dy, w], { ...g, inputShape: [...x.shape] }) : null,
        c.needs[1] ? apply('conv2dWeightGrad', [x, dy], { ...g, weightShape: [...w.shape] }) : null,
        c.needs[2] ? sum(dy, [0, 2, 3]) : null,
      ];
    },
    saves: { output: false },
  },
  conv2dInputGrad: {
    forward: ([dy, w], a) => {
      const dx = empty(a.inputShape, 'float32', 'conv2d');
      convInputKernel(dx.dev, dy!, w!, dx, a);
      return dx;
    },
    backward: (gg, c) => {
      const [dy, w] = c.inputs as [Tensor, Tensor];
      const g = geoOf(c.attrs);
      return [
        c.needs[0] ? apply('conv2d', [gg, w], g) : null,
        c.needs[1] ? apply('conv2dWeightGrad', [gg, dy], { ...g, weightShape: [...w.shape] }) : null,
      ];
    },
    saves: { output: false },
  },
  conv2dWeightGrad: {
    forward: ([x, dy], a) => {
      const dw = empty(a.weightShape, 'float32', 'conv2d');
      convWeightKernel(dw.dev, x!, dy!, dw, a);
      return dw;
    },
    backward: (gw, c) => {
      const [x, dy] = c.inputs as [Tensor, Tensor];
      const g = geoOf(c.attrs);
      return [
        c.needs[0] ? apply('conv2dInputGrad', [dy, gw], { ...g, inputShape: [...x.shape] }) : null,
        c.needs[1] ? apply('conv2d', [x, gw], g) : null,
      ];
    },
    saves: { output: false },
  },
  maxPool2d: {
    forward: ([x], g) => {
      const y = empty(poolShape(x!.shape, g), 'float32', 'maxPool2d');
      maxPoolKernel(y.dev, x!, y, g);
      return y;
    },
    backward: (dy, c) => [apply('maxPool2dBackward', [dy, c.inputs[0]!], poolOf(c.attrs))],
    saves: { output: false },
  },
  maxPool2dBackward: {
    forward: ([dy, x], g) => {
      const dx = empty(x!.shape, 'float32', 'maxPool2d');
      maxPoolBackwardKernel(dx.dev, dy!, x!, dx, g);
      return dx;
    },
    backward: (gg, c) => [c.needs[0] ? apply('maxPool2dPick', [gg, c.inputs[1]!], poolOf(c.attrs)) : null, null],
    saves: { output: false },
  },
  maxPool2dPick: {
    forward: ([h, x], g) => {
      const y = empty(poolShape(x!.shape, g), 'float32', 'maxPool2d');
      maxPoolPickKernel(y.dev, h!, x!, y, g);
      return y;
    },
    backward: (gy, c) => [c.needs[0] ? apply('maxPool2dBackward', [gy, c.inputs[1]!], poolOf(c.attrs)) : null, null],
    saves: { output: false },
  },
  avgPool2d: {
    forward: ([x], g) => {
      const y = empty(poolShape(x!.shape, g), 'float32', 'avgPool2d');
      avgPoolKernel(y.dev, x!, y, g);
      return y;
    },
    backward: (dy, c) => [apply('avgPool2dBackward', [dy], { ...poolOf(c.attrs), inputShape: [...c.shapes[0]!] })],
    saves: { inputs: false, output: false },
  },
  avgPool2dBackward: {
    forward: ([dy], a) => {
      const dx = empty(a.inputShape, 'float32', 'avgPool2d');
      avgPoolBackwardKernel(dx.dev, dy!, dx, a);
      return dx;
    },
    backward: (gg, c) => [apply('avgPool2d', [gg], poolOf(c.attrs))],
    saves: { inputs: false, output: false },
  },
});

/** A 3-D [C, H, W] input is one unbatched image, as in PyTorch. */
function batched(op: string, x: Tensor, rank = 4): { x4: Tensor; made: boolean } {
  x.assertLive(op);
  if (x.dtype !== 'float32') fail(op, `the input must be float32, got ${x.dtype}`, 'convert it with .float()');
  if (x.ndim === rank) return { x4: x, made: false };
  if (x.ndim === rank - 1) return { x4: reshape(x, [1, ...x.shape]), made: true };
  const dims = rank === 4 ? '4-D [N, C, H, W] (or 3-D [C, H, W])' : '3-D [N, C, L] (or 2-D [C, L])';
  return fail(op, `the input must be ${dims}, got shape ${shapeStr(x.shape)}`, `reshape it to ${rank === 4 ? '[N, C, H, W]' : '[N, C, L]'}`);
}

function unbatched(y: Tensor, made: boolean): Tensor {
  if (!made) return y;
  const r = reshape(y, y.shape.slice(1));
  y.dispose();
  return r;
}

/** Checks the parameters: float32 and live, weight 4-D; `w4` is the weight as the kernel sees it. */
function checkWeights(op: string, w: Tensor, bias: Tensor | null, rank: number): void {
  w.assertLive(op);
  bias?.assertLive(op);
  if (w.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) fail(op, 'weight and bias must be float32', 'convert them with .float()');
  if (w.ndim !== rank)
    fail(op, `the weight must be ${rank}-D ${rank === 4 ? '[O, C/groups, KH, KW]' : '[O, C/groups, K]'}, got shape ${shapeStr(w.shape)}`);
}

function groupsOf(op: string, v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (!Number.isInteger(v) || (v as number) < 1) fail(op, `groups must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/**
 * The shared body of conv2d and conv1d on 4-D x and w. `pads` are [top, bottom, left, right]; an
 * asymmetric part is padded explicitly first. `shapes` describes the caller's own shapes for errors.
 */
function conv4(op: string, x4: Tensor, w4: Tensor, bias: Tensor | null, stride: [number, number], pads: number[], dilation: [number, number], groups: number, shapes: string): Tensor {
  const [, C, H, W] = x4.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = w4.shape as [number, number, number, number];
  if (C % groups !== 0 || O % groups !== 0)
    fail(op, `${shapes}: groups=${groups} must divide both the ${C} input channels and the ${O} output channels`, 'choose groups dividing both');
  if (Cg * groups !== C)
    fail(op, `${shapes}: the input has ${C} channels but the weight expects ${Cg} per group x ${groups} group${groups > 1 ? 's' : ''} = ${Cg * groups}`, `give the weight ${C / groups} input channels per group`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) fail(op, `bias ${shapeStr(bias.shape)} does not match the ${O} output channels of weight ${shapeStr(w4.shape)}`, `pass a bias of shape [${O}]`);
  const [pt, pb, pl, pr] = pads as [number, number, number, number];
  const ek = [dilation[0] * (KH - 1) + 1, dilation[1] * (KW - 1) + 1];
  if (ek[0]! > H + pt + pb || ek[1]! > W + pl + pr)
    fail(op, `${shapes}: the kernel spans ${ek[0]}x${ek[1]} (with dilation ${shapeStr(dilation)}), larger than the padded input ${H + pt + pb}x${W + pl + pr}`, 'use a smaller kernel or dilation, or more padding');
  const sym: [number, number] = [Math.min(pt, pb), Math.min(pl, pr)];
  const extra = [pl - sym[1], pr - sym[1], pt - sym[0], pb - sym[0]];
  const xp = extra.some((e) => e > 0) ? pad(x4, extra) : x4;
  try {
    return apply('conv2d', bias ? [xp, w4, bias] : [xp, w4], { stride, padding: sym, dilation, groups });
  } finally {
    if (xp !== x4) xp.dispose();
  }
}

/** Padding as [before, after] per axis; 'same' needs stride 1. */
function convPads(op: string, p: unknown, k: readonly number[], dilation: readonly number[], stride: readonly number[], axes: number): number[] {
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    if (stride.some((s) => s !== 1)) fail(op, `padding 'same' needs stride 1, got stride ${shapeStr(stride)}`, "use padding 'same' with stride 1, or give the padding as numbers");
    return [0, 1].flatMap((a) => {
      const total = dilation[a]! * (k[a]! - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof p === 'string') fail(op, `unknown padding '${p}'`, "use a number, a pair, 'same' or 'valid'");
  if (axes === 1) {
    const w = single(op, 'padding', p, 0, 0);
    return [0, 0, w, w];
  }
  const [ph, pw] = pair(op, 'padding', p, [0, 0], 0);
  return [ph, ph, pw, pw];
}

/**
 * torch.nn.functional.conv2d: x [N, C, H, W] (or [C, H, W]), w [O, C/groups, KH, KW], optional bias [O].
 * stride, padding and dilation are numbers or [h, w] pairs; padding may also be 'same' or 'valid'.
 * Takes PyTorch's positional form conv2d(x, w, bias, stride, padding, dilation, groups), an options
 * object, or some positional arguments followed by an options object.
 */
export function conv2d(x: Tensor, w: Tensor, opts?: Conv2dOptions): Tensor;
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null | undefined, opts: Omit<Conv2dOptions, 'bias'>): Tensor;
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null | undefined, stride?: Pair, padding?: ConvPadding, dilation?: Pair, groups?: number, opts?: Conv2dOptions): Tensor;
export function conv2d(x: Tensor, w: Tensor, ...args: unknown[]): Tensor {
  const op = 'conv2d';
  const a = parseArgs(op, CONV_ARGS, args, CONV_KEYS);
  const { x4, made } = batched(op, x);
  try {
    const bias = optionalTensor(op, 'bias', a.bias);
    checkWeights(op, w, bias, 4);
    const stride = pair(op, 'stride', a.stride, [1, 1], 1);
    const dilation = pair(op, 'dilation', a.dilation, [1, 1], 1);
    const pads = convPads(op, a.padding, w.shape.slice(2), dilation, stride, 2);
    const y = conv4(op, x4, w, bias, stride, pads, dilation, groupsOf(op, a.groups), `input ${shapeStr(x.shape)} and weight ${shapeStr(w.shape)}`);
    return unbatched(y, made);
  } finally {
    if (made) x4.dispose();
  }
}

/** torch.nn.functional.conv1d: x [N, C, L] (or [C, L]), w [O, C/groups, K]; conv2d over [N, C, 1, L] views. */
export function conv1d(x: Tensor, w: Tensor, opts?: Conv1dOptions): Tensor;
export function conv1d(x: Tensor, w: Tensor, bias: Tensor | null | undefined, opts: Omit<Conv1dOptions, 'bias'>): Tensor;
export function conv1d(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null | undefined,
  stride?: Conv1dOptions['stride'],
  padding?: Conv1dOptions['padding'],
  dilation?: Conv1dOptions['dilation'],
  groups?: number,
  opts?: Conv1dOptions,
): Tensor;
export function conv1d(x: Tensor, w: Tensor, ...args: unknown[]): Tensor {
  const op = 'conv1d';
  const a = parseArgs(op, CONV_ARGS, args, CONV_KEYS);
  const { x4: x3, made } = batched(op, x, 3);
  const bias = optionalTensor(op, 'bias', a.bias);
  try {
    checkWeights(op, w, bias, 3);
    const stride: [number, number] = [1, single(op, 'stride', a.stride, 1, 1)];
    const dilation: [number, number] = [1, single(op, 'dilation', a.dilation, 1, 1)];
    const pads = convPads(op, a.padding, [1, w.shape[2]!], dilation, stride, 1);
    const [N, C, L] = x3.shape as [number, number, number];
    const [O, Cg, K] = w.shape as [number, number, number];
    const xv = reshape(x3, [N, C, 1, L]);
    const wv = reshape(w, [O, Cg, 1, K]);
    const y4 = conv4(op, xv, wv, bias, stride, pads, dilation, groupsOf(op, a.groups), `input ${shapeStr(x.shape)} and weight ${shapeStr(w.shape)}`);
    xv.dispose();
    wv.dispose();
    const y = reshape(y4, [N, O, y4.shape[3]!]);
    y4.dispose();
    return unbatched(y, made);
  } finally {
    if (made) x3.dispose();
  }
}

/**
 * torch.nn.functional.conv_transpose2d: x [N, Cin, H, W] (or 3-D), w [Cin, Cout/groups, KH, KW], bias [Cout].
 * The output is (H - 1) * stride - 2 * padding + dilation * (KH - 1) + outputPadding + 1 high (likewise wide).
 * Positional form: convTranspose2d(x, w, bias, stride, padding, outputPadding, groups, dilation).
 */
export function convTranspose2d(x: Tensor, w: Tensor, opts?: ConvTranspose2dOptions): Tensor;
export function convTranspose2d(x: Tensor, w: Tensor, bias: Tensor | null | undefined, opts: Omit<ConvTranspose2dOptions, 'bias'>): Tensor;
export function convTranspose2d(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null | undefined,
  stride?: Pair,
  padding?: Pair,
  outputPadding?: Pair,
  groups?: number,
  dilation?: Pair,
  opts?: ConvTranspose2dOptions,
): Tensor;
export function convTranspose2d(x: Tensor, w: Tensor, ...args: unknown[]): Tensor {
  const op = 'convTranspose2d';
  const a = parseArgs(op, CONVT_ARGS, args, CONVT_KEYS);
  const { x4, made } = batched(op, x);
  try {
    const bias = optionalTensor(op, 'bias', a.bias);
    checkWeights(op, w, bias, 4);
    const stride = pair(op, 'stride', a.stride, [1, 1], 1);
    const padding = pair(op, 'padding', a.padding, [0, 0], 0);
    const outPad = pair(op, 'outputPadding', a.outputPadding, [0, 0], 0);
    const dilation = pair(op, 'dilation', a.dilation, [1, 1], 1);
    const groups = groupsOf(op, a.groups);
    const [N, Cin, H, W] = x4.shape as [number, number, number, number];
    const [Wi, Cog, KH, KW] = w.shape as [number, number, number, number];
    const shapes = `input ${shapeStr(x.shape)} and weight ${shapeStr(w.shape)}`;
    if (Wi !== Cin) fail(op, `${shapes}: the input has ${Cin} channels but the weight (laid out [in, out/groups, KH, KW]) is for ${Wi}`, `give the weight shape [${Cin}, out/groups, ${KH}, ${KW}]`);
    if (Cin % groups !== 0) fail(op, `${shapes}: groups=${groups} must divide the ${Cin} input channels`, 'choose groups dividing the channel count');
    const Cout = Cog * groups;
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== Cout)) fail(op, `bias ${shapeStr(bias.shape)} does not match the ${Cout} output channels`, `pass a bias of shape [${Cout}]`);
    if (outPad[0] >= stride[0] || outPad[1] >= stride[1])
      fail(op, `outputPadding ${shapeStr(outPad)} must be smaller than stride ${shapeStr(stride)}`, 'use an outputPadding below the stride');
    const size = [0, 1].map((i) => ([H, W][i]! - 1) * stride[i]! - 2 * padding[i]! + dilation[i]! * ([KH, KW][i]! - 1) + outPad[i]! + 1);
    if (size.some((s) => s < 1))
      fail(op, `${shapes}: the output would be ${size.join('x')} with padding ${shapeStr(padding)}`, 'use less padding or a larger input');
    const y = apply('conv2dInputGrad', [x4, w], { stride, padding, dilation, groups, inputShape: [N, Cout, size[0]!, size[1]!] });
    if (!bias) return unbatched(y, made);
    const b4 = reshape(bias, [1, Cout, 1, 1]);
    const yb = add(y, b4);
    y.dispose();
    b4.dispose();
    return unbatched(yb, made);
  } finally {
    if (made) x4.dispose();
  }
}

function poolArgs(op: 'maxPool2d' | 'avgPool2d', x: Tensor, args: readonly unknown[]): PoolGeo {
  const o = parseArgs(op, op === 'maxPool2d' ? MAX_ARGS : AVG_ARGS, args, POOL_KEYS);
  if (o.kernelSize === undefined) fail(op, 'kernelSize is required', `call ${op}(x, 2) or ${op}(x, {kernelSize: 2})`);
  const kernel = pair(op, 'kernelSize', o.kernelSize, [1, 1], 1);
  const dil = pair(op, 'dilation', o.dilation, [1, 1], 1);
  if (dil[0] !== 1 || dil[1] !== 1) fail(op, `dilation ${shapeStr(dil)} is not supported for pooling`, 'use dilation 1');
  if (flag(op, 'returnIndices', o.returnIndices, false)) fail(op, 'returnIndices is not supported', 'use returnIndices: false');
  if (o.divisorOverride !== undefined && o.divisorOverride !== null) fail(op, `divisorOverride ${JSON.stringify(o.divisorOverride)} is not supported`, 'divide the result instead');
  const g: PoolGeo = {
    kernel,
    stride: pair(op, 'stride', o.stride ?? kernel, kernel, 1),
    padding: pair(op, 'padding', o.padding, [0, 0], 0),
    countIncludePad: flag(op, 'countIncludePad', o.countIncludePad, true),
    ceilMode: flag(op, 'ceilMode', o.ceilMode, false),
  };
  if (g.padding[0] * 2 > kernel[0] || g.padding[1] * 2 > kernel[1])
    fail(op, `padding ${shapeStr(g.padding)} is more than half of kernelSize ${shapeStr(kernel)}`, 'padding may be at most kernelSize / 2');
  const [H, W] = x.shape.slice(-2) as [number, number];
  if (kernel[0] > H + 2 * g.padding[0] || kernel[1] > W + 2 * g.padding[1])
    fail(op, `kernelSize ${shapeStr(kernel)} is larger than the padded input ${H + 2 * g.padding[0]}x${W + 2 * g.padding[1]} of shape ${shapeStr(x.shape)}`, 'use a smaller kernel or more padding');
  return g;
}

function pool(op: 'maxPool2d' | 'avgPool2d', x: Tensor, args: readonly unknown[]): Tensor {
  const { x4, made } = batched(op, x);
  try {
    return unbatched(apply(op, [x4], poolArgs(op, x4, args)), made);
  } finally {
    if (made) x4.dispose();
  }
}

/**
 * torch.nn.functional.max_pool2d: the maximum of each window (NaN propagates; gradient to the first
 * maximum). maxPool2d(x, kernelSize, stride, padding, dilation, ceilMode), or options.
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Pair, opts?: Omit<Pool2dOptions, 'kernelSize'>): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Pair, stride?: Pair | null, padding?: Pair, dilation?: Pair, ceilMode?: boolean, returnIndices?: false): Tensor;
export function maxPool2d(x: Tensor, ...args: unknown[]): Tensor {
  return pool('maxPool2d', x, args);
}

/**
 * torch.nn.functional.avg_pool2d: the mean of each window, padding counted unless countIncludePad is
 * false. avgPool2d(x, kernelSize, stride, padding, ceilMode, countIncludePad), or options.
 */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor;
export function avgPool2d(x: Tensor, kernelSize: Pair, opts?: Omit<Pool2dOptions, 'kernelSize'>): Tensor;
export function avgPool2d(x: Tensor, kernelSize: Pair, stride?: Pair | null, padding?: Pair, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: null): Tensor;
export function avgPool2d(x: Tensor, ...args: unknown[]): Tensor {
  return pool('avgPool2d', x, args);
}

function adaptive(op: 'adaptiveAvgPool2d' | 'adaptiveMaxPool2d', x: Tensor, outputSize: AdaptiveSize, more: readonly unknown[]): Tensor {
  if (more.length > 1 || (more.length === 1 && !(op === 'adaptiveMaxPool2d' && (more[0] === false || more[0] === undefined))))
    fail(op, `takes (x, outputSize${op === 'adaptiveMaxPool2d' ? ', returnIndices = false' : ''}), got ${more.length} more argument${more.length > 1 ? 's' : ''}`, 'remove the extra arguments');
  const { x4, made } = batched(op, x);
  try {
    const [H, W] = x4.shape.slice(2) as [number, number];
    const raw = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    if (!Array.isArray(raw) || raw.length !== 2 || !raw.every((v) => v === null || (Number.isInteger(v) && v >= 1)))
      fail(op, `outputSize must be a positive integer or a pair [h, w] of them (null keeps that size), got ${JSON.stringify(outputSize)}`, 'pass e.g. 1 or [2, 3]');
    const output: [number, number] = [raw[0] ?? H, raw[1] ?? W];
    if (H < 1 || W < 1) fail(op, `cannot pool an empty ${H}x${W} input of shape ${shapeStr(x.shape)}`);
    const g: PoolGeo = { kernel: [1, 1], stride: [1, 1], padding: [0, 0], adaptive: true, output };
    return unbatched(apply(op === 'adaptiveMaxPool2d' ? 'maxPool2d' : 'avgPool2d', [x4], g), made);
  } finally {
    if (made) x4.dispose();
  }
}

/** torch.nn.functional.adaptive_avg_pool2d: window i spans [floor(i*in/out), ceil((i+1)*in/out)). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize, ...more: never[]): Tensor {
  return adaptive('adaptiveAvgPool2d', x, outputSize, more);
}

/** torch.nn.functional.adaptive_max_pool2d over PyTorch's adaptive windows (returnIndices only false). */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, returnIndices?: false): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, ...more: unknown[]): Tensor {
  return adaptive('adaptiveMaxPool2d', x, outputSize, more);
}
