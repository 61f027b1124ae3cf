// wg.nn.init: in-place initialisers, as torch.nn.init. Values are drawn on the GPU (Philox, from the
// global seed) into a temporary and copied into the tensor with the strided copy kernel, so views and
// non-contiguous parameters work and no random data is uploaded. Nothing is recorded for autograd.
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import { copy } from '../kernels/index.ts';
import { full, normal as drawNormal, uniform as drawUniform, type Tensor } from '../tensor/index.ts';

export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'leakyRelu'
  | 'selu';

export type FanMode = 'fan_in' | 'fan_out' | 'fanIn' | 'fanOut';

export interface KaimingOptions {
  /** The negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** 'fan_in' (default) keeps the forward variance, 'fan_out' the backward's. */
  mode?: FanMode;
  /** Default 'leaky_relu', as torch. */
  nonlinearity?: Nonlinearity;
}
const KAIMING_OPTIONS = optionKeys<KaimingOptions>({ a: true, mode: true, nonlinearity: true });

/** The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) fail('calculateGain', `negative slope ${slope} is not a finite number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return fail('calculateGain', `unknown nonlinearity '${String(nonlinearity)}'`, "use 'linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leaky_relu' or 'selu'");
  }
}

/** fanIn = size(1) * receptive field, fanOut = size(0) * receptive field (as torch). */
export function fans(t: Tensor, op = 'init'): { fanIn: number; fanOut: number } {
  if (t.ndim < 2)
    fail(op, `fan in and fan out need at least 2 dimensions, but the tensor has shape ${shapeStr(t.shape)}`, 'use uniform/normal/constant for biases and other 1-D tensors');
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function target(t: Tensor, op: string): Tensor {
  t.assertLive(op);
  if (t.dtype !== 'float32') fail(op, `can only fill float32 tensors, got a ${t.dtype} tensor ${shapeStr(t.shape)}`, 'create it as float32');
  return t;
}

function writeFrom(t: Tensor, src: Tensor): Tensor {
  copy(t.dev, src, t);
  src.dispose();
  return t;
}

function finite(op: string, what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${what} must be a finite number, got ${v}`);
}

/** Fills t with U(a, b). */
export function uniform(t: Tensor, a = 0, b = 1): Tensor {
  target(t, 'init.uniform');
  finite('init.uniform', 'a', a);
  finite('init.uniform', 'b', b);
  if (!(a <= b)) fail('init.uniform', `need a <= b, got a=${a} b=${b}`);
  return writeFrom(t, drawUniform(t.shape, a, b));
}

/** Fills t with N(mean, std²). */
export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  target(t, 'init.normal');
  finite('init.normal', 'mean', mean);
  finite('init.normal', 'std', std);
  if (std < 0) fail('init.normal', `std must be >= 0, got ${std}`);
  return writeFrom(t, drawNormal(t.shape, mean, std));
}

/** Fills t with `value` (a stride-0 view of one element, so nothing as large as t is allocated). */
export function constant(t: Tensor, value: number): Tensor {
  target(t, 'init.constant');
  if (typeof value !== 'number') fail('init.constant', `value must be a number, got ${typeof value}`);
  const one = full([], value);
  copy(t.dev, { buffer: one.buffer, dtype: 'float32', shape: t.shape, strides: t.shape.map(() => 0), offset: 0 }, t);
  one.dispose();
  return t;
}

export const zeros = (t: Tensor): Tensor => constant(t, 0);
export const ones = (t: Tensor): Tensor => constant(t, 1);

/** U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)) (Glorot). */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  target(t, 'init.xavierUniform');
  const { fanIn, fanOut } = fans(t, 'init.xavierUniform');
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return writeFrom(t, drawUniform(t.shape, -a, a));
}

/** N(0, std²) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, gain = 1): Tensor {
  target(t, 'init.xavierNormal');
  const { fanIn, fanOut } = fans(t, 'init.xavierNormal');
  return writeFrom(t, drawNormal(t.shape, 0, gain * Math.sqrt(2 / (fanIn + fanOut))));
}

function kaimingStd(t: Tensor, op: string, o: KaimingOptions): number {
  checkOptions(op, o, KAIMING_OPTIONS);
  const mode = o.mode ?? 'fan_in';
  if (!['fan_in', 'fan_out', 'fanIn', 'fanOut'].includes(mode)) fail(op, `unknown mode '${mode}'`, "use 'fan_in' or 'fan_out'");
  const { fanIn, fanOut } = fans(t, op);
  const fan = mode === 'fan_in' || mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) fail(op, `a tensor of shape ${shapeStr(t.shape)} has a ${mode} of 0`, 'initialise tensors with no zero-sized dimension');
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** U(-b, b) with b = gain * sqrt(3 / fan) (He). Linear's default is {a: sqrt(5)}: b = 1 / sqrt(fanIn). */
export function kaimingUniform(t: Tensor, opts: KaimingOptions = {}): Tensor {
  target(t, 'init.kaimingUniform');
  const b = Math.sqrt(3) * kaimingStd(t, 'init.kaimingUniform', opts);
  return writeFrom(t, drawUniform(t.shape, -b, b));
}

/** N(0, std²) with std = gain / sqrt(fan). */
export function kaimingNormal(t: Tensor, opts: KaimingOptions = {}): Tensor {
  target(t, 'init.kaimingNormal');
  return writeFrom(t, drawNormal(t.shape, 0, kaimingStd(t, 'init.kaimingNormal', opts)));
}
