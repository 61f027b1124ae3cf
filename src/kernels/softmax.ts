// Softmax along one axis, and its backward. Each operand is read through its own strides (the axis
// stride separately from the coalesced other axes), so views and broadcast gradients need no copy.
// Four modes share one shader; see shaders/softmax.wgsl.
import { fail, type Device, type KernelSpec } from '../device/index.ts';
import { render } from './shaders.ts';
import { MAX_DIMS, WG } from './constants.ts';
import { params } from './params.ts';
import { profileOf, rowPerInvocation } from './profile.ts';
import { cachedSpec } from './spec.ts';
import { coalesce, numel, rankClass, type View } from './view.ts';

export type SoftmaxMode = 'softmax' | 'logSoftmax' | 'softmaxBackward' | 'logSoftmaxBackward';

const MODES: Record<SoftmaxMode, number> = { softmax: 0, logSoftmax: 1, softmaxBackward: 2, logSoftmaxBackward: 3 };

export const SoftmaxParams = params('Softmax', {
  n: 'u32',
  nrows: 'u32',
  ndo: 'u32',
  /** Where X, Y and O start; their strides along the axis. */
  offs: 'vec4<u32>',
  astr: 'vec4<u32>',
  /** The other axes, coalesced, and each operand's strides along them. */
  oshape: ['u32', MAX_DIMS],
  sx: ['u32', MAX_DIMS],
  sy: ['u32', MAX_DIMS],
  so: ['u32', MAX_DIMS],
});

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
  const perThread = rowPerInvocation(profileOf(dev), nrows, n);
  const outRank = rankClass(c.shape.length, 2);
  const spec = cachedSpec(`softmax|${mode}|${perThread}|${outRank}`, (): KernelSpec => ({
    name: `${mode}${perThread ? ':t' : ''}`,
    source: render('softmax', SoftmaxParams, {}),
    reads: 2,
    writes: 1,
    constants: { MODE: MODES[mode], PER_THREAD: perThread ? 1 : 0, OUT_RANK: outRank },
  }));
  dev.dispatch(
    spec,
    (w) =>
      SoftmaxParams.write(w, {
        n,
        nrows,
        ndo: c.shape.length,
        offs: [x.offset, y.offset, out.offset],
        astr: [x.strides[axis]!, y.strides[axis]!, out.strides[axis]!],
        oshape: c.shape,
        sx: c.strides[0]!,
        sy: c.strides[1]!,
        so: c.strides[2]!,
      }),
    [x.buffer, y.buffer, out.buffer],
    dev.grid(perThread ? Math.ceil(nrows / WG) : nrows),
  );
}
