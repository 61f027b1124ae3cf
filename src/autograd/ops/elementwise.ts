// Elementwise ops. Each entry is the whole op: its WGSL expression (over `a`, `b`, `c` and the uniforms
// `u.alpha`, `u.beta`), an integer form if the op keeps ints as ints, and its gradient. Adding an op is
// one entry here plus one line in test/reference/elementwise.ts (the test fails until it exists).
import { fail } from '../../device/index.ts';
import { map, promote, type ComputeType, type DType, type View } from '../../kernels/index.ts';
import { broadcastShapes, deferMap, empty, full, Tensor } from '../../tensor/index.ts';
import { apply } from '../apply.ts';
import type { Ctx, Rule, RulesFor } from '../graph.ts';

export type TensorLike = Tensor | number;
type G = (g: Tensor, x: Tensor, y: Tensor, at: ScalarAttrs) => Tensor;

interface UnarySpec {
  f32: string;
  i32?: string;
  bool?: boolean;
  /** d(out)/d(x) applied to g; 'zero' for piecewise-constant ops. */
  grad: G | 'zero' | 'none';
}

export interface ScalarAttrs {
  alpha?: number;
  beta?: number;
}

type UnaryFn = (x: TensorLike, at?: ScalarAttrs) => Tensor;
type BinaryFn = (x: TensorLike, y: TensorLike, at?: ScalarAttrs) => Tensor;
// Names are plain strings here: typing them by the tables below would make the tables refer to themselves.
const u = (name: string): UnaryFn => (x, at = {}) => apply(name as UnaryName, [asTensor(x, name)], at);
const b2 = (name: string): BinaryFn => (x, y, at = {}) => binary(name as BinaryName, x, y, at);

export const UNARY = {
  neg: { f32: '-a', i32: '-a', grad: (g) => neg(g) },
  abs: { f32: 'abs(a)', i32: 'abs(a)', grad: (g, x) => mul(g, sign(x)) },
  sign: { f32: 'select(sign(a), a, is_nan(a))', i32: 'sign(a)', grad: 'zero' },
  exp: { f32: 'exp(a)', grad: (g, _x, y) => mul(g, y) },
  log: { f32: 'select(select(log(a), -inf_f32(), a == 0.0), nan_f32(), a < 0.0)', grad: (g, x) => div(g, x) },
  log1p: { f32: 'select(select(log1p_(a), -inf_f32(), a == -1.0), nan_f32(), a < -1.0)', grad: (g, x) => div(g, add(x, 1)) },
  expm1: { f32: 'expm1_(a)', grad: (g, _x, y) => mul(g, add(y, 1)) },
  sqrt: { f32: 'select(sqrt(a), nan_f32(), a < 0.0)', grad: (g, _x, y) => div(g, mul(y, 2)) },
  rsqrt: { f32: 'select(select(inverseSqrt(a), inf_f32(), a == 0.0), nan_f32(), a < 0.0)', grad: (g, _x, y) => mul(g, mul(pow(y, 3), -0.5)) },
  square: { f32: 'a * a', i32: 'a * a', grad: (g, x) => mul(g, mul(x, 2)) },
  reciprocal: { f32: '1.0 / a', grad: (g, _x, y) => neg(mul(g, square(y))) },
  sin: { f32: 'sin(a)', grad: (g, x) => mul(g, cos(x)) },
  cos: { f32: 'cos(a)', grad: (g, x) => neg(mul(g, sin(x))) },
  tanh: { f32: 'tanh_(a)', grad: (g, _x, y) => tanhBackward(g, y) },
  sigmoid: { f32: 'sigmoid_(a)', grad: (g, _x, y) => sigmoidBackward(g, y) },
  relu: { f32: 'select(a, 0.0, a < 0.0)', i32: 'max(a, 0)', grad: (g, x) => reluBackward(g, x) },
  leakyRelu: { f32: 'select(a, a * u.alpha, a < 0.0)', grad: (g, x, _y, at) => leakyReluBackward(g, x, at) },
  elu: { f32: 'select(a, u.alpha * expm1_(a), a <= 0.0)', grad: (g, x, _y, at) => eluBackward(g, x, at) },
  gelu: { f32: '0.5 * a * (1.0 + erf_(a * 0.7071067811865476))', grad: (g, x) => geluBackward(g, x) },
  silu: { f32: 'a * sigmoid_(a)', grad: (g, x) => siluBackward(g, x) },
  softplus: { f32: 'softplus_(a)', grad: (g, x) => sigmoidOf(g, x) },
  floor: { f32: 'floor(a)', i32: 'a', grad: 'zero' },
  ceil: { f32: 'ceil(a)', i32: 'a', grad: 'zero' },
  round: { f32: 'round(a)', i32: 'a', grad: 'zero' },
  clamp: { f32: 'select(min(max(a, u.alpha), u.beta), a, is_nan(a))', grad: (g, x, _y, at) => clampBackward(g, x, at) },
  logicalNot: { f32: '!bool(a)', bool: true, grad: 'none' },
  isnan: { f32: 'is_nan(a)', bool: true, grad: 'none' },
  isfinite: { f32: '!is_nan(a) && !is_inf(a)', bool: true, grad: 'none' },
} satisfies Record<string, UnarySpec>;

type BG = (g: Tensor, a: TensorLike, b: TensorLike, y: Tensor, at: ScalarAttrs) => Tensor | null;
interface BinarySpec {
  f32: string;
  i32?: string;
  out?: 'bool' | 'float';
  /** Gradients for a and b; 'none' for bool-valued ops. */
  grad: { a: BG; b: BG } | 'none';
}

const second = (what: string): BG => () => fail(what, 'its second-order gradient is not implemented', 'differentiate a composition of simpler ops instead');

export const BINARY = {
  add: { f32: 'a + b', i32: 'a + b', grad: { a: (g) => g, b: (g) => g } },
  sub: { f32: 'a - b', i32: 'a - b', grad: { a: (g) => g, b: (g) => neg(g) } },
  mul: { f32: 'a * b', i32: 'a * b', grad: { a: (g, _a, b) => mul(g, b), b: (g, a) => mul(g, a) } },
  div: { f32: 'a / b', out: 'float', grad: { a: (g, _a, b) => div(g, b), b: (g, _a, b, y) => neg(mul(g, div(y, b))) } },
  pow: { f32: 'pow_(a, b)', out: 'float', grad: { a: (g, a, b) => mul(g, mul(b, pow(a, sub(b, 1)))), b: (g, a, _b, y) => mul(g, mul(y, log(a))) } },
  maximum: { f32: 'select(max(a, b), a + b, is_nan(a) || is_nan(b))', i32: 'max(a, b)', grad: { a: (g, a, b) => pickBackward(g, a, b, 'gt'), b: (g, a, b) => pickBackward(g, b, a, 'gt') } },
  minimum: { f32: 'select(min(a, b), a + b, is_nan(a) || is_nan(b))', i32: 'min(a, b)', grad: { a: (g, a, b) => pickBackward(g, a, b, 'lt'), b: (g, a, b) => pickBackward(g, b, a, 'lt') } },
  eq: { f32: 'a == b', i32: 'a == b', out: 'bool', grad: 'none' },
  ne: { f32: 'a != b', i32: 'a != b', out: 'bool', grad: 'none' },
  lt: { f32: 'a < b', i32: 'a < b', out: 'bool', grad: 'none' },
  le: { f32: 'a <= b', i32: 'a <= b', out: 'bool', grad: 'none' },
  gt: { f32: 'a > b', i32: 'a > b', out: 'bool', grad: 'none' },
  ge: { f32: 'a >= b', i32: 'a >= b', out: 'bool', grad: 'none' },
  logicalAnd: { f32: 'bool(a) && bool(b)', i32: 'bool(a) && bool(b)', out: 'bool', grad: 'none' },
  logicalOr: { f32: 'bool(a) || bool(b)', i32: 'bool(a) || bool(b)', out: 'bool', grad: 'none' },
  logicalXor: { f32: 'bool(a) != bool(b)', i32: 'bool(a) != bool(b)', out: 'bool', grad: 'none' },
  // Fused gradient kernels: a is the incoming gradient, b the saved input or output.
  reluBackward: { f32: 'select(0.0, a, b > 0.0)', grad: { a: (g, _a, b) => reluBackward(g, b), b: () => null } },
  leakyReluBackward: { f32: 'select(a * u.alpha, a, b > 0.0)', grad: { a: (g, _a, b, _y, at) => leakyReluBackward(g, b, at), b: () => null } },
  eluBackward: { f32: 'select(a * u.alpha * exp(b), a, b > 0.0)', grad: { a: (g, _a, b, _y, at) => eluBackward(g, b, at), b: second('eluBackward') } },
  geluBackward: { f32: 'a * (0.5 * (1.0 + erf_(b * 0.7071067811865476)) + b * 0.3989422804014327 * exp(-0.5 * b * b))', grad: { a: (g, _a, b) => geluBackward(g, b), b: second('geluBackward') } },
  siluBackward: { f32: 'a * sigmoid_(b) * (1.0 + b * (1.0 - sigmoid_(b)))', grad: { a: (g, _a, b) => siluBackward(g, b), b: second('siluBackward') } },
  sigmoidOf: { f32: 'a * sigmoid_(b)', grad: { a: (g, _a, b) => sigmoidOf(g, b), b: (g, a, b) => mul(g, sigmoidBackward(a as Tensor, sigmoid(b))) } },
  tanhBackward: { f32: 'a * (1.0 - b * b)', grad: { a: (g, _a, b) => tanhBackward(g, b), b: (g, a, b) => mul(mul(g, a), mul(b, -2)) } },
  sigmoidBackward: { f32: 'a * b * (1.0 - b)', grad: { a: (g, _a, b) => sigmoidBackward(g, b), b: (g, a, b) => mul(mul(g, a), rsub(mul(b, 2), 1)) } },
  clampBackward: { f32: 'select(0.0, a, b >= u.alpha && b <= u.beta)', grad: { a: (g, _a, b, _y, at) => clampBackward(g, b, at), b: () => null } },
} satisfies Record<string, BinarySpec>;

export type UnaryName = keyof typeof UNARY;
export type BinaryName = keyof typeof BINARY;

/** Attributes of binary ops: a scalar operand lives in the uniform block, never in a buffer. */
export interface BinaryAttrs extends ScalarAttrs {
  scalar?: number;
  /** The scalar is the left operand (2 - x). */
  reverse?: boolean;
}

export type ElementwiseAttrs = { [K in UnaryName]: ScalarAttrs } & { [K in BinaryName]: BinaryAttrs } & { where: {} };

export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') fail(op, `expected a Tensor or a number, got ${typeof x}`);
  return full([], x);
}

function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const nd = shape.length;
  return shape.map((s, d) => {
    const k = d - (nd - t.ndim);
    return k >= 0 && t.shape[k] === s ? t.strides[k]! : 0;
  });
}

function broadcastView(t: Tensor, shape: readonly number[]): View {
  return { buffer: t.buffer, dtype: t.dtype, shape, strides: broadcastStrides(t, shape), offset: t.offset };
}

function scalarDtype(v: number): DType {
  return Number.isInteger(v) ? 'int32' : 'float32';
}

/** Picks the compute type and output dtype of an op from its operands' promoted dtype. */
function typing(spec: { i32?: string; out?: 'bool' | 'float'; bool?: boolean }, dt: DType): { ct: ComputeType; out: DType; expr: 'f32' | 'i32' } {
  if (spec.bool) return { ct: 'f32', out: 'bool', expr: 'f32' };
  const intOk = spec.i32 !== undefined && dt !== 'float32' && spec.out !== 'float';
  const ct: ComputeType = intOk ? 'i32' : 'f32';
  const out: DType = spec.out === 'bool' ? 'bool' : intOk ? 'int32' : 'float32';
  return { ct, out, expr: intOk ? 'i32' : 'f32' };
}

function runMap(name: string, spec: UnarySpec | BinarySpec, inputs: Tensor[], dt: DType, s: { alpha?: number; beta?: number; scalarB?: number }, reverse = false): Tensor {
  const shape = broadcastShapes(name, ...inputs.map((t) => t.shape));
  const ty = typing(spec, dt);
  let expr = ty.expr === 'i32' ? spec.i32! : spec.f32;
  if (reverse) expr = expr.replace(/\b[ab]\b/g, (m) => (m === 'a' ? 'b' : 'a'));
  if (ty.ct === 'f32' && ty.out === 'float32' && inputs.length <= 2) {
    const operands = inputs.map((t) => ({ t, strides: broadcastStrides(t, shape) }));
    const lazy = deferMap(name, expr, operands, s, shape);
    if (lazy) return lazy;
  }
  const out = empty(shape, ty.out, name);
  map(out.dev, { name, expr, ct: ty.ct }, inputs.map((t) => broadcastView(t, shape)), out, s);
  return out;
}

function unaryRule(name: UnaryName): Rule<ScalarAttrs> {
  const spec: UnarySpec = UNARY[name];
  return {
    forward: ([x], at) => runMap(name, spec, [x!], x!.dtype === 'bool' && spec.i32 ? 'int32' : x!.dtype, { alpha: at.alpha, beta: at.beta }),
    backward: spec.grad === 'none' ? 'none' : spec.grad === 'zero' ? () => [null] : (g, c) => [(spec.grad as G)(g, c.inputs[0]!, c.output, c.attrs)],
  };
}

function binaryRule(name: BinaryName): Rule<BinaryAttrs> {
  const spec: BinarySpec = BINARY[name];
  return {
    forward: (ins, at) => {
      if (at.scalar === undefined) return runMap(name, spec, ins, promote(ins[0]!.dtype, ins[1]!.dtype), at);
      const dt = promote(ins[0]!.dtype, scalarDtype(at.scalar));
      return runMap(name, spec, ins, dt === 'bool' ? 'int32' : dt, { alpha: at.alpha, scalarB: at.scalar }, at.reverse);
    },
    backward:
      spec.grad === 'none'
        ? 'none'
        : (g, c: Ctx<BinaryAttrs>) => {
            const grad = spec.grad as { a: BG; b: BG };
            const s = c.attrs.scalar;
            if (s === undefined) {
              const [a, b] = c.inputs as [Tensor, Tensor];
              return [c.needs[0] ? grad.a(g, a, b, c.output, c.attrs) : null, c.needs[1] ? grad.b(g, a, b, c.output, c.attrs) : null];
            }
            const t = c.inputs[0]!;
            return [c.attrs.reverse ? grad.b(g, s, t, c.output, c.attrs) : grad.a(g, t, s, c.output, c.attrs)];
          },
  };
}

function binary(name: BinaryName, x: TensorLike, y: TensorLike, at: ScalarAttrs = {}): Tensor {
  if (typeof x === 'number' && typeof y === 'number') return apply(name, [asTensor(x, name), asTensor(y, name)], at);
  if (typeof y === 'number') return apply(name, [asTensor(x, name)], { ...at, scalar: y });
  if (typeof x === 'number') return apply(name, [y], { ...at, scalar: x, reverse: true });
  return apply(name, [x, y], at);
}

export const elementwiseRules: RulesFor<ElementwiseAttrs> = {
  ...(Object.fromEntries(Object.keys(UNARY).map((k) => [k, unaryRule(k as UnaryName)])) as RulesFor<{ [K in UnaryName]: ScalarAttrs }>),
  ...(Object.fromEntries(Object.keys(BINARY).map((k) => [k, binaryRule(k as BinaryName)])) as RulesFor<{ [K in BinaryName]: BinaryAttrs }>),
  where: {
    forward: ([c, a, b]) => {
      const dt = promote(a!.dtype, b!.dtype);
      const ct = dt === 'float32' ? 'f32' : 'i32';
      const shape = broadcastShapes('where', c!.shape, a!.shape, b!.shape);
      const out = empty(shape, dt, 'where');
      // A NaN condition counts as true, as in PyTorch; SwiftShader folds NaN != 0.0 to false, so it is tested by bits.
      const expr = ct === 'f32' ? 'select(c, b, a != 0.0 || is_nan(a))' : 'select(c, b, a != 0)';
      map(out.dev, { name: 'where', expr, ct }, [c!, a!, b!].map((t) => broadcastView(t, shape)), out);
      return out;
    },
    backward: (g, c) => [null, c.needs[1] ? where(c.inputs[0]!, g, 0) : null, c.needs[2] ? where(c.inputs[0]!, 0, g) : null],
    saves: { output: false },
  },
};

// Functional forms.
export const neg = u('neg'), abs = u('abs'), sign = u('sign'), exp = u('exp'), log = u('log'), log1p = u('log1p');
export const expm1 = u('expm1'), sqrt = u('sqrt'), rsqrt = u('rsqrt'), square = u('square'), reciprocal = u('reciprocal');
export const sin = u('sin'), cos = u('cos'), tanh = u('tanh'), sigmoid = u('sigmoid'), relu = u('relu'), gelu = u('gelu');
export const silu = u('silu'), softplus = u('softplus'), floor = u('floor'), ceil = u('ceil'), round = u('round');
export const logicalNot = u('logicalNot'), isnan = u('isnan'), isfinite = u('isfinite');
export const leakyRelu = (x: TensorLike, negativeSlope = 0.01) => apply('leakyRelu', [asTensor(x, 'leakyRelu')], { alpha: negativeSlope });
export const elu = (x: TensorLike, alpha = 1) => apply('elu', [asTensor(x, 'elu')], { alpha });
export const clamp = (x: TensorLike, min?: number | null, max?: number | null) =>
  apply('clamp', [asTensor(x, 'clamp')], { alpha: min ?? -Infinity, beta: max ?? Infinity });

export const add = b2('add'), sub = b2('sub'), mul = b2('mul'), div = b2('div'), pow = b2('pow');
export const maximum = b2('maximum'), minimum = b2('minimum');
export const eq = b2('eq'), ne = b2('ne'), lt = b2('lt'), le = b2('le'), gt = b2('gt'), ge = b2('ge');
export const logicalAnd = b2('logicalAnd'), logicalOr = b2('logicalOr'), logicalXor = b2('logicalXor');
export const rsub = (x: TensorLike, y: TensorLike): Tensor => sub(y, x);

const reluBackward = (g: Tensor, x: TensorLike) => b2('reluBackward')(g, x);
const leakyReluBackward = (g: Tensor, x: TensorLike, at: ScalarAttrs) => b2('leakyReluBackward')(g, x, at);
const eluBackward = (g: Tensor, x: TensorLike, at: ScalarAttrs) => b2('eluBackward')(g, x, at);
const geluBackward = b2('geluBackward'), siluBackward = b2('siluBackward'), sigmoidOf = b2('sigmoidOf');
const tanhBackward = b2('tanhBackward'), sigmoidBackward = b2('sigmoidBackward');
const clampBackward = (g: Tensor, x: TensorLike, at: ScalarAttrs) => b2('clampBackward')(g, x, at);

/** Gradient share of a max/min operand: all of g where it wins, half on ties (as PyTorch). */
function pickBackward(g: Tensor, self: TensorLike, other: TensorLike, wins: 'gt' | 'lt'): Tensor {
  const win = wins === 'gt' ? gt(self, other) : lt(self, other);
  const tie = eq(self, other);
  return mul(g, add(win, mul(tie, 0.5)));
}

export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = asTensor(cond, 'where');
  const made: Tensor[] = [];
  const t = (x: TensorLike) => (x instanceof Tensor ? x : (made.push(asTensor(x, 'where')), made[made.length - 1]!));
  const out = apply('where', [c, t(a), t(b)], {});
  for (const m of made) m.dispose();
  return out;
}
