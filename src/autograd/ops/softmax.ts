// softmax and logSoftmax along one axis, each a single fused kernel (max-subtracted, so large inputs
// cannot overflow). Their backward passes are fused kernels too, registered as ops with rules of their
// own (composed from differentiable ops), so softmax can be differentiated twice.
import { softmax as softmaxKernel, type SoftmaxMode, type View } from '../../kernels/index.ts';
import { contiguousRaw, empty, normAxis, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op as decl } from '../define.ts';
import { exp, mul, neg, sub } from './elementwise.ts';
import { sum } from './reduce.ts';

export interface SoftmaxAttrs {
  axis: number;
}

export interface SoftmaxFamilyAttrs {
  softmax: SoftmaxAttrs;
  logSoftmax: SoftmaxAttrs;
  /** (g, y) -> y * (g - sum(g * y)), y = softmax(x). */
  softmaxBackward: SoftmaxAttrs;
  /** (g, y) -> g - exp(y) * sum(g), y = logSoftmax(x). */
  logSoftmaxBackward: SoftmaxAttrs;
}

/** A 0-d tensor is a row of one element. */
function rowView(t: View): View {
  return t.shape.length === 0 ? { buffer: t.buffer, dtype: t.dtype, shape: [1], strides: [1], offset: t.offset } : t;
}

function run(mode: SoftmaxMode, x0: Tensor, axis: number, y?: Tensor): Tensor {
  const x = x0.dtype === 'float32' ? x0 : contiguousRaw(x0, 'float32', 'cast');
  const out = empty(x.shape, 'float32', mode);
  softmaxKernel(out.dev, mode, rowView(x), axis, rowView(out), y && rowView(y));
  if (x !== x0) x.dispose();
  return out;
}

const apply: FamilyApply<SoftmaxFamilyAttrs> = rules<SoftmaxFamilyAttrs>({
  softmax: {
    forward: ([x], a) => run('softmax', x!, a.axis),
    backward: (g, c) => [apply('softmaxBackward', [g, c.output], c.attrs)],
    saves: { inputs: false },
  },
  logSoftmax: {
    forward: ([x], a) => run('logSoftmax', x!, a.axis),
    backward: (g, c) => [apply('logSoftmaxBackward', [g, c.output], c.attrs)],
    saves: { inputs: false },
  },
  softmaxBackward: {
    forward: ([g, y], a) => run('softmaxBackward', g!, a.axis, y),
    // With s = sum(g y): d/dg is this same map applied to h; d/dy_j = h_j (g_j - s) - g_j sum(h y).
    backward: (h, c) => {
      const [g, y] = c.inputs as [Tensor, Tensor];
      const axis = c.attrs.axis;
      return [
        c.needs[0] ? apply('softmaxBackward', [h, y], c.attrs) : null,
        c.needs[1] ? sub(mul(h, sub(g, sum(mul(g, y), axis, true))), mul(g, sum(mul(h, y), axis, true))) : null,
      ];
    },
    saves: { output: false },
  },
  logSoftmaxBackward: {
    forward: ([g, y], a) => run('logSoftmaxBackward', g!, a.axis, y),
    // d/dg_j = h_j - sum(h exp(y)); d/dy_j = -h_j exp(y_j) sum(g).
    backward: (h, c) => {
      const [g, y] = c.inputs as [Tensor, Tensor];
      const axis = c.attrs.axis;
      return [
        c.needs[0] ? sub(h, sum(mul(h, exp(y)), axis, true)) : null,
        c.needs[1] ? neg(mul(mul(h, exp(y)), sum(g, axis, true))) : null,
      ];
    },
    saves: { output: false },
  },
});

/** exp(x) / sum(exp(x)) along `axis` (default the last). */
export const softmax = decl(function softmax(x: Tensor, axis = -1): Tensor {
  return apply('softmax', [x], { axis: normAxis('softmax', axis, x.ndim) });
});

/** log(softmax(x)) along `axis` (default the last), computed as x - max - log(sum(exp(x - max))). */
export const logSoftmax = decl(function logSoftmax(x: Tensor, axis = -1): Tensor {
  return apply('logSoftmax', [x], { axis: normAxis('logSoftmax', axis, x.ndim) });
});

