// NaN, ±Inf and ±0 through every elementwise op of the table (test/reference/elementwise.ts), on both
// kernel plans, fused and unfused, compared with the float64 reference. SwiftShader's exp and log of NaN
// give Inf and 89.13, and its compiler folds x != x, so the prelude guards each transcendental by bits.
// Results: NaN must be NaN, an infinity the same infinity, a zero a zero of the same sign (except for
// maximum and minimum, where IEEE leaves it open), anything else within the op's table tolerance.
import { afterEach, describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';
import * as E from '../src/autograd/ops/elementwise.ts';
import { OPS } from './reference/elementwise.ts';
import { forceProfile, restoreProfile } from './support/profile.ts';

type AnyOp = E.UnaryOp<(x: E.TensorLike, ...p: any[]) => wg.Tensor> | E.BinaryOp<boolean>;
const isOp = (v: unknown): v is AnyOp => typeof v === 'function' && 'kind' in v && 'opName' in v;
const ALL = [...Object.values(E).filter(isOp), ...Object.values(E.FUSED)];
const BY_NAME = new Map(ALL.map((o) => [o.opName, o]));
const UNARIES = ALL.filter((o) => o.kind === 'unary').map((o) => o.opName);
const BINARIES = ALL.filter((o) => o.kind === 'binary').map((o) => o.opName);

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 0.5, -2, 100, -100];
const SPECIAL2 = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1.5, -3];
const f = Math.fround;

function run(name: string, a: E.TensorLike, b?: E.TensorLike): wg.Tensor {
  const o = BY_NAME.get(name)!;
  const at = OPS[name]!.at ?? {};
  return o.kind === 'unary' ? o.run(a, at) : o.run(a, b!, at);
}

function want(name: string, a: number, b = 0): number {
  const op = OPS[name]!;
  const v = op.f(f(a), f(b), op.at ?? {});
  return op.out === 'bool' ? v : f(v);
}

// IEEE 754 leaves the sign of max(0, -0) and min(0, -0) open, and so does PyTorch.
const ZERO_SIGN_FREE = new Set(['maximum', 'minimum']);

function same(got: number, exp: number, name: string): boolean {
  if (Number.isNaN(exp)) return Number.isNaN(got);
  if (exp === 0 && ZERO_SIGN_FREE.has(name)) return got === 0;
  if (!Number.isFinite(exp) || exp === 0) return Object.is(got, exp);
  const tol = { rtol: 1e-5, atol: 1e-6, ...OPS[name]!.tol };
  return Math.abs(got - exp) <= (tol.atol ?? 0) + (tol.rtol ?? 0) * Math.abs(exp);
}

async function expectAll(name: string, got: wg.Tensor, wants: number[], inputs: string[], how: string): Promise<void> {
  const g = Array.from(await got.data());
  const bad = g.map((v, i) => (same(v, wants[i]!, name) ? null : `${name}(${inputs[i]}) = ${Object.is(v, -0) ? '-0' : v}, want ${Object.is(wants[i], -0) ? '-0' : wants[i]}`)).filter((s) => s !== null);
  expect(bad, `${name} ${how}`).toEqual([]);
}

const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

describe.each([
  ['software', true],
  ['software', false],
  ['gpu', true],
  ['gpu', false],
] as const)('special values on the %s plan, fusion %s', (plan, fused) => {
  afterEach(() => {
    wg.setFusion(true);
    restoreProfile();
  });
  const setup = () => {
    forceProfile({ plan });
    wg.setFusion(fused);
  };

  it.each(UNARIES)('unary %s: NaN, ±Inf, ±0 alone and after another op', async (name) => {
    setup();
    await wg.scope(async () => {
      const x = wg.tensor(SPECIAL);
      const wants = SPECIAL.map((a) => want(name, a));
      const inputs = SPECIAL.map(show);
      await expectAll(name, run(name, x), wants, inputs, 'on a tensor');
      // A chain: in the fused plan both ops become one kernel, where a compiler may fold differently.
      await expectAll(name, run(name, x.mul(1)), wants, inputs, 'after mul(1)');
    });
  });

  it.each(BINARIES)('binary %s: every pair of NaN, ±Inf, ±0, and numbers', async (name) => {
    setup();
    await wg.scope(async () => {
      const pa = SPECIAL2.flatMap((a) => SPECIAL2.map(() => a));
      const pb = SPECIAL2.flatMap(() => SPECIAL2);
      const wants = pa.map((a, i) => want(name, a, pb[i]));
      const inputs = pa.map((a, i) => `${show(a)}, ${show(pb[i]!)}`);
      const a = wg.tensor(pa);
      const b = wg.tensor(pb);
      await expectAll(name, run(name, a, b), wants, inputs, 'tensor with tensor');
      await expectAll(name, run(name, a.mul(1), b.mul(1)), wants, inputs, 'after mul(1)');
      if (OPS[name]!.internal) return;
      for (const s of [NaN, Infinity, -0]) {
        await expectAll(name, run(name, a, s), pa.map((v) => want(name, v, s)), pa.map((v) => `${show(v)}, ${show(s)}`), `tensor with the number ${show(s)}`);
        await expectAll(name, run(name, s, b), pb.map((v) => want(name, s, v)), pb.map((v) => `${show(s)}, ${show(v)}`), `the number ${show(s)} with a tensor`);
      }
    });
  });
});

describe('NaN reaches the losses', () => {
  it('binaryCrossEntropy of NaN is NaN, not a finite -89.13', async () => {
    const l = wg.nn.functional.binaryCrossEntropy(wg.tensor([NaN, 0.5]), wg.tensor([1, 1]), { reduction: 'none' });
    const v = Array.from(await l.data());
    expect(Number.isNaN(v[0])).toBe(true);
    expect(v[1]).toBeCloseTo(Math.log(2), 5);
  });
});

describe('int32 arithmetic', () => {
  it('wraps like two\'s complement (creation out of range throws instead, see test/args.test.ts)', async () => {
    const i = (...v: number[]) => wg.tensor(Int32Array.from(v));
    expect(Array.from(await i(2147483647, -2147483648).add(i(1, -1)).data())).toEqual([-2147483648, 2147483647]);
    expect(Array.from(await i(2147483647).add(1).data())).toEqual([-2147483648]);
    expect(Array.from(await i(65536, 65537).mul(65536).data())).toEqual([0, 65536]);
    expect(Array.from(await i(-2147483648).neg().data())).toEqual([-2147483648]);
  });
});
