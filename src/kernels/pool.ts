// 2-D max and average pooling over NCHW (shaders/pool2d.wgsl), forward and backward. Inputs are read
// through their strides; outputs are contiguous. Max pooling's backward first records each window's
// argmax (first maximum, or a NaN), then every input pixel gathers the gradients of the windows that
// picked it, so gradients are routed without atomics and deterministically.
import type { Device } from '../device/index.ts';
import type { Wgsl } from './dtype.ts';
import { WG } from './constants.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';
import { numel, type View } from './view.ts';

export interface PoolGeometry {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
  /** avg only: divide by the whole window including padding (PyTorch's default), else by the valid part. */
  countIncludePad?: boolean;
  /**
   * Adaptive pooling: the windows follow from the input and output sizes (PyTorch's
   * [floor(o*in/out), ceil((o+1)*in/out))), and kernel, stride and padding are unused.
   */
  adaptive?: boolean;
}

const MODES = { max: 0, avg: 1, pick: 2, argmax: 3, maxBackward: 4, avgBackward: 5 } as const;
type Mode = keyof typeof MODES;

export const PoolParams = params('Pool2d', {
  n: 'u32',
  C: 'u32',
  H: 'u32',
  W: 'u32',
  OH: 'u32',
  OW: 'u32',
  kh: 'i32',
  kw: 'i32',
  sh: 'i32',
  sw: 'i32',
  ph: 'i32',
  pw: 'i32',
  include_pad: 'u32',
  adaptive: 'u32',
  off_x: 'u32',
  off_h: 'u32',
  off_o: 'u32',
  /** X's strides (n, c, h, w), and H's. */
  xs: 'vec4<u32>',
  hs: 'vec4<u32>',
});

function spec(mode: Mode) {
  const th: Wgsl = mode === 'maxBackward' ? 'u32' : 'f32';
  const to: Wgsl = mode === 'argmax' ? 'u32' : 'f32';
  return cachedSpec(`pool2d|${mode}`, () => ({
    name: `pool2d:${mode}`,
    source: render('pool2d', PoolParams, { TH: th, TO: to, MODE: `${MODES[mode]}` }),
    reads: 2,
    writes: 1,
  }));
}

/**
 * One pass. `x` is the view walked by the window (the pooled input, or dY for backward modes), `h` the
 * second input, `out` contiguous. `inShape` is [N, C, H, W] of the pooled input, `outShape` the pooled
 * output's.
 */
function run(dev: Device, mode: Mode, x: View, h: View | null, out: { buffer: GPUBuffer; offset: number }, inShape: readonly number[], outShape: readonly number[], g: PoolGeometry): void {
  const perInput = mode === 'maxBackward' || mode === 'avgBackward';
  const n = numel(perInput ? inShape : outShape);
  if (n === 0) return;
  const [, C, H, W] = inShape as [number, number, number, number];
  const [OH, OW] = [outShape[2]!, outShape[3]!];
  dev.dispatch(
    spec(mode),
    (w) =>
      PoolParams.write(w, {
        n,
        C,
        H,
        W,
        OH,
        OW,
        kh: g.kernel[0],
        kw: g.kernel[1],
        sh: g.stride[0],
        sw: g.stride[1],
        ph: g.padding[0],
        pw: g.padding[1],
        include_pad: g.countIncludePad === false ? 0 : 1,
        adaptive: g.adaptive ? 1 : 0,
        off_x: x.offset,
        off_h: h ? h.offset : 0,
        off_o: out.offset,
        xs: x.strides,
        hs: h ? h.strides : [],
      }),
    [x.buffer, h ? h.buffer : x.buffer, out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}

export function maxPool2d(dev: Device, x: View, out: View, g: PoolGeometry): void {
  run(dev, 'max', x, null, out, x.shape, out.shape, g);
}

export function avgPool2d(dev: Device, x: View, out: View, g: PoolGeometry): void {
  run(dev, 'avg', x, null, out, x.shape, out.shape, g);
}

/** out = h at the argmax of each of x's windows (h has x's shape): max pooling's gradient as a function of h. */
export function maxPool2dPick(dev: Device, h: View, x: View, out: View, g: PoolGeometry): void {
  run(dev, 'pick', x, h, out, x.shape, out.shape, g);
}

/** dx (x's shape, contiguous) from dy (the pooled shape) and the pooled input x. */
export function maxPool2dBackward(dev: Device, dy: View, x: View, dx: View, g: PoolGeometry): void {
  if (numel(dx.shape) === 0) return;
  const nout = numel(dy.shape);
  const idx = dev.allocate(nout * 4, 'maxPool2d', dy.shape);
  run(dev, 'argmax', x, null, { buffer: idx, offset: 0 }, x.shape, dy.shape, g);
  const idxView: View = { buffer: idx, dtype: 'int32', shape: dy.shape, strides: [], offset: 0 };
  run(dev, 'maxBackward', dy, idxView, dx, dx.shape, dy.shape, g);
  dev.release(idx);
}

export function avgPool2dBackward(dev: Device, dy: View, dx: View, g: PoolGeometry): void {
  run(dev, 'avgBackward', dy, null, dx, dx.shape, dy.shape, g);
}
