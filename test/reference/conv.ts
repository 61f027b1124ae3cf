// Float64 references for 2-D convolution and pooling over NCHW, written as the definitions (direct
// loops over windows), independent of the GPU's implicit-GEMM formulation.
import type { Ref } from './index.ts';

type Pair = number | [number, number];
const pair = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

export interface ConvRefOpts {
  bias?: Ref;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** torch.nn.functional.conv2d: x [N, C, H, W], w [O, C/groups, KH, KW]. */
export function conv2dRef(x: Ref, w: Ref, o: ConvRefOpts = {}): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  const [sh, sw] = pair(o.stride, 1);
  const [ph, pw] = pair(o.padding, 0);
  const [dh, dw] = pair(o.dilation, 1);
  const g = o.groups ?? 1;
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const og = O / g;
  const data = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++) {
      const grp = Math.floor(oc / og);
      for (let y = 0; y < OH; y++)
        for (let xo = 0; xo < OW; xo++) {
          let acc = o.bias ? o.bias.data[oc]! : 0;
          for (let c = 0; c < Cg; c++) {
            const ic = grp * Cg + c;
            for (let ky = 0; ky < KH; ky++) {
              const iy = y * sh - ph + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = xo * sw - pw + kx * dw;
                if (ix < 0 || ix >= W) continue;
                acc += x.data[((n * C + ic) * H + iy) * W + ix]! * w.data[((oc * Cg + c) * KH + ky) * KW + kx]!;
              }
            }
          }
          data[((n * O + oc) * OH + y) * OW + xo] = acc;
        }
    }
  return { data, shape: [N, O, OH, OW] };
}

export interface PoolRefOpts {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  countIncludePad?: boolean;
  ceilMode?: boolean;
}

/** PyTorch's pooling output size (pooling_output_shape). */
export function poolOutSizeRef(size: number, k: number, s: number, p: number, ceil = false): number {
  if (!ceil) return Math.floor((size + 2 * p - k) / s) + 1;
  let o = Math.ceil((size + 2 * p - k) / s) + 1;
  if ((o - 1) * s >= size + p) o--;
  return o;
}

function pool(x: Ref, o: PoolRefOpts, kind: 'max' | 'avg'): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(o.kernelSize, 1);
  const [sh, sw] = o.stride === undefined ? [kh, kw] : pair(o.stride, 1);
  const [ph, pw] = pair(o.padding, 0);
  const OH = poolOutSizeRef(H, kh, sh, ph, o.ceilMode);
  const OW = poolOutSizeRef(W, kw, sw, pw, o.ceilMode);
  const data = new Float64Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++)
    for (let y = 0; y < OH; y++)
      for (let xo = 0; xo < OW; xo++) {
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = y * sh - ph + ky;
            const ix = xo * sw - pw + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const v = x.data[(p * H + iy) * W + ix]!;
            if (v > best || Number.isNaN(v)) best = v;
            sum += v;
            count++;
          }
        // PyTorch's divisor: the window clipped to the padded input (all of it unless ceilMode).
        const y0 = y * sh - ph;
        const x0 = xo * sw - pw;
        const div = o.countIncludePad === false ? count : (Math.min(y0 + kh, H + ph) - y0) * (Math.min(x0 + kw, W + pw) - x0);
        data[(p * OH + y) * OW + xo] = kind === 'max' ? best : sum / div;
      }
  return { data, shape: [N, C, OH, OW] };
}

/** torch.nn.functional.max_pool2d (NaN propagates). */
export const maxPool2dRef = (x: Ref, o: PoolRefOpts): Ref => pool(x, o, 'max');

/** torch.nn.functional.avg_pool2d (count_include_pad by default). */
export const avgPool2dRef = (x: Ref, o: PoolRefOpts): Ref => pool(x, o, 'avg');

function geometry(xShape: number[], wShape: number[], o: ConvRefOpts) {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, Cg, KH, KW] = wShape as [number, number, number, number];
  const [sh, sw] = pair(o.stride, 1);
  const [ph, pw] = pair(o.padding, 0);
  const [dh, dw] = pair(o.dilation, 1);
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const og = O / (o.groups ?? 1);
  return { N, C, H, W, O, Cg, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW, og };
}

/** Visits every (output, input, weight) index triple of the convolution's sum. */
function eachTap(xShape: number[], wShape: number[], o: ConvRefOpts, f: (yi: number, xi: number, wi: number) => void): void {
  const g = geometry(xShape, wShape, o);
  for (let n = 0; n < g.N; n++)
    for (let oc = 0; oc < g.O; oc++) {
      const grp = Math.floor(oc / g.og);
      for (let y = 0; y < g.OH; y++)
        for (let xo = 0; xo < g.OW; xo++)
          for (let c = 0; c < g.Cg; c++)
            for (let ky = 0; ky < g.KH; ky++) {
              const iy = y * g.sh - g.ph + ky * g.dh;
              if (iy < 0 || iy >= g.H) continue;
              for (let kx = 0; kx < g.KW; kx++) {
                const ix = xo * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.W) continue;
                f(((n * g.O + oc) * g.OH + y) * g.OW + xo, ((n * g.C + grp * g.Cg + c) * g.H + iy) * g.W + ix, ((oc * g.Cg + c) * g.KH + ky) * g.KW + kx);
              }
            }
    }
}

/** d(sum(dy * conv2d(x, w)))/dx: the transposed convolution of dy. */
export function conv2dInputGradRef(dy: Ref, w: Ref, xShape: number[], o: ConvRefOpts = {}): Ref {
  const data = new Float64Array(xShape.reduce((p, q) => p * q, 1));
  eachTap(xShape, w.shape, o, (yi, xi, wi) => (data[xi]! += dy.data[yi]! * w.data[wi]!));
  return { data, shape: [...xShape] };
}

/** d(sum(dy * conv2d(x, w)))/dw. */
export function conv2dWeightGradRef(x: Ref, dy: Ref, wShape: number[], o: ConvRefOpts = {}): Ref {
  const data = new Float64Array(wShape.reduce((p, q) => p * q, 1));
  eachTap(x.shape, wShape, o, (yi, xi, wi) => (data[wi]! += dy.data[yi]! * x.data[xi]!));
  return { data, shape: [...wShape] };
}

/** Max pooling's gradient: each window's dy goes to its first maximum (or its last NaN, as PyTorch). */
export function maxPool2dBackwardRef(dy: Ref, x: Ref, o: PoolRefOpts): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(o.kernelSize, 1);
  const [sh, sw] = o.stride === undefined ? [kh, kw] : pair(o.stride, 1);
  const [ph, pw] = pair(o.padding, 0);
  const [OH, OW] = dy.shape.slice(2) as [number, number];
  const data = new Float64Array(x.data.length);
  for (let p = 0; p < N * C; p++)
    for (let y = 0; y < OH; y++)
      for (let xo = 0; xo < OW; xo++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = y * sh - ph + ky;
            const ix = xo * sw - pw + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const i = (p * H + iy) * W + ix;
            if (at < 0) at = i;
            if (x.data[i]! > best || Number.isNaN(x.data[i]!)) ((best = x.data[i]!), (at = i));
          }
        data[at]! += dy.data[(p * OH + y) * OW + xo]!;
      }
  return { data, shape: [...x.shape] };
}

/** Average pooling's gradient: each window's dy / divisor spread over its (unpadded) pixels. */
export function avgPool2dBackwardRef(dy: Ref, xShape: number[], o: PoolRefOpts): Ref {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [kh, kw] = pair(o.kernelSize, 1);
  const [sh, sw] = o.stride === undefined ? [kh, kw] : pair(o.stride, 1);
  const [ph, pw] = pair(o.padding, 0);
  const [OH, OW] = dy.shape.slice(2) as [number, number];
  const data = new Float64Array(N * C * H * W);
  for (let p = 0; p < N * C; p++)
    for (let y = 0; y < OH; y++)
      for (let xo = 0; xo < OW; xo++) {
        const cells: number[] = [];
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = y * sh - ph + ky;
            const ix = xo * sw - pw + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) cells.push((p * H + iy) * W + ix);
          }
        const div = o.countIncludePad === false ? cells.length : kh * kw;
        for (const i of cells) data[i]! += dy.data[(p * OH + y) * OW + xo]! / div;
      }
  return { data, shape: [...xShape] };
}

/**
 * torch.nn.functional.conv_transpose2d by its definition: input pixel (iy, ix) of channel ci adds
 * x * w[ci, co, ky, kx] at output (iy*s - p + ky*d, ix*s - p + kx*d) of channel group(ci)*Cog + co.
 */
export function convTranspose2dRef(x: Ref, w: Ref, o: ConvRefOpts & { outputPadding?: Pair } = {}): Ref {
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const [, Cog, KH, KW] = w.shape as [number, number, number, number];
  const [sh, sw] = pair(o.stride, 1);
  const [ph, pw] = pair(o.padding, 0);
  const [dh, dw] = pair(o.dilation, 1);
  const [oh, ow] = pair(o.outputPadding, 0);
  const g = o.groups ?? 1;
  const Cout = Cog * g;
  const OH = (H - 1) * sh - 2 * ph + dh * (KH - 1) + oh + 1;
  const OW = (W - 1) * sw - 2 * pw + dw * (KW - 1) + ow + 1;
  const data = new Float64Array(N * Cout * OH * OW);
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < Cin; ci++) {
      const grp = Math.floor(ci / (Cin / g));
      for (let iy = 0; iy < H; iy++)
        for (let ix = 0; ix < W; ix++) {
          const v = x.data[((n * Cin + ci) * H + iy) * W + ix]!;
          for (let co = 0; co < Cog; co++)
            for (let ky = 0; ky < KH; ky++) {
              const y = iy * sh - ph + ky * dh;
              if (y < 0 || y >= OH) continue;
              for (let kx = 0; kx < KW; kx++) {
                const xo = ix * sw - pw + kx * dw;
                if (xo < 0 || xo >= OW) continue;
                data[((n * Cout + grp * Cog + co) * OH + y) * OW + xo]! += v * w.data[((ci * Cog + co) * KH + ky) * KW + kx]!;
              }
            }
        }
    }
  if (o.bias) for (let i = 0; i < data.length; i++) data[i]! += o.bias.data[Math.floor(i / (OH * OW)) % Cout]!;
  return { data, shape: [N, Cout, OH, OW] };
}

/** torch.nn.functional.conv1d: x [N, C, L], w [O, C/groups, K] (scalar stride, padding, dilation). */
export function conv1dRef(x: Ref, w: Ref, o: { bias?: Ref; stride?: number; padding?: number; dilation?: number; groups?: number } = {}): Ref {
  const [N, C, L] = x.shape as [number, number, number];
  const [O, Cg, K] = w.shape as [number, number, number];
  const y = conv2dRef({ data: x.data, shape: [N, C, 1, L] }, { data: w.data, shape: [O, Cg, 1, K] }, {
    bias: o.bias,
    stride: [1, o.stride ?? 1],
    padding: [0, o.padding ?? 0],
    dilation: [1, o.dilation ?? 1],
    groups: o.groups,
  });
  return { data: y.data, shape: [N, O, y.shape[3]!] };
}

/** torch's adaptive pooling over windows [floor(i*in/out), ceil((i+1)*in/out)). */
function adaptivePool(x: Ref, out: [number, number], kind: 'max' | 'avg'): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [OH, OW] = out;
  const data = new Float64Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++)
    for (let y = 0; y < OH; y++)
      for (let xo = 0; xo < OW; xo++) {
        const y0 = Math.floor((y * H) / OH);
        const y1 = Math.ceil(((y + 1) * H) / OH);
        const x0 = Math.floor((xo * W) / OW);
        const x1 = Math.ceil(((xo + 1) * W) / OW);
        let best = -Infinity;
        let sum = 0;
        for (let iy = y0; iy < y1; iy++)
          for (let ix = x0; ix < x1; ix++) {
            const v = x.data[(p * H + iy) * W + ix]!;
            if (v > best || Number.isNaN(v)) best = v;
            sum += v;
          }
        data[(p * OH + y) * OW + xo] = kind === 'max' ? best : sum / ((y1 - y0) * (x1 - x0));
      }
  return { data, shape: [N, C, OH, OW] };
}

export const adaptiveAvgPool2dRef = (x: Ref, out: [number, number]): Ref => adaptivePool(x, out, 'avg');
export const adaptiveMaxPool2dRef = (x: Ref, out: [number, number]): Ref => adaptivePool(x, out, 'max');
