// 2-D convolution (NCHW, groups) as implicit GEMM on the matmul kernel's tiles: the im2col matrix is
// gathered on the fly inside the tile loads and never stored. Per group g:
//   forward       Y[n, g, :, p]   = W[g] [Og, Cg*KH*KW]  x  im2col(X)[g] [Cg*KH*KW, N*OH*OW]
//   input grad    dX[n, g, :, q]  = W[g]^T regrouped [Cg, Og*KH*KW]  x  gather(dY) [Og*KH*KW, N*H*W]
//   weight grad   dW[g]           = dY[g] [Og, N*OH*OW]  x  im2col(X)[g]^T [N*OH*OW, Cg*KH*KW]
// The weight gradient's K (N*OH*OW) is long and its output small, which is what split-K is for.
import type { Device } from '../device/index.ts';
import { copy } from './map.ts';
import { gemm, type ConvUniforms } from './gemm.ts';
import { GEMM_MODE } from './gemm-kernels.ts';
import { contiguousStrides, numel, type View } from './view.ts';

export interface ConvGeometry {
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
  groups: number;
}

/** The output size along one axis, as PyTorch computes it. */
export function convOutSize(size: number, k: number, stride: number, pad: number, dil: number): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

interface Dims {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  Cg: number;
  Og: number;
  G: number;
}

function dims(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], g: ConvGeometry): Dims {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , KH, KW] = wShape as [number, number, number, number];
  return { N, C, H, W, O, KH, KW, OH: yShape[2]!, OW: yShape[3]!, Cg: C / g.groups, Og: O / g.groups, G: g.groups };
}

function convUniforms(d: Dims, g: ConvGeometry, xs: readonly number[], gs: readonly number[]): ConvUniforms {
  return {
    cv_a: [d.H, d.W, d.KW, d.KH * d.KW],
    cv_b: [d.OH, d.OW, g.dilation[0], g.dilation[1]],
    cv_sp: [g.stride[0], g.stride[1], g.padding[0], g.padding[1]],
    xs,
    gs,
  };
}

/** A View's fields as a plain object: tensors keep `buffer` on a getter that spreading would drop. */
function viewParts(v: View): View {
  return { buffer: v.buffer, dtype: v.dtype, shape: v.shape, strides: v.strides, offset: v.offset };
}

/** y = conv2d(x, w) + bias. x [N, C, H, W] and w [O, C/groups, KH, KW] any strides; y contiguous. */
export function conv2d(dev: Device, x: View, w: View, bias: View | null, y: View, g: ConvGeometry): void {
  const d = dims(x.shape, w.shape, y.shape, g);
  if (numel(y.shape) === 0) return;
  const K = d.Cg * d.KH * d.KW;
  const wv = weightMatrix(dev, w, d.O, K);
  const P = d.OH * d.OW;
  gemm(dev, {
    mode: GEMM_MODE.convForward,
    op: 'conv2d',
    M: d.Og,
    N: d.N * P,
    K,
    a: wv.view.buffer,
    b: x.buffer,
    c: y.buffer,
    bias: bias?.buffer,
    offA: wv.view.offset,
    offB: x.offset,
    offC: y.offset,
    offBias: bias?.offset ?? 0,
    sam: wv.view.strides[0]!,
    sak: 1,
    sbk: 0,
    sbn: 0,
    scm: P,
    scn: d.O * P,
    sbiasM: bias?.strides[0] ?? 0,
    sbiasN: 0,
    batch: [d.G],
    bsa: [d.Og * wv.view.strides[0]!],
    bsb: [d.Cg * x.strides[1]!],
    bsc: [d.Og * P],
    bsbias: [d.Og * (bias?.strides[0] ?? 0)],
    aKfast: true,
    bNfast: false,
    conv: convUniforms(d, g, x.strides, [0, 0, 0, 0]),
    cSize: d.N * d.O * P,
  });
  if (wv.tmp) dev.release(wv.tmp);
}

/** w as an [O, Cg*KH*KW] matrix: a view when its last three axes are packed, else a packed copy. */
function weightMatrix(dev: Device, w: View, O: number, K: number): { view: View; tmp: GPUBuffer | null } {
  const inner = contiguousStrides(w.shape.slice(1));
  if (w.shape.slice(1).every((s, i) => s === 1 || w.strides[i + 1] === inner[i]))
    return { view: { ...viewParts(w), shape: [O, K], strides: [w.strides[0]!, 1] }, tmp: null };
  const tmp = dev.allocate(O * K * 4, 'conv2d', w.shape);
  copy(dev, viewParts(w), { buffer: tmp, dtype: 'float32', shape: w.shape, strides: contiguousStrides(w.shape), offset: 0 });
  return { view: { buffer: tmp, dtype: 'float32', shape: [O, K], strides: [K, 1], offset: 0 }, tmp };
}

/** dx = the input gradient of conv2d for dy [N, O, OH, OW]; dx [N, C, H, W] contiguous. */
export function conv2dInputGrad(dev: Device, dy: View, w: View, dx: View, g: ConvGeometry): void {
  const d = dims(dx.shape, w.shape, dy.shape, g);
  if (numel(dx.shape) === 0) return;
  const KK = d.KH * d.KW;
  // W regrouped to [G, Cg, Og, KH*KW] so that each group's A is a plain [Cg, Og*KH*KW] matrix.
  const wr = dev.allocate(numel(w.shape) * 4, 'conv2d', w.shape);
  const [s0, s1, s2, s3] = w.strides as [number, number, number, number];
  const shape5 = [d.G, d.Cg, d.Og, d.KH, d.KW];
  copy(dev, { ...viewParts(w), shape: shape5, strides: [d.Og * s0, s1, s0, s2, s3] }, { buffer: wr, dtype: 'float32', shape: shape5, strides: contiguousStrides(shape5), offset: 0 });
  const HW = d.H * d.W;
  gemm(dev, {
    mode: GEMM_MODE.convInput,
    op: 'conv2d',
    M: d.Cg,
    N: d.N * HW,
    K: d.Og * KK,
    a: wr,
    b: dy.buffer,
    c: dx.buffer,
    offA: 0,
    offB: dy.offset,
    offC: dx.offset,
    sam: d.Og * KK,
    sak: 1,
    sbk: 0,
    sbn: 0,
    scm: HW,
    scn: d.C * HW,
    batch: [d.G],
    bsa: [d.Cg * d.Og * KK],
    bsb: [d.Og * dy.strides[1]!],
    bsc: [d.Cg * HW],
    aKfast: true,
    bNfast: false,
    conv: convUniforms(d, g, [0, 0, 0, 0], dy.strides),
    cSize: d.N * d.C * HW,
  });
  dev.release(wr);
}

/** dw = the weight gradient of conv2d from x [N, C, H, W] and dy [N, O, OH, OW]; dw contiguous. */
export function conv2dWeightGrad(dev: Device, x: View, dy: View, dw: View, g: ConvGeometry): void {
  const d = dims(x.shape, dw.shape, dy.shape, g);
  if (numel(dw.shape) === 0) return;
  const KK = d.KH * d.KW;
  const Kw = d.Cg * KK;
  gemm(dev, {
    mode: GEMM_MODE.convWeight,
    op: 'conv2d',
    M: d.Og,
    N: Kw,
    K: d.N * d.OH * d.OW,
    a: dy.buffer,
    b: x.buffer,
    c: dw.buffer,
    offA: dy.offset,
    offB: x.offset,
    offC: dw.offset,
    sam: dy.strides[1]!,
    sak: 0,
    sbk: 0,
    sbn: 0,
    scm: Kw,
    scn: 1,
    batch: [d.G],
    bsa: [d.Og * dy.strides[1]!],
    bsb: [d.Cg * x.strides[1]!],
    bsc: [d.Og * Kw],
    aKfast: true,
    bNfast: false,
    conv: convUniforms(d, g, x.strides, dy.strides),
    cSize: d.O * Kw,
  });
}
