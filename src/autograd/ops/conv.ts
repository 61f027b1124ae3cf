// 2-D convolution and pooling over NCHW. The gradients are ops of their own whose backward rules are
// the other members of the family (conv2d, its input gradient and its weight gradient are mutual
// adjoints; likewise max pooling's backward and its "pick"; avg pooling and its backward), so second
// derivatives work through every one of them.
import { fail, shapeStr } from '../../device/index.ts';
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
import { sum } from './reduce.ts';
import { reshape } from './views.ts';

type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  bias?: Tensor | null;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair;
  padding?: Pair;
  /** avgPool2d: whether padded zeros count in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

type Geo = ConvGeometry;
type PoolGeo = PoolGeometry;

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
const poolOf = (a: PoolGeo): PoolGeo => ({ kernel: a.kernel, stride: a.stride, padding: a.padding, countIncludePad: a.countIncludePad });

function convShape(x: readonly number[], w: readonly number[], g: Geo): number[] {
  return [x[0]!, w[0]!, convOutSize(x[2]!, w[2]!, g.stride[0], g.padding[0], g.dilation[0]), convOutSize(x[3]!, w[3]!, g.stride[1], g.padding[1], g.dilation[1])];
}

function poolShape(x: readonly number[], g: PoolGeo): number[] {
  return [x[0]!, x[1]!, convOutSize(x[2]!, g.kernel[0], g.stride[0], g.padding[0], 1), convOutSize(x[3]!, g.kernel[1], g.stride[1], g.padding[1], 1)];
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

function pair(op: string, name: string, v: Pair | undefined, dflt: readonly [number, number], min: number): [number, number] {
  const p = v === undefined ? dflt : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((n) => Number.isInteger(n) && n >= min))
    fail(op, `${name} must be an integer >= ${min} or a pair [h, w] of them, got ${JSON.stringify(v)}`, `pass e.g. ${name}: ${min === 0 ? 1 : 2} or [${min === 0 ? '1, 1' : '2, 2'}]`);
  return [p[0]!, p[1]!];
}

/** A 3-D [C, H, W] input is one unbatched image, as in PyTorch. */
function batched(op: string, x: Tensor): { x4: Tensor; made: boolean } {
  x.assertLive(op);
  if (x.dtype !== 'float32') fail(op, `the input must be float32, got ${x.dtype}`, 'convert it with .float()');
  if (x.ndim === 4) return { x4: x, made: false };
  if (x.ndim === 3) return { x4: reshape(x, [1, ...x.shape]), made: true };
  return fail(op, `the input must be 4-D [N, C, H, W] (or 3-D [C, H, W]), got shape ${shapeStr(x.shape)}`, 'reshape it to [N, C, H, W]');
}

function unbatched(y: Tensor, made: boolean): Tensor {
  if (!made) return y;
  const r = reshape(y, y.shape.slice(1));
  y.dispose();
  return r;
}

/**
 * torch.nn.functional.conv2d: x [N, C, H, W] (or [C, H, W]), w [O, C/groups, KH, KW], optional bias [O].
 * stride, padding and dilation are numbers or [h, w] pairs.
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  const { x4, made } = batched(op, x);
  const cleanup = () => made && x4.dispose();
  try {
    w.assertLive(op);
    const bias = opts.bias ?? null;
    bias?.assertLive(op);
    if (w.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) fail(op, 'weight and bias must be float32', 'convert them with .float()');
    if (w.ndim !== 4) fail(op, `the weight must be 4-D [O, C/groups, KH, KW], got shape ${shapeStr(w.shape)}`);
    const g: Geo = {
      stride: pair(op, 'stride', opts.stride, [1, 1], 1),
      padding: pair(op, 'padding', opts.padding, [0, 0], 0),
      dilation: pair(op, 'dilation', opts.dilation, [1, 1], 1),
      groups: opts.groups ?? 1,
    };
    const groups = g.groups;
    const [, C, H, W] = x4.shape as [number, number, number, number];
    const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
    const shapes = `input ${shapeStr(x.shape)} and weight ${shapeStr(w.shape)}`;
    if (!Number.isInteger(groups) || groups < 1) fail(op, `groups must be a positive integer, got ${groups}`);
    if (C % groups !== 0 || O % groups !== 0)
      fail(op, `${shapes}: groups=${groups} must divide both the ${C} input channels and the ${O} output channels`, 'choose groups dividing both');
    if (Cg * groups !== C)
      fail(op, `${shapes}: the input has ${C} channels but the weight expects ${Cg} per group x ${groups} group${groups > 1 ? 's' : ''} = ${Cg * groups}`, `give the weight shape [${O}, ${C / groups}, ${KH}, ${KW}]`);
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) fail(op, `bias ${shapeStr(bias.shape)} does not match the ${O} output channels of weight ${shapeStr(w.shape)}`, `pass a bias of shape [${O}]`);
    const ek = [g.dilation[0] * (KH - 1) + 1, g.dilation[1] * (KW - 1) + 1];
    if (ek[0]! > H + 2 * g.padding[0] || ek[1]! > W + 2 * g.padding[1])
      fail(op, `${shapes}: the kernel spans ${ek[0]}x${ek[1]} (with dilation ${shapeStr(g.dilation)}), larger than the padded input ${H + 2 * g.padding[0]}x${W + 2 * g.padding[1]}`, 'use a smaller kernel or dilation, or more padding');
    const y = apply(op, bias ? [x4, w, bias] : [x4, w], g);
    return unbatched(y, made);
  } finally {
    cleanup();
  }
}

function poolArgs(op: string, x: Tensor, opts: Pool2dOptions | number | readonly [number, number]): PoolGeo {
  const o: Pool2dOptions = typeof opts === 'number' || Array.isArray(opts) ? { kernelSize: opts as Pair } : (opts as Pool2dOptions);
  if (o === null || typeof o !== 'object' || o.kernelSize === undefined) fail(op, 'kernelSize is required', `call ${op}(x, {kernelSize: 2})`);
  const kernel = pair(op, 'kernelSize', o.kernelSize, [1, 1], 1);
  const g: PoolGeo = {
    kernel,
    stride: pair(op, 'stride', o.stride ?? kernel, kernel, 1),
    padding: pair(op, 'padding', o.padding, [0, 0], 0),
    countIncludePad: o.countIncludePad ?? true,
  };
  if (g.padding[0] * 2 > kernel[0] || g.padding[1] * 2 > kernel[1])
    fail(op, `padding ${shapeStr(g.padding)} is more than half of kernelSize ${shapeStr(kernel)}`, 'padding may be at most kernelSize / 2');
  const [H, W] = x.shape.slice(-2) as [number, number];
  if (kernel[0] > H + 2 * g.padding[0] || kernel[1] > W + 2 * g.padding[1])
    fail(op, `kernelSize ${shapeStr(kernel)} is larger than the padded input ${H + 2 * g.padding[0]}x${W + 2 * g.padding[1]} of shape ${shapeStr(x.shape)}`, 'use a smaller kernel or more padding');
  return g;
}

function pool(op: 'maxPool2d' | 'avgPool2d', x: Tensor, opts: Pool2dOptions | number | readonly [number, number]): Tensor {
  const { x4, made } = batched(op, x);
  try {
    return unbatched(apply(op, [x4], poolArgs(op, x4, opts)), made);
  } finally {
    if (made) x4.dispose();
  }
}

/** torch.nn.functional.max_pool2d: the maximum of each window (NaN propagates; gradient to the first maximum). */
export const maxPool2d = (x: Tensor, opts: Pool2dOptions | number | readonly [number, number]): Tensor => pool('maxPool2d', x, opts);

/** torch.nn.functional.avg_pool2d: the mean of each window, padding counted unless countIncludePad is false. */
export const avgPool2d = (x: Tensor, opts: Pool2dOptions | number | readonly [number, number]): Tensor => pool('avgPool2d', x, opts);
