import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import {
  avgPool2dBackwardRef,
  avgPool2dRef,
  conv2dInputGradRef,
  conv2dRef,
  conv2dWeightGradRef,
  maxPool2dBackwardRef,
  maxPool2dRef,
  type ConvRefOpts,
  type PoolRefOpts,
} from './reference/conv.ts';
import { permuteRef } from './reference/linalg.ts';
import { forceProfile, restoreProfile } from './support/profile.ts';

const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const TOL = { rtol: 1e-4, atol: 1e-4 };

function convOpts(o: ConvRefOpts, bias?: wg.Tensor): wg.Conv2dOptions {
  return { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups, bias };
}

// Forward runs on two kernels: 'tiled' (GPUs) and 'registers' (the default on software adapters such
// as the SwiftShader these tests run on), so both are checked here whatever the device picks.
describe.each(['tiled', 'registers'] as const)('conv2d forward against float64, %s kernel', (kernel) => {
  beforeEach(() => forceProfile({ matmul: kernel }));
  afterEach(restoreProfile);
  const cases: [string, number[], number[], ConvRefOpts, boolean][] = [
    ['3x3 valid', [2, 3, 9, 9], [4, 3, 3, 3], {}, false],
    ['stride 2, padding 1, bias', [2, 3, 9, 8], [5, 3, 3, 3], { stride: 2, padding: 1 }, true],
    ['dilation 2', [1, 2, 11, 10], [3, 2, 3, 2], { dilation: 2 }, false],
    ['groups 2, mixed pairs, bias', [2, 4, 10, 9], [6, 2, 3, 3], { groups: 2, stride: [2, 1], padding: [1, 2], dilation: [1, 2] }, true],
    ['depthwise', [2, 4, 7, 7], [4, 1, 3, 3], { groups: 4, padding: 1 }, true],
    ['depthwise with multiplier 2', [1, 3, 8, 6], [6, 1, 3, 3], { groups: 3, stride: 2, padding: 1 }, false],
    ['1x1', [2, 5, 7, 7], [3, 5, 1, 1], {}, true],
    ['1x1 stride 2', [1, 5, 7, 6], [3, 5, 1, 1], { stride: 2 }, false],
    ['odd 5x2 kernel on 13x7', [1, 3, 13, 7], [2, 3, 5, 2], { padding: [2, 0] }, true],
    ['all ones', [1, 1, 1, 1], [1, 1, 1, 1], {}, true],
    ['kernel as large as the padded input', [1, 2, 3, 3], [2, 2, 5, 5], { padding: 1 }, false],
    ['several tiles each way', [2, 16, 20, 20], [80, 16, 3, 3], { padding: 1 }, true],
    // One output tile and K = 300: split K, whose second chunk starts mid-window (k = 160 is channel 26,
    // tap (2, 0)), with dilation and padding on both axes and the bias added by one split only.
    ['split K from mid-window, dilation, bias', [3, 50, 7, 6], [5, 50, 3, 2], { dilation: [2, 3], padding: [2, 1], stride: [1, 2] }, true],
    ['groups 3, N 3, odd sizes past a tile edge', [3, 6, 11, 13], [9, 2, 2, 3], { groups: 3, stride: [2, 1], padding: [0, 2], dilation: [1, 2] }, true],
  ];
  it.each(cases)('%s', async (label, xs, ws, o, withBias) => {
    const x = randomRef(xs, xs[1]! * 3 + 1);
    const w = randomRef(ws, ws[0]! * 5 + 2);
    const b = withBias ? randomRef([ws[0]!], 3) : undefined;
    const want = conv2dRef(x, w, { ...o, bias: b });
    const y = wg.conv2d(up(x), up(w), convOpts(o, b && up(b)));
    expect(y.shape).toEqual(want.shape);
    assertClose(await y.data(), want, TOL, label);
  });

  it('non-contiguous input and weight (NHWC storage, transposed weight, slices)', async () => {
    const nhwc = randomRef([2, 8, 9, 3], 10);
    const x = permuteRef(nhwc, [0, 3, 1, 2]);
    const wt = randomRef([3, 3, 4, 3], 11); // stored [KH, KW, O, C]
    const w = permuteRef(wt, [2, 3, 0, 1]);
    const xv = wg.views.permute(up(nhwc), [0, 3, 1, 2]);
    const wv = wg.views.permute(up(wt), [2, 3, 0, 1]);
    assertClose(await wg.conv2d(xv, wv, { padding: 1, stride: 2 }).data(), conv2dRef(x, w, { padding: 1, stride: 2 }), TOL, 'permuted');
    // x[:, 1:3, ::2, 1:] and an expanded (stride 0) batch.
    const big = randomRef([2, 4, 12, 9], 12);
    const sliced = wg.views.slice(wg.views.slice(wg.views.slice(up(big), 1, 1, 3), 2, 0, 12, 2), 3, 1, 9);
    const ref: Ref = { data: new Float64Array(2 * 2 * 6 * 8), shape: [2, 2, 6, 8] };
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 2; c++)
        for (let y = 0; y < 6; y++) for (let z = 0; z < 8; z++) ref.data[((n * 2 + c) * 6 + y) * 8 + z] = big.data[((n * 4 + c + 1) * 12 + 2 * y) * 9 + z + 1]!;
    const w2 = randomRef([3, 2, 3, 3], 13);
    assertClose(await wg.conv2d(sliced, up(w2), { padding: 1 }).data(), conv2dRef(ref, w2, { padding: 1 }), TOL, 'sliced');
    const one = randomRef([1, 2, 5, 5], 14);
    const ex = wg.views.expand(up(one), [3, 2, 5, 5]);
    const exRef: Ref = { data: Float64Array.from({ length: 150 }, (_, i) => one.data[i % 50]!), shape: [3, 2, 5, 5] };
    assertClose(await wg.conv2d(ex, up(w2)).data(), conv2dRef(exRef, w2), TOL, 'expanded batch');
  });

  it('a 3-D input is one unbatched image', async () => {
    const x = randomRef([2, 6, 5], 15);
    const w = randomRef([3, 2, 3, 3], 16);
    const y = wg.conv2d(up(x), up(w), { padding: 1 });
    expect(y.shape).toEqual([3, 6, 5]);
    assertClose(await y.data(), conv2dRef({ ...x, shape: [1, 2, 6, 5] }, w, { padding: 1 }), TOL, 'unbatched');
  });

  it('the 3x3 Laplace filter finds the constant Laplacian of x^2 + y^2', async () => {
    // f(i, j) = i^2 + j^2 has discrete Laplacian exactly 4 inside; the zero padding shows at the border.
    const H = 6;
    const W = 7;
    const img = Array.from({ length: H }, (_, i) => Array.from({ length: W }, (_, j) => i * i + j * j));
    const x = wg.tensor([[img]]);
    const k = wg.tensor([[[[0, 1, 0], [1, -4, 1], [0, 1, 0]]]]);
    const out = (await wg.conv2d(x, k, { padding: 1 }).toArray()) as number[][][][];
    const at = (i: number, j: number) => (i < 0 || i >= H || j < 0 || j >= W ? 0 : img[i]![j]!);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const want = at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1) - 4 * at(i, j);
        expect(out[0]![0]![i]![j]).toBe(want);
        if (i > 0 && j > 0 && i < H - 1 && j < W - 1) expect(want).toBe(4);
      }
  });

  it('NaN and Inf in the input reach only the outputs whose windows hold them', async () => {
    const x = randomRef([1, 1, 6, 6], 17);
    x.data[2 * 6 + 2] = NaN;
    x.data[5 * 6 + 5] = Infinity;
    const w = randomRef([2, 1, 2, 2], 18);
    const want = conv2dRef(x, w);
    expect(want.data.filter(Number.isNaN).length).toBe(8);
    assertClose(await wg.conv2d(up(x), up(w)).data(), want, TOL, 'nan/inf');
  });
});

// The gradients run on the tiled kernel (GPUs) and, on software adapters, on the register kernel.
describe.each(['tiled', 'registers'] as const)('conv2d backward kernels against float64, %s kernel', (kernel) => {
  beforeEach(() => forceProfile({ matmul: kernel }));
  afterEach(restoreProfile);
  const cases: [string, number[], number[], ConvRefOpts][] = [
    ['stride 2 with uncovered rows', [2, 3, 10, 9], [4, 3, 3, 3], { stride: 2, padding: 1 }],
    ['groups, dilation, uneven pairs', [1, 4, 9, 11], [6, 2, 2, 3], { groups: 2, dilation: [2, 1], stride: [1, 3], padding: [0, 1] }],
    ['depthwise', [2, 3, 6, 6], [3, 1, 3, 3], { groups: 3, padding: 1 }],
    ['long reduction: split K for the weight gradient', [2, 3, 32, 32], [4, 3, 3, 3], {}],
    ['stride 3, dilation 2, padding 2, odd sizes', [2, 5, 13, 11], [7, 5, 3, 2], { stride: 3, dilation: 2, padding: 2 }],
    ['several tiles: 70 channels, 9x9 images, batch 3', [3, 70, 9, 9], [66, 70, 3, 3], { padding: 1 }],
    ['split K from mid-image, stride 2', [5, 3, 15, 14], [4, 3, 3, 3], { stride: 2, padding: 1 }],
  ];
  it.each(cases)('%s', async (label, xs, ws, o) => {
    const x = randomRef(xs, 20);
    const w = randomRef(ws, 21);
    const yShape = conv2dRef(x, w, o).shape;
    const dy = randomRef(yShape, 22);
    const [dxs, dws] = wg.grad(([a, b]: wg.Tensor[]) => wg.conv2d(a!, b!, convOpts(o)).mul(up(dy)).sum())([up(x), up(w)]);
    assertClose(await dxs!.data(), conv2dInputGradRef(dy, w, xs, o), TOL, `${label}: dx`);
    assertClose(await dws!.data(), conv2dWeightGradRef(x, dy, ws, o), { rtol: 2e-4, atol: 2e-4 }, `${label}: dw`);
  });
});

describe('pooling against float64', () => {
  const cases: [string, number[], PoolRefOpts][] = [
    ['2x2, stride defaults to the kernel', [2, 3, 8, 6], { kernelSize: 2 }],
    ['3x3 stride 2 padding 1', [1, 2, 9, 7], { kernelSize: 3, stride: 2, padding: 1 }],
    ['3x2 kernel, stride [1, 2], odd sizes', [2, 1, 7, 13], { kernelSize: [3, 2], stride: [1, 2] }],
    ['overlapping, padding [1, 0], countIncludePad false', [1, 3, 5, 6], { kernelSize: [2, 3], stride: 1, padding: [1, 0], countIncludePad: false }],
    ['1x1', [1, 2, 3, 5], { kernelSize: 1 }],
  ];
  it.each(cases)('%s', async (label, xs, o) => {
    const x = randomRef(xs, 30);
    const opts: wg.Pool2dOptions = { ...o };
    assertClose(await wg.maxPool2d(up(x), opts).data(), maxPool2dRef(x, o), { rtol: 0, atol: 0 }, `${label}: max`);
    assertClose(await wg.avgPool2d(up(x), opts).data(), avgPool2dRef(x, o), { rtol: 1e-6, atol: 1e-7 }, `${label}: avg`);
    const yShape = maxPool2dRef(x, o).shape;
    const dy = randomRef(yShape, 31);
    const gx = wg.grad((t: wg.Tensor) => wg.maxPool2d(t, opts).mul(up(dy)).sum())(up(x));
    assertClose(await gx.data(), maxPool2dBackwardRef(dy, x, o), { rtol: 1e-6, atol: 1e-7 }, `${label}: max backward`);
    const ga = wg.grad((t: wg.Tensor) => wg.avgPool2d(t, opts).mul(up(dy)).sum())(up(x));
    assertClose(await ga.data(), avgPool2dBackwardRef(dy, xs, o), { rtol: 1e-5, atol: 1e-6 }, `${label}: avg backward`);
  });

  it('non-contiguous input, number shorthand and 3-D input', async () => {
    const nhwc = randomRef([2, 6, 8, 3], 32);
    const x = permuteRef(nhwc, [0, 3, 1, 2]);
    const xv = wg.views.permute(up(nhwc), [0, 3, 1, 2]);
    assertClose(await wg.maxPool2d(xv, 2).data(), maxPool2dRef(x, { kernelSize: 2 }), { rtol: 0, atol: 0 }, 'max');
    assertClose(await wg.avgPool2d(xv, { kernelSize: 3, stride: 1, padding: 1 }).data(), avgPool2dRef(x, { kernelSize: 3, stride: 1, padding: 1 }), { rtol: 1e-6, atol: 1e-7 }, 'avg');
    const y = wg.maxPool2d(wg.views.reshape(up(x), [6, 6, 8]).slice(0, 0, 3), 2);
    expect(y.shape).toEqual([3, 3, 4]);
  });

  it('ties pick the first maximum; NaN propagates and takes the gradient', async () => {
    const x = wg.tensor([[[[1, 5, 5, 2], [5, 0, 3, 3], [NaN, 1, -Infinity, -Infinity], [2, 9, -Infinity, -Infinity]]]]);
    expect(await wg.maxPool2d(x, 2).toArray()).toEqual([[[[5, 5], [NaN, -Infinity]]]]);
    const g = wg.grad((t: wg.Tensor) => wg.maxPool2d(t, 2).sum())(x);
    expect(await g.toArray()).toEqual([[[[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]]]);
    expect(Number.isNaN((await wg.avgPool2d(x, 2).data())[2]!)).toBe(true);
  });

  it('a per-element dispatch of more than 65,535 workgroups (16.8M outputs)', async () => {
    const n = 4100;
    const x = wg.arange(n * n, undefined, 1, { dtype: 'float32' }).reshape([1, 1, n, n]);
    const y = wg.avgPool2d(x, { kernelSize: 1 });
    const d = await y.data();
    expect(d.length).toBe(n * n);
    // Elements past 65,535 x 256 come from the grid's second row of workgroups.
    for (const i of [0, 1, 65535 * 256 - 1, 65535 * 256, 65535 * 256 + 1, n * n - 1]) expect(d[i]).toBe(Math.fround(i));
    x.dispose();
    y.dispose();
  });

  it('tile grids past the per-dimension limit (limit lowered to keep it cheap)', async () => {
    const limits = wg.device().info.limits;
    const saved = limits.maxComputeWorkgroupsPerDimension;
    limits.maxComputeWorkgroupsPerDimension = 3;
    try {
      const x = randomRef([2, 6, 9, 9], 33);
      const w = randomRef([6, 2, 3, 3], 34);
      const o: ConvRefOpts = { groups: 3, padding: 1 };
      assertClose(await wg.conv2d(up(x), up(w), convOpts(o)).data(), conv2dRef(x, w, o), TOL, 'conv groups');
      const dy = randomRef(conv2dRef(x, w, o).shape, 35);
      const [dx, dw] = wg.grad(([a, b]: wg.Tensor[]) => wg.conv2d(a!, b!, convOpts(o)).mul(up(dy)).sum())([up(x), up(w)]);
      assertClose(await dx!.data(), conv2dInputGradRef(dy, w, x.shape, o), TOL, 'dx');
      assertClose(await dw!.data(), conv2dWeightGradRef(x, dy, w.shape, o), TOL, 'dw');
      const p = randomRef([3, 5, 17, 19], 36);
      assertClose(await wg.maxPool2d(up(p), 2).data(), maxPool2dRef(p, { kernelSize: 2 }), { rtol: 0, atol: 0 }, 'pool');
    } finally {
      limits.maxComputeWorkgroupsPerDimension = saved;
    }
  });
});

describe('errors name the shapes', () => {
  it('conv2d channel and group mismatches', () => {
    const x = wg.zeros([1, 3, 8, 8]);
    expect(() => wg.conv2d(x, wg.zeros([4, 2, 3, 3]))).toThrow(/conv2d: input \[1, 3, 8, 8\] and weight \[4, 2, 3, 3\]: the input has 3 channels but the weight expects 2 per group x 1 group = 2/);
    expect(() => wg.conv2d(x, wg.zeros([4, 1, 3, 3]), { groups: 2 })).toThrow(/groups=2 must divide both the 3 input channels and the 4 output channels/);
    expect(() => wg.conv2d(wg.zeros([1, 4, 8, 8]), wg.zeros([6, 1, 3, 3]), { groups: 2 })).toThrow(/4 channels but the weight expects 1 per group x 2 groups = 2/);
    expect(() => wg.conv2d(x, wg.zeros([4, 3, 3, 3]), { bias: wg.zeros([3]) })).toThrow(/bias \[3\] does not match the 4 output channels/);
    expect(() => wg.conv2d(x, wg.zeros([4, 3, 9, 3]))).toThrow(/kernel spans 9x3/);
    expect(() => wg.conv2d(wg.zeros([8, 8]), wg.zeros([4, 3, 3, 3]))).toThrow(/4-D \[N, C, H, W\]/);
    expect(() => wg.conv2d(x, wg.zeros([4, 3, 3, 3]), { stride: 0 })).toThrow(/stride must be an integer >= 1/);
    expect(() => wg.conv2d(x, wg.zeros([4, 3, 3, 3]), { padding: [1, -1] })).toThrow(/padding/);
  });
  it('pooling arguments', () => {
    const x = wg.zeros([1, 2, 4, 4]);
    expect(() => wg.maxPool2d(x, { kernelSize: 2, padding: 2 })).toThrow(/maxPool2d: padding \[2, 2\] is more than half of kernelSize \[2, 2\]/);
    expect(() => wg.avgPool2d(x, { kernelSize: 5 })).toThrow(/avgPool2d: kernelSize \[5, 5\] is larger than the padded input 4x4/);
    expect(() => wg.maxPool2d(x, {} as wg.Pool2dOptions)).toThrow(/kernelSize is required/);
  });
});

describe('conv2d and pooling gradients', () => {
  const conv = (o: ConvRefOpts) => [(x: wg.Tensor, w: wg.Tensor, b: wg.Tensor) => wg.conv2d(x, w, convOpts(o, b)), (x: Ref, w: Ref, b: Ref) => conv2dRef(x, w, { ...o, bias: b })] as const;
  it('x, w and bias with stride and padding', async () => {
    const [g, c] = conv({ stride: 2, padding: 1 });
    await gradcheck(g, c, [randomRef([2, 2, 5, 6], 40), randomRef([3, 2, 3, 3], 41), randomRef([3], 42)]);
  });
  it('groups and dilation', async () => {
    const [g, c] = conv({ groups: 2, dilation: 2, padding: [1, 2] });
    await gradcheck(g, c, [randomRef([1, 4, 6, 5], 43), randomRef([4, 2, 2, 2], 44), randomRef([4], 45)]);
  });
  it('non-contiguous input and weight', async () => {
    const [g, c] = conv({ padding: 1 });
    await gradcheck(g, c, [randomRef([1, 3, 4, 5], 46), randomRef([2, 3, 3, 3], 47), randomRef([2], 48)], {
      makeInput: (r, i) => (i < 2 ? wg.views.permute(wg.views.permute(up(r), [0, 2, 3, 1]).contiguous(), [0, 3, 1, 2]) : up(r)),
    });
  });
  it('max and avg pooling', async () => {
    const o: PoolRefOpts = { kernelSize: 3, stride: 2, padding: 1 };
    await gradcheck((x) => wg.maxPool2d(x, o), (x) => maxPool2dRef(x, o), [randomRef([2, 2, 5, 6], 49)]);
    await gradcheck((x) => wg.avgPool2d(x, o), (x) => avgPool2dRef(x, o), [randomRef([2, 2, 5, 6], 50)]);
    const q: PoolRefOpts = { kernelSize: [2, 3], stride: 1, countIncludePad: false, padding: [1, 1] };
    await gradcheck((x) => wg.avgPool2d(x, q), (x) => avgPool2dRef(x, q), [randomRef([1, 2, 4, 5], 51)]);
  });
  it('second order through conv2d and its input and weight gradients', async () => {
    // y = d/dx sum(conv2d(x, w)^2) = convT(2 conv2d(x, w), w), differentiated again in x and w.
    const o: ConvRefOpts = { stride: 2, padding: 1 };
    const gpu = (x: wg.Tensor, w: wg.Tensor) => wg.grad((t: wg.Tensor) => wg.conv2d(t, w, convOpts(o)).square().sum())(x);
    const cpu = (x: Ref, w: Ref) => {
      const y = conv2dRef(x, w, o);
      return conv2dInputGradRef({ data: y.data.map((v) => 2 * v), shape: y.shape }, w, x.shape, o);
    };
    await gradcheck(gpu, cpu, [randomRef([1, 2, 5, 5], 52), randomRef([2, 2, 3, 3], 53)]);
    const gpuW = (x: wg.Tensor, w: wg.Tensor) => wg.grad((t: wg.Tensor) => wg.conv2d(x, t, convOpts(o)).square().sum())(w);
    const cpuW = (x: Ref, w: Ref) => {
      const y = conv2dRef(x, w, o);
      return conv2dWeightGradRef(x, { data: y.data.map((v) => 2 * v), shape: y.shape }, w.shape, o);
    };
    await gradcheck(gpuW, cpuW, [randomRef([1, 2, 5, 5], 54), randomRef([2, 2, 3, 3], 55)]);
  });
  it('second order through max and avg pooling', async () => {
    const o: PoolRefOpts = { kernelSize: 2, stride: 1 };
    const gpu = (x: wg.Tensor) => wg.grad((t: wg.Tensor) => wg.maxPool2d(t, o).square().sum())(x);
    const cpu = (x: Ref) => {
      const y = maxPool2dRef(x, o);
      return maxPool2dBackwardRef({ data: y.data.map((v) => 2 * v), shape: y.shape }, x, o);
    };
    await gradcheck(gpu, cpu, [randomRef([1, 2, 4, 4], 56)]);
    const gpuA = (x: wg.Tensor) => wg.grad((t: wg.Tensor) => wg.avgPool2d(t, o).square().sum())(x);
    const cpuA = (x: Ref) => {
      const y = avgPool2dRef(x, o);
      return avgPool2dBackwardRef({ data: y.data.map((v) => 2 * v), shape: y.shape }, x.shape, o);
    };
    await gradcheck(gpuA, cpuA, [randomRef([1, 2, 4, 4], 57)]);
  });
});
