// Property-based fuzzing (fast-check) over the op table: random shapes (0 and 1 sizes included), random
// views (permutes, step and offset slices, stride-0 expands), dtypes and broadcasting. Each result is
// compared with the float64 reference (test/reference/); invalid combinations must throw a WebGradError
// naming the op, with live buffers unchanged. `npm test` runs a fixed seed and a bounded number of runs
// (ops compile once, so the cost is mostly the first pipeline of each op); `npm run fuzz` runs more
// (WEBGRAD_FUZZ_RUNS, and WEBGRAD_FUZZ_SEED for another seed).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import * as E from '../src/autograd/ops/elementwise.ts';
import { compare, numel, rng, strides, type Ref } from './reference/index.ts';
import { OPS, refOf, type OpRef } from './reference/elementwise.ts';
import { expandRef, inversePerm, permuteRef, reduceRef, REDUCERS } from './reference/reduce.ts';

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const RUNS = Number(env.WEBGRAD_FUZZ_RUNS ?? 0) || 0;
const SEED = Number(env.WEBGRAD_FUZZ_SEED ?? 20261201);
const runs = (n: number) => (RUNS ? RUNS : n);

type AnyOp = E.UnaryOp<(x: E.TensorLike, ...p: any[]) => wg.Tensor> | E.BinaryOp<boolean>;
const isOp = (v: unknown): v is AnyOp => typeof v === 'function' && 'kind' in v && 'opName' in v;
const PUBLIC = new Map(Object.values(E).filter(isOp).map((o) => [o.opName, o]));
const UNARIES = [...PUBLIC.values()].filter((o) => o.kind === 'unary' && OPS[o.opName]).map((o) => o.opName);
const BINARIES = [...PUBLIC.values()].filter((o) => o.kind === 'binary' && OPS[o.opName]).map((o) => o.opName);

type Layout = 'contiguous' | 'permuted' | 'sliced' | 'offset';
type DT = 'float32' | 'int32';

interface OperandPlan {
  layout: Layout;
  /** Bit d set: dimension d holds one value broadcast by a stride-0 expand. */
  expandMask: number;
  dtype: DT;
}

const SIZES = [0, 1, 1, 2, 3, 5];
const shapeArb = (maxRank = 3) => fc.array(fc.constantFrom(...SIZES), { maxLength: maxRank });
const operandArb: fc.Arbitrary<OperandPlan> = fc.record({
  layout: fc.constantFrom<Layout>('contiguous', 'permuted', 'sliced', 'offset'),
  expandMask: fc.nat(7),
  dtype: fc.constantFrom<DT>('float32', 'float32', 'int32'),
});

/** Values in [lo, hi] (integers for int32), from the run's seed. */
function values(shape: number[], dtype: DT, lo: number, hi: number, r: () => number): Ref {
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'int32') {
      const a = Math.ceil(lo);
      data[i] = a + Math.floor(r() * (Math.floor(hi) - a + 1));
    } else data[i] = Math.fround(lo + r() * (hi - lo));
  }
  return { data, shape };
}

const upload = (r: Ref, dtype: DT) => wg.tensor(dtype === 'int32' ? Int32Array.from(r.data) : Float32Array.from(r.data), { shape: r.shape, dtype });

/** `r` placed inside a larger buffer along `dim`, every `step`-th element from `off` (filler elsewhere). */
function embed(r: Ref, dim: number, step: number, off: number): Ref {
  const shape = [...r.shape];
  shape[dim] = r.shape[dim]! * step + off;
  const st = strides(shape);
  const data = new Float64Array(numel(shape)).fill(-3);
  const idx = new Array<number>(r.shape.length);
  for (let i = 0; i < r.data.length; i++) {
    let rem = i;
    for (let k = r.shape.length - 1; k >= 0; k--) ((idx[k] = rem % r.shape[k]!), (rem = Math.floor(rem / r.shape[k]!)));
    let o = 0;
    for (let k = 0; k < idx.length; k++) o += (k === dim ? off + idx[k]! * step : idx[k]!) * st[k]!;
    data[o] = r.data[i]!;
  }
  return { data, shape };
}

/** A tensor of shape `shape` laid out as the plan says, and its float64 reference. */
function operand(shape: number[], p: OperandPlan, lo: number, hi: number, r: () => number): { t: wg.Tensor; ref: Ref } {
  const nd = shape.length;
  const base = shape.map((s, d) => (p.expandMask & (1 << d) ? 1 : s));
  const ref0 = values(base, p.dtype, lo, hi, r);
  let t: wg.Tensor;
  if (p.layout === 'permuted' && nd >= 2) {
    const perm = [...Array(nd).keys()].sort(() => r() - 0.5);
    t = upload(permuteRef(ref0, perm), p.dtype).permute(inversePerm(perm));
  } else if ((p.layout === 'sliced' || p.layout === 'offset') && nd >= 1) {
    const dim = Math.floor(r() * nd);
    const [step, off] = p.layout === 'sliced' ? [2, 1] : [1, 3];
    t = upload(embed(ref0, dim, step, off), p.dtype).slice(dim, off, off + base[dim]! * step, step);
  } else t = upload(ref0, p.dtype);
  expect(t.shape).toEqual(base);
  const ref = expandRef(ref0, shape);
  return { t: sameShape(base, shape) ? t : t.expand(shape), ref };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The dtype an op gives for operands of promoted dtype `dt` (as test/elementwise.test.ts). */
function dtypeOf(op: OpRef, dt: wg.DType): wg.DType {
  if (op.out === 'bool') return 'bool';
  if (dt === 'float32' || op.out === 'float' || !op.int) return 'float32';
  return 'int32';
}

function run(name: string, a: E.TensorLike, b?: E.TensorLike): wg.Tensor {
  const o = PUBLIC.get(name)!;
  const at = OPS[name]!.at ?? {};
  return o.kind === 'unary' ? o.run(a, at) : o.run(a, b!, at);
}

async function check(got: wg.Tensor, want: Ref, dtype: wg.DType, tol: { rtol?: number; atol?: number }, label: string): Promise<void> {
  expect(got.shape, label).toEqual(want.shape);
  expect(got.dtype, label).toBe(dtype);
  const msg = compare(await got.data(), want.data, dtype === 'float32' ? tol : { rtol: 0, atol: 0 });
  expect(msg, label).toBeNull();
}

/** Runs one property case in a scope and requires live buffers to be flat across it. */
async function flat(body: () => Promise<void>): Promise<void> {
  const before = wg.stats().liveBuffers;
  await wg.scope(body);
  expect(wg.stats().liveBuffers).toBe(before);
}

const tolOf = (op: OpRef) => ({ rtol: 1e-5, atol: 1e-6, ...op.tol });
const describePlan = (x: unknown) => JSON.stringify(x);

describe('fuzz: the elementwise table on random shapes, views, dtypes and broadcasts', () => {
  it('unary ops match float64', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...UNARIES), shapeArb(), operandArb, fc.integer(), async (name, shape, plan, seed) =>
        flat(async () => {
          const op = OPS[name]!;
          const r = rng(seed);
          const x = operand(shape, plan, op.lo, op.hi, r);
          await check(run(name, x.t), refOf(name, x.ref), dtypeOf(op, plan.dtype), tolOf(op), `${name} ${describePlan({ shape, plan })}`);
        }),
      ),
      { seed: SEED, numRuns: runs(60) },
    );
  });

  it('binary ops broadcast any two compatible shapes (and numbers) and match float64', async () => {
    const pairArb = fc.record({
      common: shapeArb(),
      dropA: fc.nat(3),
      dropB: fc.nat(3),
      onesA: fc.nat(7),
      onesB: fc.nat(7),
      a: operandArb,
      b: operandArb,
      number: fc.constantFrom<'none' | 'left' | 'right'>('none', 'none', 'none', 'left', 'right'),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BINARIES), pairArb, fc.integer(), async (name, p, seed) =>
        flat(async () => {
          const op = OPS[name]!;
          const r = rng(seed);
          // Each operand: the common shape with leading dims dropped and some dims set to 1.
          const shapeFrom = (drop: number, ones: number) => p.common.slice(Math.min(drop, p.common.length)).map((s, d) => (ones & (1 << d) ? 1 : s));
          const sa = shapeFrom(p.dropA, p.onesA);
          const sb = shapeFrom(p.dropB, p.onesB);
          const [lo2, hi2] = [op.lo2 ?? op.lo, op.hi2 ?? op.hi];
          const label = `${name} ${describePlan({ sa, sb, p })}`;
          if (p.number === 'none') {
            const a = operand(sa, p.a, op.lo, op.hi, r);
            const b = operand(sb, p.b, lo2, hi2, r);
            const dt = p.a.dtype === 'float32' || p.b.dtype === 'float32' ? 'float32' : 'int32';
            await check(run(name, a.t, b.t), refOf(name, a.ref, b.ref), dtypeOf(op, dt), tolOf(op), label);
            return;
          }
          // A number operand: an integer keeps int32 int32, a fraction promotes to float32.
          const left = p.number === 'left';
          const x = left ? operand(sb, p.b, lo2, hi2, r) : operand(sa, p.a, op.lo, op.hi, r);
          const [nlo, nhi] = left ? [op.lo, op.hi] : [lo2, hi2];
          const n = r() < 0.5 ? Math.ceil(nlo + r() * (nhi - nlo)) : Math.fround(nlo + r() * (nhi - nlo));
          const nd = Number.isInteger(n) ? 'int32' : 'float32';
          const num: Ref = { data: Float64Array.of(n), shape: [] };
          const dt = x.t.dtype === 'float32' || nd === 'float32' ? 'float32' : 'int32';
          const got = left ? run(name, n, x.t) : run(name, x.t, n);
          await check(got, left ? refOf(name, num, x.ref) : refOf(name, x.ref, num), dtypeOf(op, dt), tolOf(op), `${label} number ${n}`);
        }),
      ),
      { seed: SEED, numRuns: runs(80) },
    );
  });

  it('shapes that do not broadcast throw an Error naming the op, leaking nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BINARIES), fc.array(fc.constantFrom<number>(1, 2, 3), { minLength: 1, maxLength: 3 }), fc.nat(2), fc.constantFrom(2, 3, 5), operandArb, async (name, sa, d0, other, plan) =>
        flat(async () => {
          const d = d0 % sa.length;
          sa[d] = sa[d] === 1 ? 2 : sa[d]!;
          const sb = [...sa];
          sb[d] = other === sa[d] ? sa[d]! + 1 : other;
          const op = OPS[name]!;
          const r = rng(d0 + other);
          const a = operand(sa, plan, op.lo, op.hi, r);
          const b = operand(sb, { ...plan, expandMask: 0 }, op.lo2 ?? op.lo, op.hi2 ?? op.hi, r);
          const live = wg.stats().liveBuffers;
          const dispatches = wg.stats().dispatches;
          expect(() => run(name, a.t, b.t)).toThrow(new RegExp(`^${name}: shapes \\[.*\\] cannot be broadcast together`));
          expect(wg.stats().liveBuffers).toBe(live);
          expect(wg.stats().dispatches).toBe(dispatches);
        }),
      ),
      { seed: SEED, numRuns: runs(20) },
    );
  });
});

describe('fuzz: reductions over random axes of random views', () => {
  const REDUCE = ['sum', 'mean', 'max', 'min', 'prod', 'argmax', 'argmin'] as const;
  it('match float64, and empty max/min/arg reductions throw naming the op', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...REDUCE), shapeArb(), operandArb, fc.nat(7), fc.boolean(), fc.integer(), async (name, shape, plan, axesMask, keepdim, seed) =>
        flat(async () => {
          const r = rng(seed);
          const [lo, hi] = name === 'prod' ? (plan.dtype === 'int32' ? [-1, 1] : [0.5, 1.5]) : [-3, 3];
          const x = operand(shape, plan, lo, hi, r);
          const arg = name === 'argmax' || name === 'argmin';
          // argmax/argmin take one axis (or none: the flattened tensor); the others any set of axes.
          const axes = arg ? (shape.length && axesMask % 2 ? [axesMask % shape.length] : undefined) : shape.map((_, d) => d).filter((d) => axesMask & (1 << d));
          const over = axes ?? shape.map((_, d) => d);
          const outShape = keepdim ? shape.map((s, d) => (over.includes(d) ? 1 : s)) : shape.filter((_, d) => !over.includes(d));
          const emptyAxis = over.some((d) => shape[d] === 0) && numel(outShape) > 0;
          const call = () => (arg ? (x.t as any)[name](axes?.[0], keepdim) : (x.t as any)[name](axes, keepdim)) as wg.Tensor;
          const label = `${name} ${describePlan({ shape, plan, axes, keepdim })}`;
          if (emptyAxis && name !== 'sum' && name !== 'mean' && name !== 'prod') {
            const live = wg.stats().liveBuffers;
            expect(call, label).toThrow(new RegExp(`^${name}: axis \\d+ of shape .* is empty`));
            expect(wg.stats().liveBuffers).toBe(live);
            return;
          }
          const f = REDUCERS[name];
          let want = reduceRef(x.ref, over, keepdim, f);
          if (arg && axes === undefined) want = { data: Float64Array.of(f([...x.ref.data])), shape: keepdim ? shape.map(() => 1) : [] };
          const dtype = arg ? 'int32' : name === 'mean' ? 'float32' : plan.dtype;
          await check(call(), want, dtype, { rtol: 1e-5, atol: 1e-5 }, label);
        }),
      ),
      { seed: SEED, numRuns: runs(50) },
    );
  });
});
