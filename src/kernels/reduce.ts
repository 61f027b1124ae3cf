// Reductions over any set of axes. The caller passes the input view and which axes to reduce; the kept
// axes and reduced axes become two uniform shape/stride lists, so no transpose copy is needed.
// Long rows are split across invocations (interleaved, see shaders/reduce.wgsl); the [rows, nsplit]
// (or [nsplit, rows]) partial results are reduced again, as many times as needed, so a whole-tensor reduction of any size
// keeps every invocation at a chunk (the profile's reduceChunk) or fewer.
import { fail, type Device, type KernelSpec } from '../device/index.ts';
import { MAX_DIMS, WG } from './constants.ts';
import { wgslType, type ComputeType, type DType, type Wgsl } from './dtype.ts';
import { render } from './shaders.ts';
import { params } from './params.ts';
import { invocationSplit, profileOf, rowPerInvocation, type Profile } from './profile.ts';
import { cachedSpec } from './spec.ts';
import { coalesce, numel, rankClass, type View } from './view.ts';

/**
 * `asum` is sum(|x|) (the L1 norm), `norm2` sqrt(sum(x^2)); `var`, `std` and `logsumexp` take a per-row
 * `center` (the mean for var/std, the maximum for logsumexp) in keepdim layout, contiguous.
 */
export type ReduceOp = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'asum' | 'norm2' | 'var' | 'std' | 'logsumexp';
export type ArgReduceOp = 'argmax' | 'argmin';

export interface ReduceOptions {
  /** The per-row value `c` that var, std and logsumexp need. */
  center?: View;
  /** var/std divide by (n - correction). */
  correction?: number;
}

type Combine = 'sum' | 'prod' | 'max' | 'min';

interface OpSpec {
  combine: Combine;
  map: string;
  final: string;
  center?: boolean;
}

const NAN_MAX = 'select(select(max(acc, v), acc, is_nan(acc)), v, is_nan(v))';
const NAN_MIN = 'select(select(min(acc, v), acc, is_nan(acc)), v, is_nan(v))';
// An infinite maximum is replaced by 0 so that exp(v - c) cannot be inf - inf: logsumexp of a row of
// -inf is then log(0) = -inf, and of a row holding +inf is log(inf) = inf, as in PyTorch.
const FIN_C = 'select(c, 0.0, is_inf(c))';
const USES_C = /\bc\b/;

const OPS: Record<ReduceOp, OpSpec> = {
  sum: { combine: 'sum', map: 'v', final: 'acc' },
  mean: { combine: 'sum', map: 'v', final: 'acc * u.scale' },
  prod: { combine: 'prod', map: 'v', final: 'acc' },
  max: { combine: 'max', map: 'v', final: 'acc' },
  min: { combine: 'min', map: 'v', final: 'acc' },
  asum: { combine: 'sum', map: 'abs(v)', final: 'acc' },
  norm2: { combine: 'sum', map: 'v * v', final: 'sqrt(acc)' },
  var: { combine: 'sum', map: '(v - c) * (v - c)', final: 'acc * u.scale', center: true },
  std: { combine: 'sum', map: '(v - c) * (v - c)', final: 'sqrt(acc * u.scale)', center: true },
  logsumexp: { combine: 'sum', map: `exp(v - ${FIN_C})`, final: `select(log(acc), -inf_f32(), acc == 0.0) + ${FIN_C}`, center: true },
};

function combineOf(c: Combine, ct: ComputeType): { INIT: string; COMBINE: string } {
  const int = ct === 'i32';
  switch (c) {
    case 'sum':
      return { INIT: '0', COMBINE: 'acc + v' };
    case 'prod':
      return { INIT: '1', COMBINE: 'acc * v' };
    case 'max':
      return { INIT: int ? '-2147483647 - 1' : '-inf_f32()', COMBINE: int ? 'max(acc, v)' : NAN_MAX };
    case 'min':
      return { INIT: int ? '2147483647' : 'inf_f32()', COMBINE: int ? 'min(acc, v)' : NAN_MIN };
  }
}

/** reduce.wgsl's and argreduce.wgsl's uniforms (argreduce leaves scale and coff at 0). */
export const ReduceParams = params('Reduce', {
  nout: 'u32',
  nred: 'u32',
  nsplit: 'u32',
  /** Elements per chunk of a split row. */
  chunk: 'u32',
  /** Ranks of the outer and inner layouts. */
  ndo: 'u32',
  ndi: 'u32',
  scale: 'f32',
  offset: 'u32',
  /** Where the per-row centers start in C. */
  coff: 'u32',
  oshape: ['u32', MAX_DIMS],
  ostride: ['u32', MAX_DIMS],
  ishape: ['u32', MAX_DIMS],
  istride: ['u32', MAX_DIMS],
});

/** The outer (kept) and inner (reduced) layouts of `x`, coalesced. */
interface Layout {
  oshape: number[];
  ostride: number[];
  ishape: number[];
  istride: number[];
  offset: number;
}

function layoutOf(op: string, x: View, axes: readonly number[]): Layout {
  const keep = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const oc = coalesce(keep.map((d) => x.shape[d]!), [keep.map((d) => x.strides[d]!)]);
  const ic = coalesce(axes.map((d) => x.shape[d]!), [axes.map((d) => x.strides[d]!)]);
  if (oc.shape.length > MAX_DIMS || ic.shape.length > MAX_DIMS) fail(op, `rank ${x.shape.length} is too high to reduce in place`, 'call contiguous() first');
  return { oshape: oc.shape, ostride: oc.strides[0]!, ishape: ic.shape, istride: ic.strides[0]!, offset: x.offset };
}

/**
 * Whether neighbouring outputs lie closer together than neighbouring elements of a row (reducing a
 * non-innermost axis, e.g. axis 0 of [B, C]): invocations then take outputs fastest, so that their loads
 * of one step are adjacent, instead of sharing a row.
 */
function outputsFastest(lay: Layout): boolean {
  const no = lay.oshape.length, ni = lay.ishape.length;
  return no > 0 && (ni === 0 || lay.ostride[no - 1]! < lay.istride[ni - 1]!);
}

/**
 * One pass: per invocation (`pt`) or a workgroup per chunk; `nsplit` splits per row; `outFast` as above;
 * `lanes` > 0: that many lanes of a subgroup per row (reduce only, see reduce.wgsl's LANES).
 */
interface Pass {
  pt: boolean;
  nsplit: number;
  outFast: boolean;
  lanes: number;
}

/**
 * How one pass reduces rows of `nred`. Software plan: always one invocation per (row, split), no
 * barriers (see profile.ts). GPU plan: a row-fastest layout keeps the workgroup per row (its lanes read a
 * row's consecutive elements) unless rows are short; an outputs-fastest one runs per invocation, whose
 * lanes then read consecutive outputs. nsplit > 1 leaves [rows, nsplit] partials (outFast: [nsplit,
 * rows]) for another pass; rows longer than 2 chunks (the profile's reduceChunk) are split into chunks
 * of at most one, so a whole-tensor reduction of any size has many workgroups or invocations.
 */
function planPass(dev: Device, lay: Layout, nout: number, nred: number, withLanes: boolean): Pass {
  const p = profileOf(dev);
  const outFast = outputsFastest(lay);
  const lanes = withLanes && p.plan === 'software' && !outFast ? lanesFor(p, lay, nout, nred) : 0;
  if (lanes) return { pt: true, nsplit: 1, outFast, lanes };
  if (p.plan === 'software' || outFast) return { pt: true, nsplit: splitWhole(lay, invocationSplit(p, nout, nred)), outFast, lanes };
  if (rowPerInvocation(p, nout, nred)) return { pt: true, nsplit: 1, outFast, lanes };
  if (nred > 2 * p.reduceChunk) return { pt: false, nsplit: Math.ceil(nred / p.reduceChunk), outFast, lanes };
  return { pt: false, nsplit: 1, outFast, lanes };
}

/**
 * Subgroup lanes per row for a software-plan pass over few rows (the profile's reduceLanes), or 0: rows
 * are too many or too short, a lane's share would pass two chunks, or a two-axis row's runs do not
 * divide among the lanes (reduce.wgsl's split walk takes whole columns).
 */
function lanesFor(p: Profile, lay: Layout, nout: number, nred: number): number {
  const L = p.reduceLanes;
  if (!L || nout >= p.reduceLanesRows || nred < p.reduceLanesMin || nred > 2 * p.reduceChunk * L) return 0;
  const n1 = lay.ishape.length === 2 ? lay.ishape[1]! : L;
  return n1 >= L || L % n1 === 0 ? L : 0;
}

/**
 * A split of a two-axis row takes whole columns of its runs (see reduce.wgsl's `strided`), so past one
 * split per column the count must be a multiple of the run length.
 */
function splitWhole(lay: Layout, nsplit: number): number {
  const n1 = lay.ishape.length === 2 ? lay.ishape[1]! : 0;
  return n1 && nsplit > n1 ? n1 * Math.floor(nsplit / n1) : nsplit;
}

function partialLayout(nout: number, nsplit: number, words: number, outFast: boolean): Layout {
  if (outFast) return { oshape: [nout], ostride: [words], ishape: [nsplit], istride: [nout * words], offset: 0 };
  return { oshape: [nout], ostride: [nsplit * words], ishape: [nsplit], istride: [words], offset: 0 };
}

/**
 * Runs the pass chain shared by reduce and argreduce: pass 1 reads `x`; while rows are split, a pass
 * writes partials of `words` u32s each, which the next pass reduces. `dispatch` records one pass given its
 * input, layout, row length, plan, output buffer, and whether it is the first and last.
 */
function passes(
  dev: Device,
  op: string,
  x: View,
  lay: Layout,
  nout: number,
  words: number,
  out: GPUBuffer,
  withLanes: boolean,
  dispatch: (src: GPUBuffer, lay: Layout, nred: number, pass: Pass, dst: GPUBuffer, first: boolean, last: boolean) => void,
): void {
  let src = x.buffer;
  let nred = numel(lay.ishape);
  let first = true;
  const temps: GPUBuffer[] = [];
  for (;;) {
    const pass = planPass(dev, lay, nout, nred, withLanes);
    const { nsplit } = pass;
    const last = nsplit === 1;
    const dst = last ? out : dev.allocate(nout * nsplit * words * 4, op, [nout, nsplit]);
    dispatch(src, lay, nred, pass, dst, first, last);
    if (last) break;
    temps.push(dst);
    src = dst;
    lay = partialLayout(nout, nsplit, words, pass.outFast);
    nred = nsplit;
    first = false;
  }
  for (const t of temps) dev.release(t);
}

/** reduce_layout.wgsl's rank classes of a pass's layouts, part of its pipeline's key. */
function rankConstants(lay: Layout): { IN_RANK: number; OUT_RANK: number } {
  return { IN_RANK: rankClass(lay.ishape.length, 3), OUT_RANK: rankClass(lay.oshape.length, 2) };
}

/**
 * reduce.wgsl's WALK: 0, one element per invocation; 1, a plain loop; 2, unrolled (see the profile's
 * reduceUnrollMin), by the length of one walk: an invocation's share of a row, or, for two-axis rows,
 * of a run (unsplit) or of a column (split).
 */
function walkOf(dev: Device, lay: Layout, nred: number, pt: boolean, step: number): number {
  if (!pt) return 2;
  if (step === 1 && nred === 1) return 0;
  let len = Math.ceil(nred / step);
  if (lay.ishape.length === 2) len = step === 1 ? lay.ishape[1]! : Math.ceil(lay.ishape[0]! / Math.max(1, Math.floor(step / Math.min(step, lay.ishape[1]!))));
  return len < profileOf(dev).reduceUnrollMin ? 1 : 2;
}

/** Workgroups for a pass: one per chunk of a row, or enough for nout * nsplit invocations (times its lanes). */
function groupsFor(dev: Device, nout: number, { nsplit, pt, lanes }: Pass): [number, number] {
  return dev.grid(pt ? Math.ceil((nout * nsplit * Math.max(1, lanes)) / WG) : nout * nsplit);
}

/** The layout fields of ReduceParams for one pass. */
function layoutParams(lay: Layout, nout: number, nred: number, nsplit: number) {
  return {
    nout,
    nred,
    nsplit,
    chunk: Math.ceil(nred / nsplit),
    ndo: lay.oshape.length,
    ndi: lay.ishape.length,
    offset: lay.offset,
    oshape: lay.oshape,
    ostride: lay.ostride,
    ishape: lay.ishape,
    istride: lay.istride,
  };
}

/**
 * out (contiguous, shape = kept axes) = op over `axes` of x, in the passes planPass chooses.
 */
export function reduce(dev: Device, op: ReduceOp, x: View, axes: readonly number[], out: View, outDtype: DType = out.dtype, opts: ReduceOptions = {}): void {
  const lay = layoutOf(op, x, axes);
  const nout = numel(lay.oshape);
  const nred = numel(lay.ishape);
  if (nout === 0) return;
  const s = OPS[op];
  if (s.center && !opts.center) fail(op, 'this reduction needs its per-row center', 'pass opts.center (a bug in the caller)');
  const floatOut = outDtype === 'float32' || op === 'mean' || s.center || op === 'norm2';
  const ct: 'f32' | 'i32' = x.dtype === 'float32' || floatOut ? 'f32' : 'i32';
  const scale = op === 'mean' ? 1 / nred : op === 'var' || op === 'std' ? 1 / Math.max(0, nred - (opts.correction ?? 1)) : 1;
  const { INIT, COMBINE } = combineOf(s.combine, ct);
  const center = opts.center;
  const fastMinMax = ct === 'f32' ? (s.combine === 'max' ? 1 : s.combine === 'min' ? 2 : 0) : 0;
  passes(dev, op, x, lay, nout, 1, out.buffer, true, (src, l, n, pass, dst, first, last) => {
    const { pt, nsplit, outFast, lanes } = pass;
    const TX: Wgsl = first ? wgslType(x.dtype) : ct;
    const TO: Wgsl = last ? wgslType(outDtype) : ct;
    const MAP = first ? s.map : 'v';
    const FINAL = last ? s.final : 'acc';
    const hasC = !!center && USES_C.test(`${MAP} ${FINAL}`);
    // ':t' names one invocation per row, ':l' a subgroup's lanes per row; split passes and workgroup
    // passes share a row among invocations.
    const t = pt && nsplit === 1 && !lanes;
    const ranks = rankConstants(l);
    const walk = walkOf(dev, l, n, pt, lanes || nsplit);
    const SHUFFLE = lanes ? 'subgroupShuffleXor(acc, m)' : 'acc';
    const spec = cachedSpec(`reduce|${op}|${first}|${TX}|${TO}|${ct}|${MAP}|${FINAL}|${hasC}|${pt}|${t}|${outFast}|${ranks.IN_RANK}${ranks.OUT_RANK}|${walk}|${lanes}`, (): KernelSpec => ({
      name: `reduce:${op}:${TX}>${TO}${t ? ':t' : lanes ? ':l' : ''}${first ? '' : ':p'}`,
      source: `${lanes ? 'enable subgroups;\n' : ''}${render('reduce', ReduceParams, { TX, TO, CT: ct, INIT, COMBINE, MAP, FINAL, SHUFFLE })}`,
      reads: 2,
      writes: 1,
      constants: { PER_THREAD: pt ? 1 : 0, OUT_FAST: outFast ? 1 : 0, HAS_C: hasC ? 1 : 0, FAST_MINMAX: fastMinMax, WALK: walk, LANES: lanes, ...ranks },
    }));
    dev.dispatch(
      spec,
      (w) => ReduceParams.write(w, { ...layoutParams(l, nout, n, nsplit), scale, coff: center?.offset ?? 0 }),
      [src, center?.buffer ?? src, dst],
      groupsFor(dev, nout, pass),
    );
  });
}

const BETTER_F32 = (cmp: '>' | '<') =>
  `(is_nan(b) && (!is_nan(a) || ib < ia)) || (!is_nan(a) && !is_nan(b) && (b ${cmp} a || (b == a && ib < ia)))`;
const BETTER_I32 = (cmp: '>' | '<') => `b ${cmp} a || (b == a && ib < ia)`;

/**
 * out (int32, contiguous, shape = kept axes) = the index of the first maximum (minimum) over `axes` of
 * x, counted in the flattened reduced axes. NaN counts as larger (and smaller) than every number, as in
 * PyTorch.
 */
export function argreduce(dev: Device, op: ArgReduceOp, x: View, axes: readonly number[], out: View): void {
  const lay = layoutOf(op, x, axes);
  const nout = numel(lay.oshape);
  const nred = numel(lay.ishape);
  if (nout === 0) return;
  if (nred === 0) fail(op, `cannot reduce an empty axis of shape [${x.shape.join(', ')}]`, 'reduce only axes of size at least 1');
  const ct: 'f32' | 'i32' = x.dtype === 'float32' ? 'f32' : 'i32';
  const cmp = op === 'argmax' ? '>' : '<';
  const BETTER = ct === 'f32' ? BETTER_F32(cmp) : BETTER_I32(cmp);
  const INIT = ct === 'f32' ? (op === 'argmax' ? '-inf_f32()' : 'inf_f32()') : op === 'argmax' ? '-2147483647 - 1' : '2147483647';
  passes(dev, op, x, lay, nout, 2, out.buffer, false, (src, l, n, pass, dst, first, last) => {
    const { pt, nsplit, outFast } = pass;
    const TX: Wgsl = first ? wgslType(x.dtype) : 'u32';
    const LOAD = first ? `let v = ${ct}(X[p]); let ix = j;` : `let v = bitcast<${ct}>(X[p]); let ix = X[p + 1u];`;
    const t = pt && nsplit === 1;
    const ranks = rankConstants(l);
    const spec = cachedSpec(`argreduce|${op}|${TX}|${ct}|${first}|${pt}|${t}|${last}|${outFast}|${ranks.IN_RANK}${ranks.OUT_RANK}`, (): KernelSpec => ({
      name: `${op}:${TX}${t ? ':t' : ''}${first ? '' : ':p'}`,
      source: render('argreduce', ReduceParams, { TX, CT: ct, INIT, BETTER, LOAD }),
      reads: 1,
      writes: 1,
      constants: { PER_THREAD: pt ? 1 : 0, OUT_FAST: outFast ? 1 : 0, LAST: last ? 1 : 0, ...ranks },
    }));
    dev.dispatch(
      spec,
      (w) => ReduceParams.write(w, { ...layoutParams(l, nout, n, nsplit), scale: 0, coff: 0 }),
      [src, dst],
      groupsFor(dev, nout, pass),
    );
  });
}
