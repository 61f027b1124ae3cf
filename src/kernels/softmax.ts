// Softmax along one axis, and its backward. Each operand is read through its own strides (the axis
// stride separately from the coalesced other axes), so views and broadcast gradients need no copy.
// Four modes share one shader; see shaders/softmax.wgsl.
import { fail, type Device, type KernelSpec } from '../device/index.ts';
import { render } from './shaders.ts';
import { rowPerInvocation } from './plan.ts';
import { cachedSpec } from './spec.ts';
import { coalesce, numel, type View } from './view.ts';

export type SoftmaxMode = 'softmax' | 'logSoftmax' | 'softmaxBackward' | 'logSoftmaxBackward';

const MODES: Record<SoftmaxMode, number> = { softmax: 0, logSoftmax: 1, softmaxBackward: 2, logSoftmaxBackward: 3 };
const MAX_DIMS = 8;

/**
 * out = mode along `axis`. Forward modes read x only; backward modes read x = the incoming gradient and
 * y = the forward output. All views have the same shape; all must be float32.
 */
export function softmax(dev: Device, mode: SoftmaxMode, x: View, axis: number, out: View, y: View = x): void {
  const n = x.shape[axis]!;
  if (numel(x.shape) === 0) return;
  for (const v of [x, y, out])
    if (v.dtype !== 'float32') fail(mode, `expects float32 operands, got ${v.dtype}`, 'cast the input to float32 first');
  const others = x.shape.map((_, d) => d).filter((d) => d !== axis);
  const c = coalesce(
    others.map((d) => x.shape[d]!),
    [x, y, out].map((v) => others.map((d) => v.strides[d]!)),
  );
  if (c.shape.length > MAX_DIMS) fail(mode, `rank ${x.shape.length} is too high`, 'reshape to fewer dimensions first');
  const nrows = numel(c.shape);
  const perThread = rowPerInvocation(dev, nrows, n);
  const spec = cachedSpec(`softmax|${mode}|${perThread}`, (): KernelSpec => ({
    name: `${mode}${perThread ? ':t' : ''}`,
    source: render('softmax', {}),
    reads: 2,
    writes: 1,
    constants: { MODE: MODES[mode], PER_THREAD: perThread ? 1 : 0 },
  }));
  dev.dispatch(
    spec,
    (w) => {
      w.u32(n).u32(nrows).u32(c.shape.length).u32(0);
      w.u32(x.offset).u32(y.offset).u32(out.offset).u32(0);
      w.u32(x.strides[axis]!).u32(y.strides[axis]!).u32(out.strides[axis]!).u32(0);
      w.u32s(c.shape, MAX_DIMS);
      for (const st of c.strides) w.u32s(st, MAX_DIMS);
    },
    [x.buffer, y.buffer, out.buffer],
    dev.grid(perThread ? Math.ceil(nrows / 256) : nrows),
  );
}
