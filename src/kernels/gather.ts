// Gather along one axis and its adjoint scatter-add (shaders/gather.wgsl). Both take arbitrary strided
// views, so broadcast (stride-0) sources and indices cost nothing; shapes travel as uniforms, giving one
// pipeline per (mode, dtype) whatever the shapes.
import { fail, shapeStr, type Device } from '../device/index.ts';
import { wgslType } from './dtype.ts';
import { MAX_DIMS, WG } from './constants.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';
import { numel, type View } from './view.ts';

export const GatherParams = params('Gather', {
  n: 'u32',
  ndim: 'u32',
  dim: 'u32',
  dimsize: 'u32',
  /** Scatter: the source's extent along `dim`. */
  k: 'u32',
  offx: 'u32',
  offi: 'u32',
  offo: 'u32',
  /** The iteration shape: the output's for gather, the destination's for scatter. */
  shape: ['u32', MAX_DIMS],
  /** Strides of the source (gather: x; scatter: the gradient), the index tensor and the output. */
  sx: ['u32', MAX_DIMS],
  si: ['u32', MAX_DIMS],
  so: ['u32', MAX_DIMS],
  /** Scatter only: the gradient's shape, which may be smaller than the destination off `dim`. */
  lim: ['u32', MAX_DIMS],
});

function check(op: string, views: readonly View[], dim: number): void {
  const nd = views[0]!.shape.length;
  if (nd > MAX_DIMS) fail(op, `tensors of rank ${nd} are not supported (at most ${MAX_DIMS})`, 'reshape to fewer dimensions first');
  for (const v of views)
    if (v.shape.length !== nd) fail(op, `operands ${views.map((w) => shapeStr(w.shape)).join(', ')} must have the same rank`);
  if (!(dim >= 0 && dim < nd)) fail(op, `axis ${dim} is out of range for rank ${nd}`);
  if (views[1]!.dtype !== 'int32') fail(op, `the index must be int32, got ${views[1]!.dtype}`);
}

/**
 * out[c] = x[c with c[dim] replaced by index[c]], for every coordinate c of `out`. `index` has out's
 * shape; `x` matches out off `dim` (either may be broadcast views). Out-of-range indices are clamped.
 */
export function gather(dev: Device, x: View, dim: number, index: View, out: View): void {
  check('gather', [x, index, out], dim);
  const n = numel(out.shape);
  if (n === 0) return;
  const dimsize = x.shape[dim]!;
  if (dimsize === 0) fail('gather', `cannot pick from axis ${dim} of size 0 in shape ${shapeStr(x.shape)}`);
  const tx = wgslType(x.dtype);
  const to = wgslType(out.dtype);
  const spec = cachedSpec(`gather|${tx}|${to}`, () => ({
    name: `gather:${tx}>${to}`,
    source: render('gather', GatherParams, { TX: tx, TO: to, MODE: 'gather_one' }),
    reads: 2,
    writes: 1,
  }));
  dev.dispatch(
    spec,
    (w) =>
      GatherParams.write(w, {
        n,
        ndim: out.shape.length,
        dim,
        dimsize,
        k: 0,
        offx: x.offset,
        offi: index.offset,
        offo: out.offset,
        shape: out.shape,
        sx: x.strides,
        si: index.strides,
        so: out.strides,
        lim: [],
      }),
    [x.buffer, index.buffer, out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}

/**
 * The adjoint of `gather`: out (float32, every element written) = zeros with src[c] added at
 * c[dim] := index[c] for each coordinate c of `src`. `index` has src's shape; `src` may be smaller than
 * `out` off `dim`. Deterministic: each output element sums its contributions in a fixed order.
 */
export function scatterAdd(dev: Device, src: View, dim: number, index: View, out: View): void {
  check('scatterAdd', [src, index, out], dim);
  if (out.dtype !== 'float32' || src.dtype !== 'float32') fail('scatterAdd', `only float32 is supported, got ${src.dtype} into ${out.dtype}`);
  const n = numel(out.shape);
  if (n === 0) return;
  const spec = cachedSpec('scatterAdd|f32', () => ({
    name: 'scatterAdd:f32',
    source: render('gather', GatherParams, { TX: 'f32', TO: 'f32', MODE: 'scatter_one' }),
    reads: 2,
    writes: 1,
  }));
  // An empty source contributes nothing, but the kernel still runs to write the zeros.
  const k = numel(src.shape) === 0 ? 0 : src.shape[dim]!;
  dev.dispatch(
    spec,
    (w) =>
      GatherParams.write(w, {
        n,
        ndim: out.shape.length,
        dim,
        dimsize: out.shape[dim]!,
        k,
        offx: src.offset,
        offi: index.offset,
        offo: out.offset,
        shape: out.shape,
        sx: src.strides,
        si: index.strides,
        so: out.strides,
        lim: src.shape,
      }),
    [src.buffer, index.buffer, out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}
