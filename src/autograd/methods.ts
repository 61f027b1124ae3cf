// Tensor methods (a.add(b).relu()), so the tensor layer never imports autograd. They are not written
// here: every op declaration in the family modules carries its method (see define.ts), the Tensor
// interface is typed from those declarations by MethodsOf, and installMethods puts them on the
// prototype. Only methods that are no op of their own are declared below.
import { fail, shapeStr } from '../device/index.ts';
import { Tensor } from '../tensor/index.ts';
import type { TensorLike } from './ops/elementwise.ts';
import { backward } from './backward.ts';
import { installMethods, method, type MethodsOf } from './define.ts';
import type { BackwardOptions } from './graph.ts';
import * as conv from './ops/conv.ts';
import * as elementwise from './ops/elementwise.ts';
import * as indexing from './ops/indexing.ts';
import * as inplace from './ops/inplace.ts';
import * as linalg from './ops/linalg.ts';
import * as norm from './ops/norm.ts';
import * as dropout from './ops/dropout.ts';
import * as recurrent from './ops/recurrent.ts';
import * as reduce from './ops/reduce.ts';
import * as softmax from './ops/softmax.ts';
import * as views from './ops/views.ts';

// Methods that are no op of their own; they are written out in the interface below.
const TENSOR_ONLY = {
  backward: method((self: Tensor, grad?: Tensor, opts?: BackwardOptions): void => backward(self, grad, opts)),
  requiresGrad_: method((self: Tensor, on = true): Tensor => {
    if (on && self.dtype !== 'float32') fail('requiresGrad_', `only float32 tensors can require gradients, not ${self.dtype}`, 'cast it first: t.float()');
    if (self.gradFn && !on) fail('requiresGrad_', 'a non-leaf tensor cannot stop requiring grad', 'use detach()');
    self.requiresGrad = on;
    return self;
  }),
  float: method((self: Tensor): Tensor => indexing.cast(self, 'float32')),
  int: method((self: Tensor): Tensor => indexing.cast(self, 'int32')),
  bool: method((self: Tensor): Tensor => indexing.cast(self, 'bool')),
  /** other − self (torch.rsub); a plain function in elementwise, so it is written out here. */
  rsub: method((self: Tensor, other: TensorLike): Tensor => elementwise.rsub(self, other)),
  /** The transpose of a 2-D tensor (last two axes otherwise). */
  T: method({ get: (self: Tensor): Tensor => views.transpose(self, -2, -1) }),
};

/** Every module whose op declarations become methods: adding a family is one entry here and in OpMethods. */
export const METHOD_SOURCES = [elementwise, reduce, views, indexing, softmax, linalg, conv, inplace, norm, dropout, recurrent, TENSOR_ONLY] as const;

export interface OpMethods
  extends MethodsOf<typeof elementwise>,
    MethodsOf<typeof reduce>,
    MethodsOf<typeof views>,
    MethodsOf<typeof indexing>,
    MethodsOf<typeof softmax>,
    MethodsOf<typeof linalg>,
    MethodsOf<typeof conv>,
    MethodsOf<typeof inplace>,
    MethodsOf<typeof norm>,
    MethodsOf<typeof dropout>,
    MethodsOf<typeof recurrent> {}

declare module '../tensor/tensor.ts' {
  interface Tensor extends OpMethods {
    /** The accumulated gradient of a leaf that requires grad (null before any backward). */
    grad: Tensor | null;
    backward(grad?: Tensor, opts?: BackwardOptions): void;
    requiresGrad_(on?: boolean): this;
    float(): Tensor;
    int(): Tensor;
    bool(): Tensor;
    /** other − self (torch.rsub). */
    rsub(other: TensorLike): Tensor;
    /** The transpose of a 2-D tensor (last two axes otherwise). */
    readonly T: Tensor;
  }
}

installMethods(Tensor.prototype, METHOD_SOURCES);

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
