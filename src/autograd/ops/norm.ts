// Normalization: layerNorm and groupNorm as one fused forward kernel and one fused backward kernel each
// (src/kernels/norm.ts). batchNorm is two passes each way: the channel statistics (channelSums) and one
// per-channel affine map (channelAffine); forward the batch's mean and variance, then the normalized
// output; backward sum(dy) and sum(dy * (x - mean)), then dx. Composed from reductions and broadcast
// elementwise ops it was 7x slower (the [1, C, 1, 1] operands walk the generic strided map, over the
// whole activation, many times). Under createGraph the backward is the same math as differentiable ops
// (channelAffine has its own rule), so it differentiates twice. Running statistics are updated in place
// on the GPU.
//
// The weight and bias gradients of layerNorm / groupNorm sum dy * xhat and dy over every row, while
// the fused backward owns one row per invocation (or workgroup): a row cannot own a column sum without
// atomics. So the backward kernel writes dx plus each row's (mean, rstd), and dweight / dbias are one
// fused elementwise chain (dy * (x - mean) * rstd) followed by a reduction over the rows.
import { fail, shapeStr } from '../../device/index.ts';
import { channelAffine as channelKernel, channelSums, normBackward, normForward, numel, type NormLayout } from '../../kernels/index.ts';
import { contiguousRaw, empty, full, tidy, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op } from '../define.ts';
import { isGradEnabled, noGrad } from '../graph.ts';
import { add, mul, neg, rsqrt, sub } from './elementwise.ts';
import { add_ } from './inplace.ts';
import { mean, runReduce, sum, var as variance } from './reduce.ts';
import { reshape, slice } from './views.ts';

export interface RowNormAttrs {
  layout: NormLayout;
  weight: boolean;
  bias: boolean;
  /** The weight's (and bias's) shape. */
  wshape: number[];
}

/** x is [N, C, *]: `channels` C, `inner` the product of the dimensions after C. */
export interface ChannelLayout {
  channels: number;
  inner: number;
  /** Every axis but the channel's, the ones per-channel sums reduce. */
  axes: number[];
}

/** Inputs [a, p, s?, b, q?, r?]: out = p * (a - s) + q * b + r per channel. */
export interface ChannelAttrs extends ChannelLayout {
  s: boolean;
  b: boolean;
  r: boolean;
}

/**
 * Inputs [x, weight?, bias?, mean, rstd]: the batch's statistics, computed without a graph and saved,
 * so a first-order backward does not reduce x again.
 */
export interface BatchNormAttrs extends ChannelLayout {
  eps: number;
  weight: boolean;
  bias: boolean;
}

export interface NormFamilyAttrs {
  layerNorm: RowNormAttrs;
  groupNorm: RowNormAttrs;
  channelAffine: ChannelAttrs;
  batchNorm: BatchNormAttrs;
}

function flat(t: Tensor): Tensor {
  return t.isContiguous() && t.dtype === 'float32' ? t : contiguousRaw(t, 'float32', 'contiguous');
}

function rowNorm(name: string) {
  return {
    forward: (ins: Tensor[], a: RowNormAttrs): Tensor => {
      const x = flat(ins[0]!);
      const w = a.weight ? flat(ins[1]!) : null;
      const b = a.bias ? flat(ins[a.weight ? 2 : 1]!) : null;
      const out = empty(ins[0]!.shape, 'float32', name);
      normForward(out.dev, a.layout, x, w, b, out);
      for (const [t, o] of [[x, ins[0]], [w, ins[1]], [b, ins[a.weight ? 2 : 1]]] as const) if (t && t !== o) t.dispose();
      return out;
    },
    backward: (g: Tensor, c: { inputs: Tensor[]; attrs: RowNormAttrs; needs: boolean[] }): (Tensor | null)[] => {
      if (isGradEnabled()) fail(name, 'its second-order gradient is not implemented', 'compose the normalization from mean, var and elementwise ops to differentiate it twice');
      const a = c.attrs;
      const L = a.layout;
      const x = flat(c.inputs[0]!);
      const gy = flat(g);
      const w = a.weight ? flat(c.inputs[1]!) : null;
      const dx = empty(x.shape, 'float32', `${name}Backward`);
      const st = empty([L.rows, 2], 'float32', `${name}Backward`);
      normBackward(dx.dev, L, x, gy, w, dx, st);
      const out: (Tensor | null)[] = [c.needs[0] ? dx : null];
      const wantW = a.weight && c.needs[1];
      const wantB = a.bias && c.needs[a.weight ? 2 : 1];
      if (wantW || wantB) {
        // Rows are [samples, groups]; a row's elements are [cpg, inner]; the weight index is (group, cpg).
        const shape4 = [L.rows / L.groups, L.groups, L.cpg, L.inner];
        const g4 = reshape(gy, shape4);
        if (a.weight) {
          let dW: Tensor | null = null;
          if (wantW) {
            const st4 = reshape(st, [shape4[0]!, L.groups, 1, 2]);
            const xhat = mul(sub(reshape(x, shape4), slice(st4, 3, 0, 1)), slice(st4, 3, 1, 2));
            dW = reshape(sum(mul(g4, xhat), [0, 3]), a.wshape);
          }
          out.push(dW);
        }
        if (a.bias) out.push(wantB ? reshape(sum(g4, [0, 3]), a.wshape) : null);
      }
      return out;
    },
    saves: { output: false },
  };
}

function channelSlots(a: ChannelAttrs): { s: number; b: number; q: number; r: number } {
  let k = 2;
  const s = a.s ? k++ : -1;
  const b = a.b ? k++ : -1;
  const q = a.b ? k++ : -1;
  const r = a.r ? k++ : -1;
  return { s, b, q, r };
}

interface Terms {
  s?: Tensor | null;
  b?: Tensor | null;
  q?: Tensor | null;
  r?: Tensor | null;
}

/** p * (a - s) + q * b + r, the [C] terms broadcast over the channel of a (and b). */
function channelAffine(L: ChannelLayout, a: Tensor, p: Tensor, t: Terms = {}): Tensor {
  const attrs = { channels: L.channels, inner: L.inner, axes: L.axes, s: !!t.s, b: !!t.b, r: !!t.r };
  return apply('channelAffine', present(a, p, t.s ?? null, t.b ?? null, t.q ?? null, t.r ?? null), attrs);
}

const sumC = (L: ChannelLayout, t: Tensor): Tensor => sum(t, L.axes);

/** Per-channel mean and biased variance as differentiable ops ([C] each). */
const batchStats = (L: ChannelLayout, x: Tensor) => ({ m: mean(x, L.axes), v: variance(x, L.axes, { correction: 0 }) });

/** The same without a graph, in one kernel (both statistics of a channel from one workgroup). */
function moments(L: ChannelLayout, x0: Tensor): { m: Tensor; v: Tensor } {
  const x = flat(x0);
  const both = empty([2 * L.channels], 'float32', 'batchNorm');
  channelSums(both.dev, L.channels, L.inner, x, null, null, both);
  if (x !== x0) x.dispose();
  const m = slice(both, 0, 0, L.channels);
  const v = slice(both, 0, L.channels, 2 * L.channels);
  both.dispose();
  return { m, v };
}

/**
 * sum(dy) and sum(dy * xhat) per channel. Without a graph: one channelSums pass with the saved statistics.
 * Under createGraph: the statistics are recomputed from x with differentiable ops, so the second-order
 * terms through them are there.
 */
function bnSums(at: BatchNormAttrs, x: Tensor, g: Tensor, saved: Tensor[]): { m: Tensor; rstd: Tensor; sg: Tensor; sgx: Tensor; x: Tensor; g: Tensor } {
  if (isGradEnabled()) {
    const { m, v } = batchStats(at, x);
    const rstd = rsqrt(add(v, at.eps));
    return { m, rstd, sg: sumC(at, g), sgx: sumC(at, mul(g, channelAffine(at, x, rstd, { s: m }))), x, g };
  }
  const [m, rstd] = saved as [Tensor, Tensor];
  const [xf, gf] = [flat(x), flat(g)];
  const sums = empty([2 * at.channels], 'float32', 'batchNormBackward');
  channelSums(sums.dev, at.channels, at.inner, xf, gf, m, sums);
  return { m, rstd, sg: slice(sums, 0, 0, at.channels), sgx: mul(slice(sums, 0, at.channels, 2 * at.channels), rstd), x: xf, g: gf };
}

const apply: FamilyApply<NormFamilyAttrs> = rules<NormFamilyAttrs>({
  layerNorm: rowNorm('layerNorm'),
  groupNorm: rowNorm('groupNorm'),
  channelAffine: {
    forward: (ins, at) => {
      const k = channelSlots(at);
      const ops = ins.map(flat);
      const out = empty(ins[0]!.shape, 'float32', 'channelAffine');
      const at_ = (i: number) => (i < 0 ? null : ops[i]!);
      channelKernel(out.dev, at.channels, at.inner, ops[0]!, { p: ops[1]!, s: at_(k.s), b: at_(k.b), q: at_(k.q), r: at_(k.r) }, out);
      ops.forEach((t, i) => t !== ins[i] && t.dispose());
      return out;
    },
    backward: (g, c) => {
      const at = c.attrs;
      const k = channelSlots(at);
      const [a, p] = c.inputs as [Tensor, Tensor];
      const s = k.s < 0 ? null : c.inputs[k.s]!;
      const need = (i: number) => i >= 0 && c.needs[i];
      const out: (Tensor | null)[] = [need(0) ? channelAffine(at, g, p) : null];
      // (a - s) through the same map (p = 1), not as a * g - s * sum(g), which cancels for a large mean.
      out.push(need(1) ? sumC(at, mul(g, s ? channelAffine(at, a, full([at.channels], 1), { s }) : a)) : null);
      if (at.s) out.push(need(k.s) ? neg(mul(p, sumC(at, g))) : null);
      if (at.b) {
        out.push(need(k.b) ? channelAffine(at, g, c.inputs[k.q]!) : null);
        out.push(need(k.q) ? sumC(at, mul(g, c.inputs[k.b]!)) : null);
      }
      if (at.r) out.push(need(k.r) ? sumC(at, g) : null);
      return out;
    },
    saves: { output: false },
  },
  batchNorm: {
    forward: (ins, at) =>
      tidy(() => {
        const [m, rstd] = ins.slice(-2) as [Tensor, Tensor];
        const p = at.weight ? mul(ins[1]!, rstd) : rstd;
        return channelAffine(at, ins[0]!, p, { s: m, r: at.bias ? ins[at.weight ? 2 : 1]! : null });
      }),
    // With xhat = (x - mean) * rstd and k = weight * rstd: dx = k * (dy - mean(dy) - xhat * mean(dy * xhat)),
    // dweight = sum(dy * xhat), dbias = sum(dy), per channel.
    backward: (g0, c) => {
      const at = c.attrs;
      const count = numel(c.inputs[0]!.shape) / at.channels;
      const { m, rstd, sg, sgx, x, g } = bnSums(at, c.inputs[0]!, g0, c.inputs.slice(-2));
      // dx = k * dy - k * rstd * sgx / n * (x - mean) - k * sg / n, one channelAffine pass.
      const kk = at.weight ? mul(c.inputs[1]!, rstd) : rstd;
      const out: (Tensor | null)[] = [c.needs[0] ? channelAffine(at, x, mul(kk, mul(mul(sgx, rstd), -1 / count)), { s: m, b: g, q: kk, r: mul(kk, mul(sg, -1 / count)) }) : null];
      if (at.weight) out.push(c.needs[1] ? sgx : null);
      if (at.bias) out.push(c.needs[at.weight ? 2 : 1] ? sg : null);
      return [...out, null, null];
    },
    saves: { output: false },
  },
});

function checkTensor(name: string, what: string, t: unknown): Tensor | null {
  if (t === null || t === undefined) return null;
  if (typeof t !== 'object' || typeof (t as Tensor).assertLive !== 'function') fail(name, `${what} must be a Tensor or null, got ${typeof t}`);
  (t as Tensor).assertLive(name);
  if ((t as Tensor).dtype !== 'float32') fail(name, `${what} must be float32, got ${(t as Tensor).dtype}`, 'cast it with .float()');
  return t as Tensor;
}

function checkParam(name: string, what: string, t: unknown, shape: readonly number[]): Tensor | null {
  const p = checkTensor(name, what, t);
  if (p && (p.ndim !== shape.length || p.shape.some((s, i) => s !== shape[i])))
    fail(name, `${what} has shape ${shapeStr(p.shape)}, expected ${shapeStr(shape)}`, `pass a ${what} of shape ${shapeStr(shape)}`);
  return p;
}

function checkEps(name: string, eps: number): void {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) fail(name, `eps must be a finite number >= 0, got ${String(eps)}`, 'use e.g. 1e-5');
}

function checkInput(name: string, x: unknown): Tensor {
  if (typeof x !== 'object' || x === null || typeof (x as Tensor).assertLive !== 'function') fail(name, `expected a Tensor input, got ${typeof x}`);
  (x as Tensor).assertLive(name);
  if ((x as Tensor).dtype !== 'float32') fail(name, `expects a float32 input, got ${(x as Tensor).dtype}`, 'cast it with .float()');
  return x as Tensor;
}

function present(...ts: (Tensor | null)[]): Tensor[] {
  return ts.filter((t): t is Tensor => t !== null);
}

/**
 * Normalizes over the trailing `normalizedShape` dimensions (torch.nn.functional.layer_norm):
 * (x - mean) / sqrt(var + eps) * weight + bias, var biased, weight and bias of shape normalizedShape.
 */
export const layerNorm = op(function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkInput('layerNorm', x);
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...(normalizedShape ?? [])];
  if (!ns.length || ns.some((s) => !Number.isInteger(s) || s < 0)) fail('layerNorm', `normalizedShape must be a non-empty list of sizes, got ${JSON.stringify(normalizedShape)}`, 'pass e.g. [x.shape[x.ndim - 1]]');
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || tail.some((s, i) => s !== ns[i]))
    fail('layerNorm', `normalizedShape ${shapeStr(ns)} does not match the trailing dimensions of the input ${shapeStr(x.shape)}`, `pass an input of shape [..., ${ns.join(', ')}]`);
  const w = checkParam('layerNorm', 'weight', weight, ns);
  const b = checkParam('layerNorm', 'bias', bias, ns);
  checkEps('layerNorm', eps);
  const n = numel(ns);
  const rows = n === 0 ? 0 : numel(x.shape) / n;
  return apply('layerNorm', present(x, w, b), { layout: { rows, n, inner: 1, groups: 1, cpg: n, eps }, weight: !!w, bias: !!b, wshape: ns });
}, false);

/**
 * Normalizes each sample's channels in `numGroups` groups (torch.nn.functional.group_norm); x is
 * [N, C, *], weight and bias are per channel ([C]).
 */
export const groupNorm = op(function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkInput('groupNorm', x);
  if (x.ndim < 2) fail('groupNorm', `expected an input [N, C, *] of rank 2 or more, got shape ${shapeStr(x.shape)}`, 'add a batch dimension with x.unsqueeze(0)');
  const C = x.shape[1]!;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0)
    fail('groupNorm', `numGroups must be a positive integer dividing the ${C} channels, got ${numGroups}`, `use a divisor of ${C}`);
  const w = checkParam('groupNorm', 'weight', weight, [C]);
  const b = checkParam('groupNorm', 'bias', bias, [C]);
  checkEps('groupNorm', eps);
  const inner = numel(x.shape.slice(2));
  const cpg = C / numGroups;
  const layout = { rows: x.shape[0]! * numGroups, n: cpg * inner, inner: Math.max(inner, 1), groups: numGroups, cpg, eps };
  return apply('groupNorm', present(x, w, b), { layout, weight: !!w, bias: !!b, wshape: [C] });
}, false);

/**
 * Batch normalization (torch.nn.functional.batch_norm) over x [N, C, *] per channel. Training uses the
 * batch's mean and biased variance and, given running statistics, updates them in place on the GPU:
 * r = r + momentum * (batch - r), with the unbiased variance (var * n / (n - 1)) for runningVar.
 * `momentum` may be a 0-d tensor (a factor computed on the GPU, as the cumulative average's 1 / count).
 * Otherwise the running statistics normalize.
 */
export const batchNorm = op(function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum: number | Tensor = 0.1,
  eps = 1e-5,
): Tensor {
  checkInput('batchNorm', x);
  if (x.ndim < 2) fail('batchNorm', `expected an input [N, C, *] of rank 2 or more, got shape ${shapeStr(x.shape)}`, 'add a batch dimension with x.unsqueeze(0)');
  const C = x.shape[1]!;
  const rm = checkParam('batchNorm', 'runningMean', runningMean, [C]);
  const rv = checkParam('batchNorm', 'runningVar', runningVar, [C]);
  if (!!rm !== !!rv) fail('batchNorm', 'pass both runningMean and runningVar, or neither');
  const w = checkParam('batchNorm', 'weight', weight, [C]);
  const b = checkParam('batchNorm', 'bias', bias, [C]);
  checkEps('batchNorm', eps);
  if (typeof momentum === 'number') {
    if (!(momentum >= 0 && momentum <= 1)) fail('batchNorm', `momentum must be in [0, 1], got ${momentum}`);
  } else checkTensor('batchNorm', 'momentum', momentum);
  const L: ChannelLayout = { channels: C, inner: numel(x.shape.slice(2)), axes: x.shape.map((_, d) => d).filter((d) => d !== 1) };
  if (training) {
    const count = numel(x.shape) / Math.max(C, 1);
    if (count <= 1) fail('batchNorm', `expected more than 1 value per channel when training, got input of shape ${shapeStr(x.shape)}`, 'use a batch of 2 or more, or eval() mode');
    const [m, rstd] = noGrad(() =>
      tidy(() => {
        const { m, v } = moments(L, x);
        if (rm && rv) {
          add_(rm, mul(sub(m, rm), momentum));
          add_(rv, mul(sub(mul(v, count / (count - 1)), rv), momentum));
        }
        return [m, rsqrt(add(v, eps))];
      }),
    );
    const y = apply('batchNorm', [...present(x, w, b), m, rstd], { ...L, eps, weight: !!w, bias: !!b });
    m.dispose();
    rstd.dispose();
    return y;
  }
  if (!rm || !rv) fail('batchNorm', 'running statistics are required when not training', 'pass runningMean and runningVar, or training = true');
  return tidy(() => {
    const rstd = rsqrt(add(rv, eps));
    return channelAffine(L, x, w ? mul(w, rstd) : rstd, { s: rm, r: b });
  });
}, false);
