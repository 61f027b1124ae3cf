// Reductions over any set of axes. The caller passes the input view and which axes to reduce; the kept
// axes and reduced axes become two uniform shape/stride lists, so no transpose copy is needed.
import { fail, type Device } from '../device/index.ts';
import { wgslType, type ComputeType, type DType } from './dtype.ts';
import { render } from './shaders.ts';
import { coalesce, numel, type View } from './view.ts';

export type ReduceOp = 'sum' | 'mean' | 'prod' | 'max' | 'min';

const NAN_MAX = 'select(select(max(acc, v), acc, is_nan(acc)), v, is_nan(v))';
const NAN_MIN = 'select(select(min(acc, v), acc, is_nan(acc)), v, is_nan(v))';

function spec(op: ReduceOp, ct: ComputeType): { INIT: string; COMBINE: string } {
  const int = ct === 'i32';
  switch (op) {
    case 'sum':
    case 'mean':
      return { INIT: '0', COMBINE: 'acc + v' };
    case 'prod':
      return { INIT: '1', COMBINE: 'acc * v' };
    case 'max':
      return { INIT: int ? '-2147483647 - 1' : '-inf_f32()', COMBINE: int ? 'max(acc, v)' : NAN_MAX };
    case 'min':
      return { INIT: int ? '2147483647' : 'inf_f32()', COMBINE: int ? 'min(acc, v)' : NAN_MIN };
  }
}

const CHUNK = 4096;
const MAX_DIMS = 8;

/**
 * out (contiguous, shape = kept axes) = op over `axes` of x. Rows longer than CHUNK with few rows are
 * split across workgroups and finished by a second pass over the partial results.
 */
export function reduce(dev: Device, op: ReduceOp, x: View, axes: readonly number[], out: View, outDtype: DType = out.dtype): void {
  const keep = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const oc = coalesce(keep.map((d) => x.shape[d]!), [keep.map((d) => x.strides[d]!)]);
  const ic = coalesce(axes.map((d) => x.shape[d]!), [axes.map((d) => x.strides[d]!)]);
  if (oc.shape.length > MAX_DIMS || ic.shape.length > MAX_DIMS) fail(op, `rank ${x.shape.length} is too high to reduce in place`, 'call contiguous() first');
  const nout = numel(oc.shape);
  const nred = numel(ic.shape);
  if (nout === 0) return;
  const ct: ComputeType = x.dtype === 'float32' || op === 'mean' || outDtype === 'float32' ? 'f32' : 'i32';
  const scale = op === 'mean' ? 1 / nred : 1;
  const finalExpr = op === 'mean' ? 'acc * u.scale' : 'acc';
  const { INIT, COMBINE } = spec(op, ct);
  const perThread = nred <= 64 && nout >= 1024;
  const nchunks = !perThread && nout < 256 && nred > 2 * CHUNK ? Math.min(Math.ceil(nred / CHUNK), 1024) : 1;
  const chunk = Math.ceil(nred / nchunks);
  const tmp = nchunks > 1 ? dev.allocate(nout * nchunks * 4, op, [nout, nchunks]) : null;
  const run = (src: View, srcOshape: number[], srcOstride: number[], srcIshape: number[], srcIstride: number[], n: number, dst: GPUBuffer, chunks: number, ch: number, last: boolean) => {
    const T = last ? wgslType(outDtype) : (ct as 'f32' | 'i32');
    const source = render('reduce', { TX: wgslType(src.dtype), TO: T, CT: ct, INIT, COMBINE, FINAL: last ? finalExpr : 'acc' });
    const groups = perThread ? Math.ceil(nout / 256) : nout * chunks;
    dev.dispatch(
      { name: `reduce:${op}:${wgslType(src.dtype)}>${T}${perThread ? ':t' : ''}`, source, reads: 1, writes: 1, constants: { PER_THREAD: perThread ? 1 : 0 } },
      (w) => {
        w.u32(nout).u32(n).u32(chunks).u32(ch).u32(srcOshape.length).u32(srcIshape.length).f32(scale).u32(src.offset);
        w.u32s(srcOshape, MAX_DIMS).u32s(srcOstride, MAX_DIMS).u32s(srcIshape, MAX_DIMS).u32s(srcIstride, MAX_DIMS);
      },
      [src.buffer, dst],
      dev.grid(groups),
    );
  };
  if (!tmp) {
    run(x, oc.shape, oc.strides[0]!, ic.shape, ic.strides[0]!, nred, out.buffer, 1, nred, true);
    return;
  }
  // Pass 1 writes unscaled partials [nout, nchunks]; pass 2 combines them (a sum of partial sums for mean).
  const first = op === 'mean' ? 'sum' : op;
  const p1 = spec(first, ct);
  const source1 = render('reduce', { TX: wgslType(x.dtype), TO: ct as 'f32' | 'i32', CT: ct, INIT: p1.INIT, COMBINE: p1.COMBINE, FINAL: 'acc' });
  dev.dispatch(
    { name: `reduce:${first}:${wgslType(x.dtype)}>${ct}:p1`, source: source1, reads: 1, writes: 1, constants: { PER_THREAD: 0 } },
    (w) => {
      w.u32(nout).u32(nred).u32(nchunks).u32(chunk).u32(oc.shape.length).u32(ic.shape.length).f32(1).u32(x.offset);
      w.u32s(oc.shape, MAX_DIMS).u32s(oc.strides[0]!, MAX_DIMS).u32s(ic.shape, MAX_DIMS).u32s(ic.strides[0]!, MAX_DIMS);
    },
    [x.buffer, tmp],
    dev.grid(nout * nchunks),
  );
  const partial: View = { buffer: tmp, dtype: ct === 'f32' ? 'float32' : 'int32', shape: [nout, nchunks], strides: [nchunks, 1], offset: 0 };
  const finalScale = op === 'mean' ? 1 / nred : 1;
  const source2 = render('reduce', { TX: ct as 'f32' | 'i32', TO: wgslType(outDtype), CT: ct, INIT, COMBINE: op === 'mean' ? 'acc + v' : COMBINE, FINAL: finalExpr });
  dev.dispatch(
    { name: `reduce:${op}:${ct}>${wgslType(outDtype)}:p2`, source: source2, reads: 1, writes: 1, constants: { PER_THREAD: 0 } },
    (w) => {
      w.u32(nout).u32(nchunks).u32(1).u32(nchunks).u32(1).u32(1).f32(finalScale).u32(0);
      w.u32s([nout], MAX_DIMS).u32s([nchunks], MAX_DIMS).u32s([nchunks], MAX_DIMS).u32s([1], MAX_DIMS);
    },
    [partial.buffer, out.buffer],
    dev.grid(nout),
  );
  dev.release(tmp);
}
