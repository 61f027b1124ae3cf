// Installs the ops as Tensor methods (a.add(b).relu()), so the tensor layer never imports autograd.
import { fail, shapeStr } from '../device/index.ts';
import { Tensor } from '../tensor/index.ts';
import { backward } from './backward.ts';
import type { BackwardOptions } from './graph.ts';
import * as E from './ops/elementwise.ts';
import * as R from './ops/reduce.ts';
import * as V from './ops/views.ts';

type TL = E.TensorLike;
type Axes = R.Axes;

declare module '../tensor/tensor.ts' {
  interface Tensor {
    /** The accumulated gradient of a leaf that requires grad (null before any backward). */
    grad: Tensor | null;
    requiresGrad_(on?: boolean): this;
    backward(grad?: Tensor, opts?: BackwardOptions): void;
    detach(): Tensor;
    add(b: TL): Tensor;
    sub(b: TL): Tensor;
    mul(b: TL): Tensor;
    div(b: TL): Tensor;
    pow(b: TL): Tensor;
    maximum(b: TL): Tensor;
    minimum(b: TL): Tensor;
    eq(b: TL): Tensor;
    ne(b: TL): Tensor;
    lt(b: TL): Tensor;
    le(b: TL): Tensor;
    gt(b: TL): Tensor;
    ge(b: TL): Tensor;
    logicalAnd(b: TL): Tensor;
    logicalOr(b: TL): Tensor;
    logicalXor(b: TL): Tensor;
    logicalNot(): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    expm1(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    elu(alpha?: number): Tensor;
    gelu(): Tensor;
    silu(): Tensor;
    softplus(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    isnan(): Tensor;
    isfinite(): Tensor;
    where(cond: TL, other: TL): Tensor;
    sum(axes?: Axes, keepdim?: boolean): Tensor;
    mean(axes?: Axes, keepdim?: boolean): Tensor;
    max(axes?: Axes, keepdim?: boolean): Tensor;
    min(axes?: Axes, keepdim?: boolean): Tensor;
    prod(axes?: Axes, keepdim?: boolean): Tensor;
    var(axes?: Axes, opts?: R.VarOptions): Tensor;
    std(axes?: Axes, opts?: R.VarOptions): Tensor;
    logsumexp(axes?: Axes, keepdim?: boolean): Tensor;
    norm(p?: R.NormP, axes?: Axes, keepdim?: boolean): Tensor;
    argmax(axis?: number, keepdim?: boolean): Tensor;
    argmin(axis?: number, keepdim?: boolean): Tensor;
    reshape(shape: readonly number[]): Tensor;
    view(shape: readonly number[]): Tensor;
    permute(dims: readonly number[]): Tensor;
    transpose(d0?: number, d1?: number): Tensor;
    /** The transpose of a 2-D tensor (last two axes otherwise). */
    readonly T: Tensor;
    expand(shape: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    squeeze(dim?: number | readonly number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    contiguous(): Tensor;
  }
}

/** Adds methods to Tensor.prototype; each calls the functional form with `this` first. */
export function installMethods(fns: Record<string, (self: Tensor, ...args: any[]) => unknown>): void {
  for (const [name, fn] of Object.entries(fns))
    Object.defineProperty(Tensor.prototype, name, {
      value: function (this: Tensor, ...args: unknown[]) {
        return fn(this, ...args);
      },
      configurable: true,
      writable: true,
    });
}

const unary = ['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu', 'gelu', 'silu', 'softplus', 'floor', 'ceil', 'round', 'clamp', 'isnan', 'isfinite', 'logicalNot'] as const;
const binary = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'] as const;

installMethods({
  ...Object.fromEntries(unary.map((k) => [k, E[k] as (self: Tensor, ...a: any[]) => Tensor])),
  ...Object.fromEntries(binary.map((k) => [k, E[k] as (self: Tensor, ...a: any[]) => Tensor])),
  where: (self: Tensor, cond: TL, other: TL) => E.where(cond, self, other),
  sum: R.sum,
  mean: R.mean,
  max: R.max,
  min: R.min,
  prod: R.prod,
  var: R.var,
  std: R.std,
  logsumexp: R.logsumexp,
  norm: R.norm,
  argmax: R.argmax,
  argmin: R.argmin,
  reshape: V.reshape,
  view: V.view,
  permute: V.permute,
  transpose: V.transpose,
  expand: V.expand,
  broadcastTo: V.broadcastTo,
  slice: V.slice,
  narrow: V.narrow,
  squeeze: V.squeeze,
  unsqueeze: V.unsqueeze,
  flatten: V.flatten,
  contiguous: V.contiguous,
  detach: V.detach,
  backward: (self: Tensor, g?: Tensor, opts?: BackwardOptions) => backward(self, g, opts),
  requiresGrad_: (self: Tensor, on = true) => {
    if (on && self.dtype !== 'float32') fail('requiresGrad_', `only float32 tensors can require gradients, not ${self.dtype}`, "cast it first: t.float()");
    if (self.gradFn && !on) fail('requiresGrad_', 'a non-leaf tensor cannot stop requiring grad', 'use detach()');
    self.requiresGrad = on;
    return self;
  },
});

Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return V.transpose(this, -2, -1);
  },
  configurable: true,
});

Object.defineProperty(Tensor.prototype, 'grad', {
  get(this: Tensor) {
    if (!this.requiresGrad)
      fail('grad', `this tensor ${shapeStr(this.shape)} does not require grad, so it never gets a gradient`, 'create it with {requiresGrad: true} or call requiresGrad_() before the forward pass');
    return this._grad;
  },
  set(this: Tensor, v: Tensor | null) {
    if (this._grad && this._grad !== v) this._grad.dispose();
    this._grad = v;
  },
  configurable: true,
});
