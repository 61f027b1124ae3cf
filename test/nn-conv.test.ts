// The image and sequence layers (Conv1d, Conv2d, ConvTranspose2d, the poolings, Unflatten) and their
// nn.functional forms against float64 references, with gradient checks for every option on odd
// sizes, PyTorch's argument forms, state dict layouts, initialisation and input errors.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import { nn } from '../src/index.ts';
import { assertClose, randomRef, type Ref } from './reference/index.ts';
import { gradcheck } from './reference/gradcheck.ts';
import {
  adaptiveAvgPool2dRef,
  adaptiveMaxPool2dRef,
  avgPool2dRef,
  conv1dRef,
  conv2dRef,
  convTranspose2dRef,
  maxPool2dRef,
  type ConvRefOpts,
  type PoolRefOpts,
} from './reference/conv.ts';

const F = nn.functional;
const up = (r: Ref) => wg.tensor(Float32Array.from(r.data), { shape: r.shape });
const TOL = { rtol: 1e-4, atol: 1e-4 };
const refOf = async (t: wg.Tensor): Promise<Ref> => ({ data: Float64Array.from(await t.data()), shape: [...t.shape] });

/** Zero padding of the last two axes by [top, bottom, left, right]. */
function padRef(x: Ref, [t, b, l, r]: number[]): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = H + t! + b!;
  const OW = W + l! + r!;
  const data = new Float64Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++) for (let y = 0; y < H; y++) for (let z = 0; z < W; z++) data[(p * OH + y + t!) * OW + z + l!] = x.data[(p * H + y) * W + z]!;
  return { data, shape: [N, C, OH, OW] };
}

/** PyTorch's 'same': total d*(k-1) per axis, the odd one at the end. */
function sameRef(x: Ref, w: Ref, o: ConvRefOpts & { bias?: Ref }): Ref {
  const [dh, dw] = typeof o.dilation === 'number' ? [o.dilation, o.dilation] : (o.dilation ?? [1, 1]);
  const th = dh * (w.shape[2]! - 1);
  const tw = dw * (w.shape[3]! - 1);
  return conv2dRef(padRef(x, [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)]), w, { ...o, padding: 0 });
}

describe('F.conv2d: options, padding modes and PyTorch argument forms', () => {
  const x = randomRef([2, 7, 3, 5], 1);
  it('stride 2 with padding 1 on 3x5 images of 7 channels, positional and options forms agree', async () => {
    const w = randomRef([4, 7, 3, 3], 2);
    const b = randomRef([4], 3);
    const want = conv2dRef(x, w, { bias: b, stride: 2, padding: 1 });
    assertClose(await F.conv2d(up(x), up(w), up(b), 2, 1).data(), want, TOL, 'positional');
    assertClose(await F.conv2d(up(x), up(w), { bias: up(b), stride: 2, padding: 1 }).data(), want, TOL, 'options');
    assertClose(await F.conv2d(up(x), up(w), up(b), { stride: 2, padding: 1 }).data(), want, TOL, 'mixed');
    assertClose(await F.conv2d(up(x), up(w), up(b), 2, 1, 1, 1).data(), want, TOL, 'all positional');
  });
  it("groups and dilation; 'same' with odd and even kernels; 'valid'", async () => {
    const x2 = randomRef([1, 6, 5, 7], 4);
    const w = randomRef([9, 2, 2, 3], 5);
    assertClose(await F.conv2d(up(x2), up(w), null, 1, [1, 2], 2, 3).data(), conv2dRef(x2, w, { padding: [1, 2], dilation: 2, groups: 3 }), TOL, 'groups+dilation');
    const same = F.conv2d(up(x2), up(w), { padding: 'same', groups: 3, dilation: [1, 2] });
    expect(same.shape).toEqual([1, 9, 5, 7]);
    assertClose(await same.data(), sameRef(x2, w, { dilation: [1, 2], groups: 3 }), TOL, 'same, even kernel (asymmetric)');
    const w3 = randomRef([3, 6, 3, 3], 6);
    assertClose(await F.conv2d(up(x2), up(w3), null, 1, 'same').data(), conv2dRef(x2, w3, { padding: 1 }), TOL, 'same, odd kernel');
    assertClose(await F.conv2d(up(x2), up(w3), { padding: 'valid' }).data(), conv2dRef(x2, w3), TOL, 'valid');
  });
  it('gradients: stride 2 + padding 1, groups + dilation, asymmetric same padding', async () => {
    await gradcheck(
      (a, w, b) => F.conv2d(a, w, b, 2, 1),
      (a, w, b) => conv2dRef(a, w, { bias: b, stride: 2, padding: 1 }),
      [randomRef([1, 7, 3, 5], 7), randomRef([2, 7, 3, 3], 8), randomRef([2], 9)],
    );
    await gradcheck(
      (a, w, b) => F.conv2d(a, w, b, [1, 2], [1, 0], [2, 1], 2),
      (a, w, b) => conv2dRef(a, w, { bias: b, stride: [1, 2], padding: [1, 0], dilation: [2, 1], groups: 2 }),
      [randomRef([1, 4, 5, 5], 10), randomRef([4, 2, 2, 3], 11), randomRef([4], 12)],
    );
    await gradcheck(
      (a, w) => F.conv2d(a, w, { padding: 'same' }),
      (a, w) => sameRef(a, w, {}),
      [randomRef([1, 2, 3, 5], 13), randomRef([2, 2, 2, 4], 14)],
    );
  });
  it('an ignored or doubled argument is an error', () => {
    const t = up(x);
    const w = wg.zeros([4, 7, 3, 3]);
    expect(() => F.conv2d(t, w, null, 1, 1, 1, 1, { stride: 2 })).toThrow(/conv2d: stride is given twice/);
    expect(() => F.conv2d(t, w, { strides: 2 } as never)).toThrow(/unknown option 'strides'.*did you mean 'stride'/);
    expect(() => F.conv2d(t, w, 3 as never)).toThrow(/conv2d: bias must be a Tensor or null/);
    expect(() => F.conv2d(t, w, { padding: 'same', stride: 2 })).toThrow(/padding 'same' needs stride 1/);
    expect(() => (F.conv2d as (...a: unknown[]) => wg.Tensor)(t, w, null, 1, 1, 1, 1, 2)).toThrow(/conv2d: too many arguments/);
  });
});

describe('Conv2d', () => {
  it('forward equals the float64 reference with its own parameters, and the state dict has torch layouts', async () => {
    const m = new nn.Conv2d(7, 6, [3, 2], { stride: 2, padding: 1, groups: 1 });
    const sd = m.stateDict();
    expect(Object.keys(sd).sort()).toEqual(['bias', 'weight']);
    expect(sd.weight!.shape).toEqual([6, 7, 3, 2]);
    expect(sd.bias!.shape).toEqual([6]);
    const x = randomRef([2, 7, 3, 5], 20);
    const want = conv2dRef(x, await refOf(m.weight), { bias: await refOf(m.bias!), stride: 2, padding: 1 });
    const y = m(up(x));
    expect(y.shape).toEqual(want.shape);
    assertClose(await y.data(), want, TOL, 'Conv2d');
    const g = new nn.Conv2d(6, 9, 3, 1, 2, 2, 3, false);
    expect(g.weight.shape).toEqual([9, 2, 3, 3]);
    expect(g.bias).toBeNull();
    expect(Object.keys(g.stateDict())).toEqual(['weight']);
  });

  it('the Laplace filter as a fixed weight loaded by state dict matches the reference exactly', async () => {
    const m = new nn.Conv2d(1, 1, 3, { padding: 1, bias: false });
    const lap = [0, 1, 0, 1, -4, 1, 0, 1, 0];
    m.loadStateDict({ weight: wg.tensor(lap, { shape: [1, 1, 3, 3] }) });
    // Small integers: every product and sum is exact in float32.
    const img: Ref = { data: Float64Array.from({ length: 5 * 6 }, (_, i) => ((i * 7) % 11) - 5), shape: [1, 1, 5, 6] };
    const want = conv2dRef(img, { data: Float64Array.from(lap), shape: [1, 1, 3, 3] }, { padding: 1 });
    expect(Array.from(await m(up(img)).data())).toEqual(Array.from(want.data));
  });

  it('loads a hand-built PyTorch state dict (grouped, with bias) and computes with it', async () => {
    const w = randomRef([4, 3, 3, 3], 21);
    const b = randomRef([4], 22);
    const m = new nn.Conv2d(6, 4, 3, { groups: 2, padding: 1 });
    m.loadStateDict({ weight: wg.tensor(Float32Array.from(w.data), { shape: [4, 3, 3, 3] }), bias: up(b) });
    const x = randomRef([1, 6, 5, 3], 23);
    assertClose(await m(up(x)).data(), conv2dRef(x, w, { bias: b, padding: 1, groups: 2 }), TOL, 'loaded');
    expect(() => m.loadStateDict({ weight: wg.zeros([4, 6, 3, 3]), bias: up(b) })).toThrow(/'weight' has shape \[4, 6, 3, 3\] in the state dict but \[4, 3, 3, 3\]/);
  });

  it("initialises as torch: U(±1/√fanIn) for weight and bias, fanIn = in/groups * kh * kw", async () => {
    const m = new nn.Conv2d(8, 64, [3, 5], { groups: 2 });
    const bound = 1 / Math.sqrt(4 * 15);
    const w = await m.weight.data();
    const b = await m.bias!.data();
    const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((s, q) => Math.max(s, Math.abs(q)), 0);
    expect(maxAbs(w)).toBeLessThanOrEqual(bound);
    expect(maxAbs(w)).toBeGreaterThan(0.95 * bound);
    expect(maxAbs(b)).toBeLessThanOrEqual(bound);
    const std = Math.sqrt(Array.from(w).reduce((s, q) => s + q * q, 0) / w.length);
    expect(std).toBeCloseTo(bound / Math.sqrt(3), 2);
    // ConvTranspose2d takes fan in from weight dimension 1 (out/groups).
    const t = new nn.ConvTranspose2d(4, 6, 3, { groups: 2 });
    expect(t.weight.shape).toEqual([4, 3, 3, 3]);
    expect(maxAbs(await t.weight.data())).toBeLessThanOrEqual(1 / Math.sqrt(27));
    expect(maxAbs(await t.weight.data())).toBeGreaterThan(0.9 / Math.sqrt(27));
  });

  it('bad input fails before GPU work, naming the layer, the expected shape and the one received', () => {
    const m = new nn.Conv2d(3, 4, 3);
    expect(() => m(wg.zeros([2, 4, 8, 8]))).toThrow(/Conv2d: expected input \[N, 3, H, W\] or \[3, H, W\], got \[2, 4, 8, 8\]/);
    expect(() => m(wg.zeros([8, 8]))).toThrow(/Conv2d: expected input \[N, 3, H, W\] or \[3, H, W\], got \[8, 8\]/);
    expect(() => m(wg.zeros([1, 3, 2, 8]))).toThrow(/Conv2d: the kernel spans 3x3, larger than the padded input 2x8 of input \[1, 3, 2, 8\]/);
    expect(() => new nn.Conv2d(6, 4, 3, { groups: 4 })).toThrow(/Conv2d: groups=4 must divide both inChannels=6 and outChannels=4/);
    expect(() => new nn.Conv2d(3, 4, 3, { paddingMode: 'reflect' })).toThrow(/Conv2d: paddingMode 'reflect' is not supported/);
    expect(() => new nn.Conv2d(3, 4, 3, { strid: 2 } as never)).toThrow(/Conv2d: unknown option 'strid'/);
    expect(() => new nn.Conv1d(3, 4, 3)(wg.zeros([2, 5, 9]))).toThrow(/Conv1d: expected input \[N, 3, L\] or \[3, L\], got \[2, 5, 9\]/);
    expect(() => new nn.ConvTranspose2d(3, 4, 3)(wg.zeros([1, 2, 4, 4]))).toThrow(/ConvTranspose2d: expected input \[N, 3, H, W\] or \[3, H, W\], got \[1, 2, 4, 4\]/);
    expect(() => new nn.MaxPool2d(4)(wg.zeros([1, 1, 3, 5]))).toThrow(/MaxPool2d: kernelSize \[4, 4\] is larger than the padded input 3x5 of input \[1, 1, 3, 5\]/);
  });

  it('the layer error comes before any dispatch', () => {
    const m = new nn.Conv2d(3, 4, 3);
    const x = wg.zeros([2, 4, 8, 8]);
    const before = wg.stats().dispatches;
    const live = wg.stats().liveBuffers;
    expect(() => m(x)).toThrow(/Conv2d/);
    expect(wg.stats().dispatches).toBe(before);
    expect(wg.stats().liveBuffers).toBe(live);
  });
});

describe('Conv1d', () => {
  it('forward and gradients with stride, padding, dilation, groups, bias', async () => {
    const x = randomRef([2, 6, 11], 30);
    const m = new nn.Conv1d(6, 4, 3, { stride: 2, padding: 1, dilation: 2, groups: 2 });
    expect(m.weight.shape).toEqual([4, 3, 3]);
    const want = conv1dRef(x, await refOf(m.weight), { bias: await refOf(m.bias!), stride: 2, padding: 1, dilation: 2, groups: 2 });
    const y = m(up(x));
    expect(y.shape).toEqual([2, 4, 5]);
    assertClose(await y.data(), want, TOL, 'Conv1d');
    const o = { stride: 2, padding: 1, dilation: 2, groups: 2 };
    await gradcheck((a, w, b) => F.conv1d(a, w, b, 2, 1, 2, 2), (a, w, b) => conv1dRef(a, w, { ...o, bias: b }), [randomRef([1, 4, 7], 31), randomRef([2, 2, 3], 32), randomRef([2], 33)]);
    const u = F.conv1d(up({ data: x.data.slice(0, 66), shape: [6, 11] }), m.weight, { padding: 'same', groups: 2, bias: m.bias });
    expect(u.shape).toEqual([4, 11]);
  });
});

describe('ConvTranspose2d', () => {
  const cases: [string, number[], number[], ConvRefOpts & { outputPadding?: number | [number, number] }][] = [
    ['stride 2, padding 1, outputPadding 1', [2, 7, 3, 5], [7, 4, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
    ['groups, dilation, mixed pairs', [1, 6, 4, 3], [6, 2, 2, 3], { groups: 3, dilation: [2, 1], stride: [1, 3], padding: [1, 0], outputPadding: [0, 2] }],
    ['plain 1x1', [1, 3, 3, 5], [3, 5, 1, 1], {}],
  ];
  it.each(cases)('forward: %s', async (label, xs, ws, o) => {
    const x = randomRef(xs, 40);
    const w = randomRef(ws, 41);
    const b = randomRef([ws[1]! * (o.groups ?? 1)], 42);
    const want = convTranspose2dRef(x, w, { ...o, bias: b });
    const y = F.convTranspose2d(up(x), up(w), up(b), o.stride, o.padding, o.outputPadding, o.groups, o.dilation);
    expect(y.shape).toEqual(want.shape);
    assertClose(await y.data(), want, TOL, label);
  });
  it('the module: torch layout [in, out/groups, kh, kw], forward and gradients', async () => {
    const m = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    expect(m.weight.shape).toEqual([4, 3, 3, 3]);
    expect(m.bias!.shape).toEqual([6]);
    const x = randomRef([1, 4, 3, 5], 43);
    const o = { stride: 2, padding: 1, outputPadding: 1, groups: 2 };
    const y = m(up(x));
    expect(y.shape).toEqual([1, 6, 6, 10]);
    assertClose(await y.data(), convTranspose2dRef(x, await refOf(m.weight), { ...o, bias: await refOf(m.bias!) }), TOL, 'module');
    await gradcheck(
      (a, w, b) => F.convTranspose2d(a, w, { bias: b, ...o }),
      (a, w, b) => convTranspose2dRef(a, w, { ...o, bias: b }),
      [randomRef([1, 4, 3, 5], 44), randomRef([4, 3, 3, 3], 45), randomRef([6], 46)],
    );
    await gradcheck(
      (a, w) => F.convTranspose2d(a, w, null, 1, [0, 1], 0, 1, 2),
      (a, w) => convTranspose2dRef(a, w, { padding: [0, 1], dilation: 2 }),
      [randomRef([1, 2, 3, 4], 47), randomRef([2, 3, 2, 2], 48)],
    );
  });
  it('errors', () => {
    expect(() => F.convTranspose2d(wg.zeros([1, 3, 4, 4]), wg.zeros([2, 2, 3, 3]))).toThrow(/convTranspose2d: input \[1, 3, 4, 4\] and weight \[2, 2, 3, 3\]: the input has 3 channels/);
    expect(() => F.convTranspose2d(wg.zeros([1, 2, 4, 4]), wg.zeros([2, 2, 3, 3]), { stride: 2, outputPadding: 2 })).toThrow(/outputPadding \[2, 2\] must be smaller than stride \[2, 2\]/);
    expect(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 })).toThrow(/ConvTranspose2d: groups=2 must divide/);
  });
});

describe('pooling layers and functional forms', () => {
  const cases: [string, number[], PoolRefOpts][] = [
    ['3x3 stride 2 padding 1 ceilMode on 3x5', [2, 7, 3, 5], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }],
    ['2x2 ceilMode, odd sizes', [1, 3, 5, 7], { kernelSize: 2, ceilMode: true }],
    ['[3, 2] stride [2, 1] ceilMode countIncludePad false', [1, 2, 6, 5], { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1], ceilMode: true, countIncludePad: false }],
  ];
  it.each(cases)('%s: forward and gradients', async (label, xs, o) => {
    const x = randomRef(xs, 50);
    const max = new nn.MaxPool2d(o.kernelSize, { stride: o.stride, padding: o.padding, ceilMode: o.ceilMode });
    const avg = new nn.AvgPool2d(o.kernelSize, { stride: o.stride, padding: o.padding, ceilMode: o.ceilMode, countIncludePad: o.countIncludePad });
    const ym = max(up(x));
    expect(ym.shape).toEqual(maxPool2dRef(x, o).shape);
    assertClose(await ym.data(), maxPool2dRef(x, o), { rtol: 0, atol: 0 }, `${label}: max`);
    assertClose(await avg(up(x)).data(), avgPool2dRef(x, o), { rtol: 1e-6, atol: 1e-6 }, `${label}: avg`);
    const small = randomRef([1, ...xs.slice(1)].map((s, i) => (i === 1 ? Math.min(s, 2) : s)), 51);
    await gradcheck((a) => max(a), (a) => maxPool2dRef(a, o), [small]);
    await gradcheck((a) => avg(a), (a) => avgPool2dRef(a, o), [small]);
  });
  it("PyTorch's positional forms; kernel then options works as PyTorch would", async () => {
    const x = randomRef([1, 2, 7, 6], 52);
    const o = { kernelSize: 3, stride: 2, padding: 1 };
    const want = avgPool2dRef(x, o);
    assertClose(await F.avgPool2d(up(x), 3, 2, 1).data(), want, { rtol: 1e-6, atol: 1e-6 }, 'positional');
    assertClose(await wg.avgPool2d(up(x), 3, { stride: 2, padding: 1 }).data(), want, { rtol: 1e-6, atol: 1e-6 }, 'kernel + options');
    assertClose(await F.maxPool2d(up(x), 3, 2, 1, 1, true).data(), maxPool2dRef(x, { ...o, ceilMode: true }), { rtol: 0, atol: 0 }, 'max positional with ceilMode');
    assertClose(await new nn.MaxPool2d(3, 2, 1, 1, false, true)(up(x)).data(), maxPool2dRef(x, { ...o, ceilMode: true }), { rtol: 0, atol: 0 }, 'MaxPool2d positional');
    assertClose(await new nn.AvgPool2d(3, 2, 1, false, false)(up(x)).data(), avgPool2dRef(x, { ...o, countIncludePad: false }), { rtol: 1e-6, atol: 1e-6 }, 'AvgPool2d positional');
    expect(() => wg.avgPool2d(up(x), 3, { stride: 2, kernelSize: 2 } as never)).toThrow(/kernelSize is given twice/);
    expect(() => F.maxPool2d(up(x), 3, 2, 1, 2)).toThrow(/maxPool2d: dilation \[2, 2\] is not supported/);
    expect(() => F.maxPool2d(up(x), 3, 2, 1, 1, false, true as never)).toThrow(/returnIndices is not supported/);
    expect(() => F.avgPool2d(up(x), 3, { ceil: true } as never)).toThrow(/unknown option 'ceil'/);
  });
  const adaptive: [string, number[], [number, number]][] = [
    ['7x5 to 3x2 (overlapping windows)', [2, 3, 7, 5], [3, 2]],
    ['3x5 to 1x1 (global)', [1, 7, 3, 5], [1, 1]],
    ['3x4 to 5x6 (more outputs than inputs)', [1, 2, 3, 4], [5, 6]],
  ];
  it.each(adaptive)('adaptive pooling %s: forward and gradients', async (label, xs, out) => {
    const x = randomRef(xs, 53);
    assertClose(await new nn.AdaptiveAvgPool2d(out)(up(x)).data(), adaptiveAvgPool2dRef(x, out), { rtol: 1e-6, atol: 1e-6 }, `${label}: avg`);
    assertClose(await new nn.AdaptiveMaxPool2d(out)(up(x)).data(), adaptiveMaxPool2dRef(x, out), { rtol: 0, atol: 0 }, `${label}: max`);
    const small = randomRef([1, Math.min(xs[1]!, 2), xs[2]!, xs[3]!], 54);
    await gradcheck((a) => F.adaptiveAvgPool2d(a, out), (a) => adaptiveAvgPool2dRef(a, out), [small]);
    await gradcheck((a) => F.adaptiveMaxPool2d(a, out), (a) => adaptiveMaxPool2dRef(a, out), [small]);
  });
  it('adaptive output sizes: a number, null keeps the input size, 3-D input, errors', async () => {
    const x = randomRef([2, 5, 6], 55);
    const y = F.adaptiveAvgPool2d(up(x), [null, 2]);
    expect(y.shape).toEqual([2, 5, 2]);
    assertClose(await y.data(), adaptiveAvgPool2dRef({ ...x, shape: [1, 2, 5, 6] }, [5, 2]), { rtol: 1e-6, atol: 1e-6 }, 'null');
    expect(F.adaptiveMaxPool2d(up(x), 1).shape).toEqual([2, 1, 1]);
    expect(() => F.adaptiveAvgPool2d(up(x), 0)).toThrow(/adaptiveAvgPool2d: outputSize must be a positive integer/);
    expect(() => new nn.AdaptiveAvgPool2d([2, 0])).toThrow(/AdaptiveAvgPool2d: outputSize/);
    expect(() => new nn.AdaptiveMaxPool2d(2)(wg.zeros([4, 4]))).toThrow(/AdaptiveMaxPool2d: expected input \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]/);
  });
});

describe('Unflatten and F.pad', () => {
  it('Unflatten undoes Flatten; -1 is inferred; wrong sizes fail', async () => {
    const x = wg.arange(24, undefined, 1, { dtype: 'float32' }).reshape([2, 12]);
    const u = new nn.Unflatten(1, [3, -1]);
    const y = u(x);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(new nn.Flatten()(y).shape).toEqual([2, 12]);
    expect(new nn.Unflatten(-1, [2, 2, 3])(x).shape).toEqual([2, 2, 2, 3]);
    expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
    expect(() => new nn.Unflatten(1, [5, 2])(x)).toThrow(/Unflatten: cannot unflatten dimension 1 of size 12 of input \[2, 12\] into \[5, 2\]/);
  });
  it('F.pad takes mode and value positionally', async () => {
    const x = wg.tensor([[1, 2], [3, 4]]);
    expect(await F.pad(x, [1, 0], 'constant', 9).toArray()).toEqual([[9, 1, 2], [9, 3, 4]]);
    expect(await F.pad(x, [0, 1, 1, 0], 'replicate').toArray()).toEqual([[1, 2, 2], [1, 2, 2], [3, 4, 4]]);
    expect(await F.pad(x, [1, 1], { value: -1 }).toArray()).toEqual([[-1, 1, 2, -1], [-1, 3, 4, -1]]);
  });
});
