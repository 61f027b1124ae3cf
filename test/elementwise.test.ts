// Every elementwise op (each unary() and binary() declaration in src/autograd/ops/elementwise.ts, the
// fused gradient kernels in FUSED, plus where) against the float64 table in test/reference/elementwise.ts.
// The declarations drive the tests: an op declared there without a line in the table fails the first test.
import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import * as E from '../src/autograd/ops/elementwise.ts';
import { gradcheck } from './reference/gradcheck.ts';
import { assertClose, broadcastMap, randomInts, randomRef, type Ref, type Tolerance } from './reference/index.ts';
import { expanded, OPS, place, ref64, refOf, type OpRef } from './reference/elementwise.ts';

type ElementwiseOp = E.UnaryOp<(x: E.TensorLike, ...p: any[]) => wg.Tensor> | E.BinaryOp<boolean>;
const isOp = (v: unknown): v is ElementwiseOp => typeof v === 'function' && 'kind' in v && 'opName' in v;
const DECLARED = Object.entries(E).filter((e): e is [string, ElementwiseOp] => isOp(e[1]));
const ALL = [...DECLARED.map(([, o]) => o), ...Object.values(E.FUSED)];
const UNARY = Object.fromEntries(ALL.filter((o): o is E.UnaryOp<any> => o.kind === 'unary').map((o) => [o.opName, o]));
const BINARY = Object.fromEntries(ALL.filter((o): o is E.BinaryOp<boolean> => o.kind === 'binary').map((o) => [o.opName, o]));
const UNARIES = Object.keys(UNARY);
const BINARIES = Object.keys(BINARY);
// The per-op tests run for ops with a reference line; the first test names any op without one.
const REF_UNARIES = UNARIES.filter((n) => OPS[n]);
const REF_BINARIES = BINARIES.filter((n) => OPS[n]);
const DEFAULT_TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const tolOf = (op: OpRef) => ({ ...DEFAULT_TOL, ...op.tol });

type Operand = wg.Tensor | number;

/** Runs op `name` with the table's attributes, through the declaration's rule as its public function does. */
function run(name: string, a: Operand, b?: Operand): wg.Tensor {
  const at = OPS[name]!.at ?? {};
  if (UNARY[name]) return UNARY[name].run(a, at);
  return BINARY[name]!.run(a, b!, at);
}

/** The dtype an op gives for operands of promoted dtype `dt`. */
function dtypeOf(op: OpRef, dt: wg.DType): wg.DType {
  if (op.out === 'bool') return 'bool';
  if (dt === 'float32' || op.out === 'float' || !op.int) return 'float32';
  return 'int32';
}

const dom2 = (op: OpRef): [number, number] => [op.lo2 ?? op.lo, op.hi2 ?? op.hi];
const scalarIn = (lo: number, hi: number) => Math.fround(lo + 0.37 * (hi - lo));

async function check(name: string, got: wg.Tensor, want: Ref, dtype: wg.DType, label: string): Promise<void> {
  expect(got.shape, label).toEqual(want.shape);
  expect(got.dtype, label).toBe(dtype);
  assertClose(await got.data(), want, dtype === 'float32' ? tolOf(OPS[name]!) : { rtol: 0, atol: 0 }, `${name} ${label}`);
}

describe('the reference table', () => {
  it('has a line for every declared op, and each declaration is exported under its op name', () => {
    expect(UNARIES.length).toBeGreaterThan(20);
    expect(BINARIES.length).toBeGreaterThan(20);
    expect(DECLARED.filter(([k, o]) => k !== o.opName).map(([k]) => k)).toEqual([]);
    expect([...UNARIES, ...BINARIES].filter((n) => !OPS[n])).toEqual([]);
    expect(Object.keys(OPS).filter((n) => !(n in UNARY) && !(n in BINARY))).toEqual([]);
    expect(REF_UNARIES.every((n) => OPS[n]!.arity === 1) && REF_BINARIES.every((n) => OPS[n]!.arity === 2)).toBe(true);
  });
});

describe.each(REF_UNARIES)('unary %s', (name) => {
  const op = OPS[name]!;
  it('matches float64 on shapes [1], [7], [13, 127]', async () => {
    for (const [k, shape] of [[1], [7], [13, 127]].entries()) {
      const x = randomRef(shape, 100 + k, op.lo, op.hi);
      await check(name, run(name, place(x)), refOf(name, x), dtypeOf(op, 'float32'), `shape [${shape}]`);
    }
  });

  it('reads transposed, sliced, offset and expanded inputs', async () => {
    const x = randomRef([13, 7], 110, op.lo, op.hi);
    for (const layout of ['transposed', 'sliced', 'offset'] as const) await check(name, run(name, place(x, layout)), refOf(name, x), dtypeOf(op, 'float32'), layout);
    const e = expanded(randomRef([3, 1, 5], 111, op.lo, op.hi), [3, 4, 5]);
    await check(name, run(name, e.t), refOf(name, e.ref), dtypeOf(op, 'float32'), 'expanded');
  });

  it('takes int32 inputs (staying int32 where the op is integral)', async () => {
    const x = randomInts([4, 9], 120, Math.ceil(op.lo), Math.floor(op.hi) + 1);
    await check(name, run(name, place(x, 'transposed', 'int32')), refOf(name, x), dtypeOf(op, 'int32'), 'int32');
  });
});

describe.each(REF_BINARIES)('binary %s', (name) => {
  const op = OPS[name]!;
  const [lo2, hi2] = dom2(op);
  const pair = (sa: number[], sb: number[], seed: number): [Ref, Ref] => [randomRef(sa, seed, op.lo, op.hi), randomRef(sb, seed + 1, lo2, hi2)];

  it('matches float64 on shapes [1], [7], [13, 127]', async () => {
    for (const [k, shape] of [[1], [7], [13, 127]].entries()) {
      const [a, b] = pair(shape, shape, 200 + 2 * k);
      await check(name, run(name, place(a), place(b)), refOf(name, a, b), dtypeOf(op, 'float32'), `shape [${shape}]`);
    }
  });

  it('broadcasts in every position, including 0-d and number operands on both sides', async () => {
    const shapes: [number[], number[]][] = [[[3, 1, 5], [4, 1]], [[4, 1], [3, 1, 5]], [[1, 7], [13, 1]], [[], [7]], [[7], []]];
    for (const [k, [sa, sb]] of shapes.entries()) {
      const [a, b] = pair(sa, sb, 210 + 2 * k);
      await check(name, run(name, place(a), place(b)), refOf(name, a, b), dtypeOf(op, 'float32'), `[${sa}] with [${sb}]`);
    }
    // Gradient kernels are only ever called with two tensors (a number would take the slot of beta).
    if (op.internal) return;
    const s2 = scalarIn(lo2, hi2);
    const x = randomRef([3, 5], 220, op.lo, op.hi);
    await check(name, run(name, place(x), s2), refOf(name, x, { data: Float64Array.of(s2), shape: [] }), dtypeOf(op, 'float32'), 'x op number');
    const s1 = scalarIn(op.lo, op.hi);
    const y = randomRef([3, 5], 221, lo2, hi2);
    await check(name, run(name, s1, place(y)), refOf(name, { data: Float64Array.of(s1), shape: [] }, y), dtypeOf(op, 'float32'), 'number op x');
  });

  it('reads transposed, sliced, offset and expanded operands', async () => {
    const [a, b] = pair([13, 7], [13, 7], 230);
    await check(name, run(name, place(a, 'transposed'), place(b, 'sliced')), refOf(name, a, b), dtypeOf(op, 'float32'), 'transposed with sliced');
    await check(name, run(name, place(a, 'offset'), place(b, 'transposed')), refOf(name, a, b), dtypeOf(op, 'float32'), 'offset with transposed');
    const e = expanded(randomRef([1, 7], 232, op.lo, op.hi), [13, 7]);
    await check(name, run(name, e.t, place(b, 'sliced')), refOf(name, e.ref, b), dtypeOf(op, 'float32'), 'expanded with sliced');
  });

  it.skipIf(!!op.internal)('takes int32 operands (and int/float mixes, and int numbers)', async () => {
    const a = randomInts([4, 9], 240, Math.ceil(op.lo), Math.floor(op.hi) + 1);
    const b = randomInts([9], 241, Math.ceil(lo2), Math.floor(hi2) + 1);
    await check(name, run(name, place(a, 'transposed', 'int32'), place(b, 'sliced', 'int32')), refOf(name, a, b), dtypeOf(op, 'int32'), 'int32 with int32');
    await check(name, run(name, place(a, 'contiguous', 'int32'), place(b)), refOf(name, a, b), dtypeOf(op, 'float32'), 'int32 with float32');
    const s = Math.ceil(scalarIn(lo2, hi2));
    await check(name, run(name, place(a, 'contiguous', 'int32'), s), refOf(name, a, { data: Float64Array.of(s), shape: [] }), dtypeOf(op, 'int32'), 'int32 with an int number');
    await check(name, run(name, place(a, 'contiguous', 'int32'), 0.5 + s), refOf(name, a, { data: Float64Array.of(0.5 + s), shape: [] }), dtypeOf(op, 'float32'), 'int32 with a float number');
  });
});

describe('dtypes', () => {
  const I = (v: number[]) => wg.tensor(Int32Array.from(v));
  const Bo = (v: boolean[]) => wg.tensor(v);
  it('comparisons give bool, int op int stays int, div and pow give float', async () => {
    expect(I([1, 2]).lt(I([2, 2])).dtype).toBe('bool');
    expect(I([7, -7]).add(I([1, 1])).dtype).toBe('int32');
    const q = I([7, -7]).div(I([2, 2]));
    expect(q.dtype).toBe('float32');
    expect(Array.from(await q.data())).toEqual([3.5, -3.5]);
    expect(I([2]).pow(I([-1])).dtype).toBe('float32');
    expect(I([3]).mul(2).dtype).toBe('int32');
    expect(I([3]).mul(0.5).dtype).toBe('float32');
    expect(wg.tensor([3]).mul(I([2])).dtype).toBe('float32');
  });

  it('bool operands: logic, comparisons, arithmetic with ints and floats', async () => {
    const a = Bo([true, true, false, false]);
    const b = Bo([true, false, true, false]);
    expect(Array.from(await a.logicalAnd(b).data())).toEqual([1, 0, 0, 0]);
    expect(Array.from(await a.logicalOr(b).data())).toEqual([1, 1, 1, 0]);
    expect(Array.from(await a.logicalXor(b).data())).toEqual([0, 1, 1, 0]);
    expect(Array.from(await a.logicalNot().data())).toEqual([0, 0, 1, 1]);
    expect(Array.from(await a.eq(b).data())).toEqual([1, 0, 0, 1]);
    const ai = a.add(I([1, 2, 3, 4]));
    expect(ai.dtype).toBe('int32');
    expect(Array.from(await ai.data())).toEqual([2, 3, 3, 4]);
    const af = a.mul(wg.tensor([0.5, 0.5, 0.5, 0.5]));
    expect(af.dtype).toBe('float32');
    expect(Array.from(await af.data())).toEqual([0.5, 0.5, 0, 0]);
    expect(Array.from(await wg.tensor([0, -2, 0.5]).logicalNot().data())).toEqual([1, 0, 0]);
  });
});

describe('NaN and Inf', () => {
  const t = (v: number[]) => wg.tensor(v);
  const vals = async (x: wg.Tensor) => Array.from(await x.data());
  it('relu, maximum, minimum and clamp propagate NaN', async () => {
    expect(await vals(t([NaN, -1, 2]).relu())).toEqual([NaN, 0, 2]);
    expect(await vals(t([NaN, 1, 3]).maximum(t([1, NaN, 2])))).toEqual([NaN, NaN, 3]);
    expect(await vals(t([NaN, 1, 3]).minimum(t([1, NaN, 2])))).toEqual([NaN, NaN, 2]);
    expect(await vals(t([NaN, -5, 5, 0]).clamp(-1, 1))).toEqual([NaN, -1, 1, 0]);
    expect(await vals(t([NaN, -Infinity, Infinity]).clamp(-1))).toEqual([NaN, -1, Infinity]);
    expect(await vals(wg.maximum(t([NaN]), 0))).toEqual([NaN]);
  });

  it('log, sqrt, rsqrt, log1p, division and exp at their edges', async () => {
    expect(await vals(t([0, -1, Infinity]).log())).toEqual([-Infinity, NaN, Infinity]);
    expect(await vals(t([-1, 0, Infinity]).sqrt())).toEqual([NaN, 0, Infinity]);
    expect(await vals(t([0, -1]).rsqrt())).toEqual([Infinity, NaN]);
    expect(await vals(t([-1, -2]).log1p())).toEqual([-Infinity, NaN]);
    expect(await vals(t([1, -1, 0]).div(0))).toEqual([Infinity, -Infinity, NaN]);
    expect(await vals(wg.div(1, t([0])))).toEqual([Infinity]);
    expect(await vals(t([0]).reciprocal())).toEqual([Infinity]);
    const e = await vals(t([100, -100]).exp());
    expect(e[0]).toBe(Infinity);
    expect(e[1]).toBeGreaterThanOrEqual(0);
    expect(e[1]).toBeLessThan(1e-30);
    expect(await vals(t([NaN, Infinity, -Infinity, 1]).isnan())).toEqual([1, 0, 0, 0]);
    expect(await vals(t([NaN, Infinity, -Infinity, 1]).isfinite())).toEqual([0, 0, 0, 1]);
    expect(await vals(t([NaN, -0.5, 2]).sign())).toEqual([NaN, -1, 1]);
  });

  it('tanh, sigmoid, silu, softplus of +-100 are finite and saturated', async () => {
    expect(await vals(t([100, -100, 1e30, -1e30]).tanh())).toEqual([1, -1, 1, -1]);
    const s = await vals(t([100, -100]).sigmoid());
    expect(s[0]).toBe(1);
    expect(s[1]).toBeGreaterThanOrEqual(0);
    expect(s[1]).toBeLessThan(1e-30);
    const sp = await vals(t([100, -100]).softplus());
    expect(sp[0]).toBe(100);
    expect(sp[1]).toBeGreaterThanOrEqual(0);
    expect(sp[1]).toBeLessThan(1e-30);
    const si = await vals(t([100, -100]).silu());
    expect(si[0]).toBe(100);
    expect(Math.abs(si[1]!)).toBeLessThan(1e-30);
    assertClose(await wg.pow(t([-8, -8, -2, 0, 0, 2]), t([1 / 3, 2, 3, -1, 0, Infinity])).data(), [NaN, 64, -8, Infinity, 1, Infinity], { rtol: 1e-6 }, 'pow');
  });
});

describe('where', () => {
  it('selects with broadcasting in every position, any condition dtype, promoting the branches', async () => {
    const c = randomInts([3, 1, 5], 300, 0, 2);
    const a = randomRef([4, 1], 301);
    const b = randomRef([5], 302);
    const want = broadcastMap((cv, av, bv) => (cv ? av : bv), c, a, b);
    assertClose(await wg.where(place(c, 'contiguous', 'bool'), place(a), place(b, 'sliced')).data(), want, { rtol: 0, atol: 0 });
    assertClose(await place(a).where(place(c, 'sliced', 'int32'), place(b)).data(), want, { rtol: 0, atol: 0 });
    assertClose(await wg.where(place(c), place(a, 'offset'), place(b)).data(), want, { rtol: 0, atol: 0 });
    const ints = wg.where(wg.tensor([true, false]), wg.tensor(Int32Array.of(1, 2)), wg.tensor(Int32Array.of(3, 4)));
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([1, 4]);
    const mixed = wg.where(wg.tensor([true, false]), 7, wg.tensor([0.5, 0.25]));
    expect(mixed.dtype).toBe('float32');
    expect(Array.from(await mixed.data())).toEqual([7, 0.25]);
    // A float condition is true when nonzero, NaN included (PyTorch's rule).
    const nanCond = wg.where(wg.tensor([NaN, 0, -2]), wg.tensor([1, 1, 1]), wg.tensor([5, 5, 5]));
    expect(Array.from(await nanCond.data())).toEqual([1, 5, 1]);
  });

  it('gradcheck through both branches with broadcasting', async () => {
    const c = wg.keep(wg.tensor([[true, false, true], [false, false, true]]));
    const cref = [1, 0, 1, 0, 0, 1];
    await gradcheck((a, b) => wg.where(c, a!, b!), (a, b) => broadcastMap((cv, av, bv) => (cv ? av : bv), { data: Float64Array.from(cref), shape: [2, 3] }, a!, b!), [randomRef([2, 1], 310), randomRef([3], 311)]);
    c.dispose();
  });
});

describe('more than 65,535 workgroups', () => {
  it('int32 add over 2^24 + 3 elements covers the split grid', async () => {
    const n = 2 ** 24 + 3;
    expect(wg.device().grid(Math.ceil(n / 256))[1]).toBeGreaterThan(1);
    const x = wg.arange(n, undefined, 1, { dtype: 'int32' });
    const y = x.add(5);
    expect(Array.from(await y.slice(0, n - 3).data())).toEqual([n + 2, n + 3, n + 4]);
    const edge = 65_535 * 256;
    expect(Array.from(await y.slice(0, edge - 1, edge + 2).data())).toEqual([edge + 4, edge + 5, edge + 6]);
    x.dispose();
    y.dispose();
  });
});

describe('gradients', () => {
  const unaryGrads = REF_UNARIES.filter((n) => OPS[n]!.grad);
  const binaryGrads = REF_BINARIES.filter((n) => OPS[n]!.grad);

  it('every differentiable public op has a gradient domain in the table', () => {
    for (const n of ['neg', 'exp', 'log', 'tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu', 'gelu', 'silu', 'softplus', 'clamp', 'add', 'mul', 'div', 'pow', 'maximum', 'minimum'])
      expect(OPS[n]!.grad, n).toBeDefined();
  });

  it.each(unaryGrads)('%s: contiguous and transposed', async (name) => {
    const op = OPS[name]!;
    const g = op.grad!;
    const f = (x: wg.Tensor) => run(name, x);
    const cpu = (x: Ref) => ref64(name, x);
    await gradcheck(f, cpu, [randomRef([3, 4], 400, g.lo, g.hi)], g.tol);
    await gradcheck(f, cpu, [randomRef([4, 3], 401, g.lo, g.hi)], { ...g.tol, makeInput: (r) => place(r, 'transposed') });
  });

  it.each(binaryGrads)('%s: broadcast, non-contiguous and number operands', async (name) => {
    const op = OPS[name]!;
    const g = op.grad!;
    const [lo2, hi2] = [g.lo2 ?? g.lo, g.hi2 ?? g.hi];
    const f = (a: wg.Tensor, b: wg.Tensor) => run(name, a, b);
    const cpu = (a: Ref, b: Ref) => ref64(name, a, b);
    await gradcheck(f, cpu, [randomRef([3, 4], 410, g.lo, g.hi), randomRef([4], 411, lo2, hi2)], { ...g.tol, wrt: g.wrt });
    await gradcheck(f, cpu, [randomRef([4, 3], 412, g.lo, g.hi), randomRef([4, 1], 413, lo2, hi2)], {
      ...g.tol,
      wrt: g.wrt,
      makeInput: (r, i) => place(r, i === 0 ? 'transposed' : 'sliced'),
    });
    if (op.internal) return;
    const s2 = scalarIn(lo2, hi2);
    const s1 = scalarIn(g.lo, g.hi);
    const num = (v: number): Ref => ({ data: Float64Array.of(v), shape: [] });
    await gradcheck((a) => run(name, a!, s2), (a) => cpu(a!, num(s2)), [randomRef([5], 414, g.lo, g.hi)], g.tol);
    await gradcheck((b) => run(name, s1, b!), (b) => cpu(num(s1), b!), [randomRef([5], 415, lo2, hi2)], g.tol);
  });

  it('leakyRelu, elu and clamp use their attributes in the gradient', async () => {
    const cases: [(x: wg.Tensor) => wg.Tensor, (v: number) => number][] = [
      [(x) => x.leakyRelu(0.3), (v) => (v < 0 ? 0.3 * v : v)],
      [(x) => wg.elu(x, 0.7), (v) => (v <= 0 ? 0.7 * Math.expm1(v) : v)],
      [(x) => x.clamp(-0.5, 0.25), (v) => Math.min(Math.max(v, -0.5), 0.25)],
      [(x) => x.clamp(null, 0.25), (v) => Math.min(v, 0.25)],
    ];
    // Values kept away from the kinks at 0, -0.5 and 0.25.
    const x: Ref = { data: Float64Array.from([-0.9, -0.7, -0.3, -0.1, 0.1, 0.2, 0.4, 0.8].map(Math.fround)), shape: [2, 4] };
    for (const [gpu, cpu] of cases) await gradcheck((t) => gpu(t!), (r) => ({ data: r!.data.map(cpu), shape: r!.shape }), [x]);
  });

  it('second order (grad of grad) for tanh, sigmoid, exp, mul and relu', async () => {
    const x = randomRef([2, 5], 420, -1.5, 1.5);
    const w = randomRef([2, 5], 421);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const cases: [string, (t: wg.Tensor) => wg.Tensor, (v: number) => number][] = [
      ['tanh', (t) => t.tanh(), (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)],
      ['sigmoid', (t) => t.sigmoid(), (v) => sig(v) * (1 - sig(v)) * (1 - 2 * sig(v))],
      ['exp', (t) => t.exp(), (v) => Math.exp(v)],
      ['mul', (t) => t.mul(t), () => 2],
      ['relu', (t) => t.relu(), () => 0],
    ];
    for (const [name, fn, d2] of cases) {
      await wg.scope(async () => {
        const wt = place(w);
        const first = (t: wg.Tensor) => wg.grad((u: wg.Tensor) => fn(u).sum())(t);
        const second = wg.grad((t: wg.Tensor) => first(t).mul(wt).sum())(place(x));
        assertClose(await second.data(), broadcastMap((v, wv) => wv * d2(v), x, w), { rtol: 1e-4, atol: 1e-5 }, name);
      });
    }
  });
});
