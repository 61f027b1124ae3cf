// Elementwise ops. Each public op is one exported declaration: its WGSL expression (over `a`, `b`, `c`
// and the uniforms `u.alpha`, `u.beta`), an integer form if the op keeps ints as ints, and its gradient;
// unary() and binary() make from it the function, the Tensor method and the autograd rule. Adding a
// unary op is one `export const name = unary('name', {...})` line here plus one line in
// test/reference/elementwise.ts (test/elementwise.test.ts fails until it exists).
import { fail } from '../../device/index.ts';
import { map, promote, type ComputeType, type DType, type View } from '../../kernels/index.ts';
import { broadcastShapes, broadcastStrides, deferMap, describeValue, empty, full, Tensor, tidy } from '../../tensor/index.ts';
import { apply, rules, type FamilyApply } from '../apply.ts';
import { op, type Op } from '../define.ts';
import type { Ctx, Rule } from '../graph.ts';

export type TensorLike = Tensor | number;
type G = (g: Tensor, x: Tensor, y: Tensor, at: ScalarAttrs) => Tensor;

export interface UnarySpec {
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

export const neg = unary('neg', { f32: '-a', i32: '-a', grad: (g) => neg(g) });
export const abs = unary('abs', { f32: 'abs(a)', i32: 'abs(a)', grad: (g, x) => mul(g, sign(x)) });
export const sign = unary('sign', { f32: 'select(sign(a), a, is_nan(a))', i32: 'sign(a)', grad: 'zero' });
export const exp = unary('exp', { f32: 'exp_(a)', grad: (g, _x, y) => mul(g, y) });
export const log = unary('log', { f32: 'log_(a)', grad: (g, x) => div(g, x) });
export const log1p = unary('log1p', { f32: 'log1p_(a)', grad: (g, x) => div(g, add(x, 1)) });
export const expm1 = unary('expm1', { f32: 'expm1_(a)', grad: (g, _x, y) => mul(g, add(y, 1)) });
export const sqrt = unary('sqrt', { f32: 'select(sqrt(a), nan_f32(), a < 0.0)', grad: (g, _x, y) => div(g, mul(y, 2)) });
export const rsqrt = unary('rsqrt', { f32: 'select(select(inverseSqrt(a), 1.0 / a, a == 0.0), nan_f32(), a < 0.0 || is_nan(a))', grad: (g, _x, y) => mul(g, mul(pow(y, 3), -0.5)) });
export const square = unary('square', { f32: 'a * a', i32: 'a * a', grad: (g, x) => mul(g, mul(x, 2)) });
export const reciprocal = unary('reciprocal', { f32: '1.0 / a', grad: (g, _x, y) => neg(mul(g, square(y))) });
export const sin = unary('sin', { f32: 'sin_(a)', grad: (g, x) => mul(g, cos(x)) });
export const cos = unary('cos', { f32: 'cos_(a)', grad: (g, x) => neg(mul(g, sin(x))) });
export const tanh = unary('tanh', { f32: 'tanh_(a)', grad: (g, _x, y) => tanhBackward(g, y) });
export const sigmoid = unary('sigmoid', { f32: 'sigmoid_(a)', grad: (g, _x, y) => sigmoidBackward(g, y) });
export const relu = unary('relu', { f32: 'select(a, 0.0, a < 0.0)', i32: 'max(a, 0)', grad: (g, x) => reluBackward(g, x) });
export const leakyRelu = unaryWith('leakyRelu', { f32: 'select(a, a * u.alpha, a < 0.0)', grad: (g, x, _y, at) => leakyReluBackward.run(g, x, at) }, (negativeSlope: number = 0.01) => ({ alpha: negativeSlope }));
export const elu = unaryWith('elu', { f32: 'select(a, u.alpha * expm1_(a), a <= 0.0)', grad: (g, x, _y, at) => eluBackward.run(g, x, at) }, (alpha: number = 1) => ({ alpha }));
export const gelu = unary('gelu', { f32: '0.5 * a * (1.0 + erf_(a * 0.7071067811865476))', grad: (g, x) => geluBackward(g, x) });
export const silu = unary('silu', { f32: 'a * sigmoid_(a)', grad: (g, x) => siluBackward(g, x) });
export const softplus = unary('softplus', { f32: 'softplus_(a)', grad: (g, x) => sigmoidOf(g, x) });
export const floor = unary('floor', { f32: 'floor(a)', i32: 'a', grad: 'zero' });
export const ceil = unary('ceil', { f32: 'ceil(a)', i32: 'a', grad: 'zero' });
export const round = unary('round', { f32: 'round(a)', i32: 'a', grad: 'zero' });
export const clamp = unaryWith('clamp', { f32: 'select(min(max(a, u.alpha), u.beta), a, is_nan(a))', grad: (g, x, _y, at) => clampBackward.run(g, x, at) }, (min?: number | null, max?: number | null) => ({ alpha: min ?? -Infinity, beta: max ?? Infinity }));
export const logicalNot = unary('logicalNot', { f32: '!bool(a)', bool: true, grad: 'none' });
export const isnan = unary('isnan', { f32: 'is_nan(a)', bool: true, grad: 'none' });
export const isfinite = unary('isfinite', { f32: '!is_nan(a) && !is_inf(a)', bool: true, grad: 'none' });


type BG = (g: Tensor, a: TensorLike, b: TensorLike, y: Tensor, at: ScalarAttrs) => Tensor | null;
export interface BinarySpec {
  f32: string;
  i32?: string;
  out?: 'bool' | 'float';
  /** Gradients for a and b; 'none' for bool-valued ops. */
  grad: { a: BG; b: BG } | 'none';
}

const second = (what: string): BG => () => fail(what, 'its second-order gradient is not implemented', 'differentiate a composition of simpler ops instead');

export const add = binary('add', { f32: 'a + b', i32: 'a + b', grad: { a: (g) => g, b: (g) => g } });
export const sub = binary('sub', { f32: 'a - b', i32: 'a - b', grad: { a: (g) => g, b: (g) => neg(g) } });
export const mul = binary('mul', { f32: 'a * b', i32: 'a * b', grad: { a: (g, _a, b) => mul(g, b), b: (g, a) => mul(g, a) } });
export const div = binary('div', { f32: 'a / b', out: 'float', grad: { a: (g, _a, b) => div(g, b), b: (g, _a, b, y) => neg(mul(g, div(y, b))) } });
export const pow = binary('pow', { f32: 'pow_(a, b)', out: 'float', grad: { a: (g, a, b) => mul(g, mul(b, pow(a, sub(b, 1)))), b: (g, a, _b, y) => mul(g, mul(y, log(a))) } });
export const maximum = binary('maximum', { f32: 'select(max(a, b), a + b, is_nan(a) || is_nan(b))', i32: 'max(a, b)', grad: { a: (g, a, b) => pickBackward(g, a, b, 'gt'), b: (g, a, b) => pickBackward(g, b, a, 'gt') } });
export const minimum = binary('minimum', { f32: 'select(min(a, b), a + b, is_nan(a) || is_nan(b))', i32: 'min(a, b)', grad: { a: (g, a, b) => pickBackward(g, a, b, 'lt'), b: (g, a, b) => pickBackward(g, b, a, 'lt') } });
export const eq = binary('eq', { f32: 'a == b', i32: 'a == b', out: 'bool', grad: 'none' });
export const ne = binary('ne', { f32: 'a != b || is_nan(a) || is_nan(b)', i32: 'a != b', out: 'bool', grad: 'none' });
export const lt = binary('lt', { f32: 'a < b', i32: 'a < b', out: 'bool', grad: 'none' });
export const le = binary('le', { f32: 'a <= b', i32: 'a <= b', out: 'bool', grad: 'none' });
export const gt = binary('gt', { f32: 'a > b', i32: 'a > b', out: 'bool', grad: 'none' });
export const ge = binary('ge', { f32: 'a >= b', i32: 'a >= b', out: 'bool', grad: 'none' });
export const logicalAnd = binary('logicalAnd', { f32: 'bool(a) && bool(b)', i32: 'bool(a) && bool(b)', out: 'bool', grad: 'none' });
export const logicalOr = binary('logicalOr', { f32: 'bool(a) || bool(b)', i32: 'bool(a) || bool(b)', out: 'bool', grad: 'none' });
export const logicalXor = binary('logicalXor', { f32: 'bool(a) != bool(b)', i32: 'bool(a) != bool(b)', out: 'bool', grad: 'none' });
// Fused gradient kernels: a is the incoming gradient, b the saved input or output.
const reluBackward = fused('reluBackward', { f32: 'select(0.0, a, b > 0.0)', grad: { a: (g, _a, b) => reluBackward(g, b), b: () => null } });
const leakyReluBackward = fused('leakyReluBackward', { f32: 'select(a * u.alpha, a, b > 0.0)', grad: { a: (g, _a, b, _y, at) => leakyReluBackward.run(g, b, at), b: () => null } });
const eluBackward = fused('eluBackward', { f32: 'select(a * u.alpha * exp_(b), a, b > 0.0)', grad: { a: (g, _a, b, _y, at) => eluBackward.run(g, b, at), b: second('eluBackward') } });
const geluBackward = fused('geluBackward', { f32: 'a * (0.5 * (1.0 + erf_(b * 0.7071067811865476)) + b * 0.3989422804014327 * exp_(-0.5 * b * b))', grad: { a: (g, _a, b) => geluBackward(g, b), b: second('geluBackward') } });
const siluBackward = fused('siluBackward', { f32: 'a * sigmoid_(b) * (1.0 + b * (1.0 - sigmoid_(b)))', grad: { a: (g, _a, b) => siluBackward(g, b), b: second('siluBackward') } });
const sigmoidOf = fused('sigmoidOf', { f32: 'a * sigmoid_(b)', grad: { a: (g, _a, b) => sigmoidOf(g, b), b: (g, a, b) => mul(g, sigmoidBackward(a as Tensor, sigmoid(b))) } });
const tanhBackward = fused('tanhBackward', { f32: 'a * (1.0 - b * b)', grad: { a: (g, _a, b) => tanhBackward(g, b), b: (g, a, b) => mul(mul(g, a), mul(b, -2)) } });
const sigmoidBackward = fused('sigmoidBackward', { f32: 'a * b * (1.0 - b)', grad: { a: (g, _a, b) => sigmoidBackward(g, b), b: (g, a, b) => mul(mul(g, a), rsub(mul(b, 2), 1)) } });
const clampBackward = fused('clampBackward', { f32: 'select(0.0, a, b >= u.alpha && b <= u.beta)', grad: { a: (g, _a, b, _y, at) => clampBackward.run(g, b, at), b: () => null } });


/** Attributes of binary ops: a scalar operand lives in the uniform block, never in a buffer. */
export interface BinaryAttrs extends ScalarAttrs {
  scalar?: number;
  /** The scalar is the left operand (2 - x). */
  reverse?: boolean;
}

interface UnaryParts {
  readonly kind: 'unary';
  readonly opName: string;
  readonly spec: UnarySpec;
  readonly rule: Rule<ScalarAttrs>;
  /** The op with explicit attributes (the reference tests, and ops built on this one). */
  run(x: TensorLike, at: ScalarAttrs): Tensor;
}

/** A unary op: the public function (and so the method), carrying its spec and rule. */
export type UnaryOp<F extends (x: TensorLike, ...p: any[]) => Tensor = (x: TensorLike) => Tensor> = Op<F, true> & UnaryParts;

/** A binary op: the public function (a method unless M is false), carrying its spec and rule. */
export type BinaryOp<M extends boolean = true> = Op<(x: TensorLike, y: TensorLike) => Tensor, M> & {
  readonly kind: 'binary';
  readonly opName: string;
  readonly spec: BinarySpec;
  readonly rule: Rule<BinaryAttrs>;
  run(x: TensorLike, y: TensorLike, at: ScalarAttrs): Tensor;
};

function unaryOp(name: string, spec: UnarySpec): UnaryParts {
  const rule = unaryRule(name, spec);
  const run = (x: TensorLike, at: ScalarAttrs) => apply(name, rule, [asTensor(x, name)], at);
  return { kind: 'unary', opName: name, spec, rule, run };
}

/** Declares a unary op without attributes: the function f(x), the method x.f() and the rule. */
function unary(name: string, spec: UnarySpec): UnaryOp {
  const o = unaryOp(name, spec);
  return Object.assign(op((x: TensorLike) => o.run(x, {})), o);
}

/** As unary(), for an op with scalar attributes: `attrs` maps the extra arguments to them. */
function unaryWith<P extends unknown[]>(name: string, spec: UnarySpec, attrs: (...p: P) => ScalarAttrs): UnaryOp<(x: TensorLike, ...p: P) => Tensor> {
  const o = unaryOp(name, spec);
  return Object.assign(op((x: TensorLike, ...p: P) => o.run(x, attrs(...p))), o);
}

/** Declares a binary op: the function f(x, y), the method x.f(y) and the rule. */
function binary(name: string, spec: BinarySpec): BinaryOp {
  return binaryOp(name, spec, true);
}

/** A fused gradient kernel: a binary op with a rule but no method. */
function fused(name: string, spec: BinarySpec): BinaryOp<false> {
  return binaryOp(name, spec, false);
}

function binaryOp<M extends boolean>(name: string, spec: BinarySpec, method: M): BinaryOp<M> {
  const rule = binaryRule(name, spec);
  const run = (x: TensorLike, y: TensorLike, at: ScalarAttrs): Tensor => {
    operand(name, 'the first operand', x);
    operand(name, 'the second operand', y);
    if (typeof x === 'number' && typeof y === 'number') return apply(name, rule, [asTensor(x, name), asTensor(y, name)], at);
    if (typeof y === 'number') return apply(name, rule, [asTensor(x, name)], { ...at, scalar: y });
    if (typeof x === 'number') return apply(name, rule, [y], { ...at, scalar: x, reverse: true });
    return apply(name, rule, [x, y], at);
  };
  return Object.assign(op((x: TensorLike, y: TensorLike) => run(x, y, {}), method), { kind: 'binary' as const, opName: name, spec, rule, run });
}

/** Checks an operand before any work: a Tensor (live) or a number. */
function operand(op: string, what: string, v: unknown): void {
  if (v instanceof Tensor) v.assertLive(op);
  else if (typeof v !== 'number') fail(op, `${what} is ${describeValue(v)}, not a Tensor or a number`, 'pass a Tensor or a number');
}

export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  operand(op, 'the operand', x);
  return full([], x);
}

function broadcastView(t: Tensor, shape: readonly number[]): View {
  return { buffer: t.buffer, dtype: t.dtype, shape, strides: broadcastStrides(t.shape, t.strides, shape), offset: t.offset };
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
    const operands = inputs.map((t) => ({ t, strides: broadcastStrides(t.shape, t.strides, shape) }));
    const lazy = deferMap(name, expr, operands, s, shape);
    if (lazy) return lazy;
  }
  const out = empty(shape, ty.out, name);
  map(out.dev, { name, expr, ct: ty.ct }, inputs.map((t) => broadcastView(t, shape)), out, s);
  return out;
}

function unaryRule(name: string, spec: UnarySpec): Rule<ScalarAttrs> {
  const grad = spec.grad;
  return {
    forward: ([x], at) => runMap(name, spec, [x!], x!.dtype === 'bool' && spec.i32 ? 'int32' : x!.dtype, { alpha: at.alpha, beta: at.beta }),
    backward: grad === 'none' ? 'none' : grad === 'zero' ? () => [null] : (g, c) => [grad(g, c.inputs[0]!, c.output, c.attrs)],
  };
}

function binaryRule(name: string, spec: BinarySpec): Rule<BinaryAttrs> {
  const grad = spec.grad;
  return {
    forward: (ins, at) => {
      if (at.scalar === undefined) return runMap(name, spec, ins, promote(ins[0]!.dtype, ins[1]!.dtype), at);
      const dt = promote(ins[0]!.dtype, scalarDtype(at.scalar));
      return runMap(name, spec, ins, dt === 'bool' ? 'int32' : dt, { alpha: at.alpha, scalarB: at.scalar }, at.reverse);
    },
    backward:
      grad === 'none'
        ? 'none'
        : (g, c: Ctx<BinaryAttrs>) => {
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

const applyWhere: FamilyApply<{ where: {} }> = rules<{ where: {} }>({
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
});

/** torch.rsub: y − x, with the operands reversed (so `x.rsub(1)` is 1 − x). */
export const rsub = (x: TensorLike, y: TensorLike): Tensor => sub(y, x);

/** The fused gradient kernels, for the reference tests; they are no public functions or methods. */
export const FUSED = { reluBackward, leakyReluBackward, eluBackward, geluBackward, siluBackward, sigmoidOf, tanhBackward, sigmoidBackward, clampBackward };

/** Gradient share of a max/min operand: all of g where it wins, half on ties (as PyTorch). */
function pickBackward(g: Tensor, self: TensorLike, other: TensorLike, wins: 'gt' | 'lt'): Tensor {
  const win = wins === 'gt' ? gt(self, other) : lt(self, other);
  const tie = eq(self, other);
  return mul(g, add(win, mul(tie, 0.5)));
}

function pick(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  operand('where', 'the condition', cond);
  operand('where', 'the first branch', a);
  operand('where', 'the second branch', b);
  return tidy(() => applyWhere('where', [asTensor(cond, 'where'), asTensor(a, 'where'), asTensor(b, 'where')], {}));
}

/** where(cond, a, b) picks a where cond is true; as a method, a.where(cond, b). */
type WhereMethod = (self: Tensor, cond: TensorLike, other: TensorLike) => Tensor;
export const where: Op<typeof pick, WhereMethod> = op(pick, (self: Tensor, cond: TensorLike, other: TensorLike): Tensor => pick(cond, self, other));
