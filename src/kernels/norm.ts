// Fused normalization over rows (LayerNorm, GroupNorm): one forward kernel (statistics + normalize +
// affine) and one backward kernel (the input gradient, plus each row's mean and rstd for the weight
// and bias gradients). Rows are contiguous; see shaders/norm_common.wgsl for the weight indexing.
// Variant from the profile: one invocation per row on the software plan (no barriers), one workgroup
// per row with a tree reduction on the gpu plan (rowPerInvocation, as softmax). Batch norm's channels
// are not contiguous rows ([N, C, *] strides them by C * inner), so it has its own two kernels below.
import { fail, type Device, type KernelSpec, type UniformWriter } from '../device/index.ts';
import { WG } from './constants.ts';
import { params } from './params.ts';
import { profileOf, rowPerInvocation } from './profile.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';
import { contiguousStrides, numel, type View } from './view.ts';

export const NormParams = params('Norm', {
  nrows: 'u32',
  n: 'u32',
  /** Weight index of element j of row r: (r % groups) * cpg + j / inner. */
  inner: 'u32',
  groups: 'u32',
  cpg: 'u32',
  eps: 'f32',
  /** Element offsets of X, G (backward), W, B (forward). */
  offs: 'vec4<u32>',
});

export interface NormLayout {
  rows: number;
  /** Elements per row. */
  n: number;
  inner: number;
  groups: number;
  cpg: number;
  eps: number;
}

function contiguous(op: string, v: View): void {
  const c = contiguousStrides(v.shape);
  if (v.dtype !== 'float32' || v.shape.some((s, i) => s !== 1 && v.strides[i] !== c[i]))
    fail(op, `expects contiguous float32 operands, got ${v.dtype} with strides [${v.strides.join(', ')}]`, 'call .contiguous() first');
}

function check(op: string, l: NormLayout, views: (View | null)[]): boolean {
  for (const v of views) if (v) contiguous(op, v);
  if (l.rows * l.n !== numel(views[0]!.shape)) fail(op, `${l.rows} rows of ${l.n} do not cover ${numel(views[0]!.shape)} elements`);
  return l.rows * l.n > 0;
}

function spec(kind: 'norm' | 'norm_backward', perThread: boolean, hasW: boolean, hasB: boolean): KernelSpec {
  return cachedSpec(`${kind}|${perThread}|${hasW}|${hasB}`, () => ({
    name: `${kind === 'norm' ? 'normForward' : 'normBackward'}${perThread ? ':t' : ''}`,
    source: render(kind, NormParams, {}),
    reads: 3,
    writes: kind === 'norm' ? 1 : 2,
    constants: { PER_THREAD: perThread ? 1 : 0, HAS_W: hasW ? 1 : 0, ...(kind === 'norm' ? { HAS_B: hasB ? 1 : 0 } : {}) } as Record<string, number>,
  }));
}

function write(l: NormLayout, offs: number[]) {
  return (w: UniformWriter) =>
    NormParams.write(w, { nrows: l.rows, n: l.n, inner: l.inner, groups: l.groups, cpg: l.cpg, eps: l.eps, offs });
}

/** out = (x - mean) * rsqrt(var + eps) * w + b per row; w and b optional. */
export function normForward(dev: Device, l: NormLayout, x: View, w: View | null, b: View | null, out: View): void {
  if (!check('layerNorm', l, [x, w, b, out])) return;
  const perThread = rowPerInvocation(profileOf(dev), l.rows, l.n);
  dev.dispatch(
    spec('norm', perThread, !!w, !!b),
    write(l, [x.offset, 0, w?.offset ?? 0, b?.offset ?? 0]),
    [x.buffer, (w ?? x).buffer, (b ?? x).buffer, out.buffer],
    dev.grid(perThread ? Math.ceil(l.rows / WG) : l.rows),
  );
}

/** dx of normForward for the incoming gradient g, and stats[r] = (mean, rstd) of row r ([rows, 2]). */
export function normBackward(dev: Device, l: NormLayout, x: View, g: View, w: View | null, dx: View, stats: View): void {
  if (!check('layerNormBackward', l, [x, g, w, dx, stats])) return;
  const perThread = rowPerInvocation(profileOf(dev), l.rows, l.n);
  dev.dispatch(
    spec('norm_backward', perThread, !!w, false),
    write(l, [x.offset, g.offset, w?.offset ?? 0, 0]),
    [x.buffer, g.buffer, (w ?? x).buffer, dx.buffer, stats.buffer],
    dev.grid(perThread ? Math.ceil(l.rows / WG) : l.rows),
  );
}

/** Bits of ChannelParams.flags: which optional operands of channelAffine are bound. */
export const CHANNEL_FLAGS = { s: 1, b: 2, r: 4, stats: 8 } as const;

export const ChannelParams = params(
  'Channel',
  {
    n: 'u32',
    /** Elements per (sample, channel) block: the product of the dimensions after the channel. */
    inner: 'u32',
    channels: 'u32',
    flags: 'u32',
    /** Element offsets of A, B. */
    offs: 'vec4<u32>',
    /** Element offsets of P, S, Q, R. */
    coffs: 'vec4<u32>',
  },
  CHANNEL_FLAGS,
);

/** The per-channel operands of channelAffine ([C] each); s, q (with b) and r may be absent. */
export interface ChannelTerms {
  p: View;
  s: View | null;
  b: View | null;
  q: View | null;
  r: View | null;
}

/**
 * out = p[c] * (a - s[c]) + q[c] * b + r[c] over contiguous [N, C, *] a, b and out, c the channel
 * (dimension 1) of each element: batch norm's forward map and its input gradient in one pass each.
 */
export function channelAffine(dev: Device, channels: number, inner: number, a: View, t: ChannelTerms, out: View): void {
  const n = numel(out.shape);
  for (const v of [a, t.b, out, t.p, t.s, t.q, t.r]) if (v) contiguous('channelAffine', v);
  if (numel(a.shape) !== n || (t.b && numel(t.b.shape) !== n)) fail('channelAffine', `operands of ${numel(a.shape)} and ${t.b ? numel(t.b.shape) : n} elements for an output of ${n}`);
  if (!!t.b !== !!t.q) fail('channelAffine', 'b and q come together');
  if (n === 0) return;
  const flags = (t.s ? CHANNEL_FLAGS.s : 0) | (t.b ? CHANNEL_FLAGS.b : 0) | (t.r ? CHANNEL_FLAGS.r : 0);
  dev.dispatch(
    cachedSpec('channel', () => ({ name: 'channelAffine', source: render('norm_channel', ChannelParams, {}), reads: 6, writes: 1 })),
    (w) =>
      ChannelParams.write(w, {
        n,
        inner: Math.max(inner, 1),
        channels,
        flags,
        offs: [a.offset, t.b?.offset ?? 0],
        coffs: [t.p.offset, t.s?.offset ?? 0, t.q?.offset ?? 0, t.r?.offset ?? 0],
      }),
    [a.buffer, (t.b ?? a).buffer, t.p.buffer, (t.s ?? t.p).buffer, (t.q ?? t.p).buffer, (t.r ?? t.p).buffer, out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}

/**
 * Per-channel sums over contiguous [N, C, *] operands into out ([2C], contiguous): with g null, the mean
 * and biased variance of x (out[c], out[C + c]); else sum(g) and sum(g * (x - m[c])).
 */
export function channelSums(dev: Device, channels: number, inner: number, x: View, g: View | null, m: View | null, out: View): void {
  for (const v of [x, g, m, out]) if (v) contiguous('channelSums', v);
  const n = numel(x.shape);
  if (numel(out.shape) !== 2 * channels || (g && numel(g.shape) !== n) || !!g !== !!m) fail('channelSums', `operands of ${n}, ${g ? numel(g.shape) : '-'} and ${numel(out.shape)} elements for ${channels} channels`);
  if (channels === 0) return;
  // Not rowPerInvocation: its software rule (rows up to 64K per invocation) would put a 16-channel batch
  // norm's 100K-element channels on 16 invocations of one workgroup, one core.
  const p = profileOf(dev);
  const perThread = n / channels <= p.shortRow || (p.plan === 'software' && channels >= p.softwareRows);
  dev.dispatch(
    cachedSpec(`channel_sums|${perThread}`, () => ({
      name: `channelSums${perThread ? ':t' : ''}`,
      source: render('norm_channel_sums', ChannelParams, {}),
      reads: 3,
      writes: 1,
      constants: { PER_THREAD: perThread ? 1 : 0 },
    })),
    (w) =>
      ChannelParams.write(w, {
        n,
        inner: Math.max(inner, 1),
        channels,
        flags: g ? 0 : CHANNEL_FLAGS.stats,
        offs: [x.offset, g?.offset ?? 0],
        coffs: [0, m?.offset ?? 0],
      }),
    [x.buffer, (g ?? x).buffer, (m ?? x).buffer, out.buffer],
    dev.grid(perThread ? Math.ceil(channels / WG) : channels),
  );
}
