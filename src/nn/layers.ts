// Layers: Linear, Sequential, Flatten, Identity and the activation modules. Each forward is a
// composition of differentiable ops, so layers add no backward code of their own.
import { checkOptions, fail, optionKeys, shapeStr } from '../device/index.ts';
import { uniform, type Tensor } from '../tensor/index.ts';
import * as A from '../autograd/index.ts';
import { Module } from './module.ts';
import { parameter } from './module.ts';

export interface LinearOptions {
  /** Adds a learned bias (default true). */
  bias?: boolean;
}
const LINEAR_OPTIONS = optionKeys<LinearOptions>({ bias: true });

/** y = x Wᵀ + b over the last axis, W of shape [out, in]. Init as torch: W, b ~ U(-1/sqrt(in), 1/sqrt(in)). */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    checkOptions('Linear', opts, LINEAR_OPTIONS);
    if (opts.bias !== undefined && typeof opts.bias !== 'boolean') fail('Linear', `bias must be true or false, got ${String(opts.bias)}`);
    for (const [what, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const)
      if (!Number.isInteger(v) || v < 1) fail('Linear', `${what} must be a positive integer, got ${v}`);
    // kaiming_uniform(a = sqrt(5)) reduces to this bound, the same one torch uses for the bias.
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = parameter(uniform([outFeatures, inFeatures], -bound, bound));
    this.bias = opts.bias === false ? null : parameter(uniform([outFeatures], -bound, bound));
  }

  forward(x: Tensor): Tensor {
    x.assertLive('Linear');
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures)
      fail('Linear', `expected input with last dimension ${this.inFeatures}, got shape ${shapeStr(x.shape)}`, `pass [..., ${this.inFeatures}]`);
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** x Wᵀ + b (torch.nn.functional.linear), the bias fused into the product. */
export const linear = (x: Tensor, w: Tensor, b: Tensor | null = null): Tensor => A.linear(x, w, b);

/** Runs its modules in order, named '0', '1', … as torch.nn.Sequential. */
export class Sequential extends Module<[Tensor], Tensor> {
  constructor(...layers: Module<[Tensor], Tensor>[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) fail('Sequential', `argument ${i} is not a Module`, 'pass module instances, e.g. new nn.Linear(2, 3)');
      this.registerModule(String(i), m);
    });
  }

  override get length(): number {
    return [...this.children()].length;
  }

  /** The i-th layer. */
  at(i: number): Module<[Tensor], Tensor> {
    const m = [...this.children()][i < 0 ? i + this.length : i];
    if (!m) fail('Sequential', `no layer ${i} in a Sequential of ${this.length}`);
    return m as Module<[Tensor], Tensor>;
  }

  append(m: Module<[Tensor], Tensor>): this {
    this.registerModule(String(this.length), m);
    return this;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.children()) {
      const next = (m as Module<[Tensor], Tensor>)(h);
      // Intermediate activations stay alive only through the graph that needs them.
      if (h !== x && next !== h) h.dispose();
      h = next;
    }
    return h === x ? A.reshape(x, x.shape) : h;
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return A.reshape(x, x.shape);
  }
}

/** Flattens dimensions startDim..endDim (default 1..-1, keeping the batch axis). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.flatten(x, this.startDim, this.endDim);
  }
}

/** Expands dimension `dim` into `unflattenedSize` (torch.nn.Unflatten; one entry may be -1). */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];
  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    if (!Number.isInteger(dim)) fail('Unflatten', `dim must be an integer, got ${JSON.stringify(dim)}`);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0 || !unflattenedSize.every((s) => Number.isInteger(s) && (s >= 0 || s === -1)) || unflattenedSize.filter((s) => s === -1).length > 1)
      fail('Unflatten', `unflattenedSize must be a non-empty list of sizes (at most one -1), got ${JSON.stringify(unflattenedSize)}`, 'pass e.g. [1, 28, 28]');
    this.unflattenedSize = [...unflattenedSize];
  }
  forward(x: Tensor): Tensor {
    x.assertLive('Unflatten');
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (d < 0 || d >= x.ndim) fail('Unflatten', `dim ${this.dim} is out of range for input ${shapeStr(x.shape)}`);
    const size = x.shape[d]!;
    const known = this.unflattenedSize.filter((s) => s !== -1).reduce((p, q) => p * q, 1);
    const sizes = this.unflattenedSize.map((s) => (s === -1 ? (known === 0 ? -1 : size / known) : s));
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, q) => p * q, 1) !== size)
      fail('Unflatten', `cannot unflatten dimension ${d} of size ${size} of input ${shapeStr(x.shape)} into ${shapeStr(this.unflattenedSize)}`, `give sizes whose product is ${size}`);
    return A.reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=${shapeStr(this.unflattenedSize)}`;
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return A.relu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return A.sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return A.tanh(x);
  }
}

export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return A.gelu(x);
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return A.silu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.leakyRelu(x, this.negativeSlope);
  }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.elu(x, this.alpha);
  }
}

/** softplus(βx)/β; the kernel is stable for any x, so torch's threshold is not needed. */
export class Softplus extends Module {
  constructor(readonly beta = 1) {
    super();
    if (!(beta > 0)) fail('Softplus', `beta must be positive, got ${beta}`);
  }
  forward(x: Tensor): Tensor {
    if (this.beta === 1) return A.softplus(x);
    const bx = A.mul(x, this.beta);
    const s = A.softplus(bx);
    const out = A.div(s, this.beta);
    bx.dispose();
    s.dispose();
    return out;
  }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.softmax(x, this.dim);
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return A.logSoftmax(x, this.dim);
  }
}
