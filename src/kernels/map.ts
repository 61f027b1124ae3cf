// Elementwise kernels: one WGSL template (shaders/map.wgsl) specialised by the op table's expression,
// the operand types and the arity. Shapes and strides are uniforms, so each (expression, types) pair
// compiles once whatever the shapes.
import { fail, type Device } from '../device/index.ts';
import { MAX_DIMS, WG } from './constants.ts';
import { wgslType, type ComputeType, type DType } from './dtype.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { coalesce, numel, type View } from './view.ts';
import { cachedSpec } from './spec.ts';

export const MapParams = params('Map', {
  n: 'u32',
  ndim: 'u32',
  alpha: 'f32',
  beta: 'f32',
  ialpha: 'i32',
  ibeta: 'i32',
  /** Element offsets of O, A, B, C. */
  offs: 'vec4<u32>',
  /** The coalesced shape, and each operand's strides over it. */
  shape: ['u32', MAX_DIMS],
  so: ['u32', MAX_DIMS],
  sa: ['u32', MAX_DIMS],
  sb: ['u32', MAX_DIMS],
  sc: ['u32', MAX_DIMS],
});

// An f32's bits as an i32: fused chains pass f32 scalars in the integer slots.
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
function bitsOf(x: number): number {
  f32[0] = x;
  return i32[0]!;
}

export interface MapExpr {
  /** For errors and stats, e.g. `add`. */
  name: string;
  /** WGSL over `a`, `b`, `c` of type `ct`, and the uniforms `u.alpha`, `u.beta`, `u.ialpha`, `u.ibeta`. */
  expr: string;
  ct: ComputeType;
  /** Statements run before EXPR (fused chains bind their intermediates here). */
  pre?: string;
}

export interface MapScalars {
  alpha?: number;
  beta?: number;
  /** When set, operand `b` is this number from the uniform block rather than a tensor. */
  scalarB?: number;
  /**
   * Four f32 scalars for fused chains, written over alpha, beta, ialpha and ibeta; the expression reads
   * the last two as bitcast<f32>(u.ialpha) and bitcast<f32>(u.ibeta).
   */
  slots?: readonly number[];
}

/** Runs `out = expr(inputs...)`; inputs are already broadcast to `out.shape` (stride 0 where expanded). */
export function map(dev: Device, op: MapExpr, inputs: readonly View[], out: View, s: MapScalars = {}): void {
  const n = numel(out.shape);
  if (n === 0) return;
  // A scalar `b` travels in beta's uniform slot, so an op cannot have both.
  if (s.scalarB !== undefined && s.beta !== undefined) fail(op.name, 'a scalar operand and the beta parameter share one uniform slot', 'pass the scalar operand as a tensor');
  const nin = inputs.length + (s.scalarB !== undefined ? 1 : 0);
  const all = [out, ...inputs];
  const c = coalesce(out.shape, all.map((v) => v.strides));
  if (c.shape.length > MAX_DIMS)
    fail(op.name, `operands of rank ${out.shape.length} do not collapse to ${MAX_DIMS} dimensions`, 'call .contiguous() on the inputs first');
  const contig = c.shape.length <= 1 && c.strides.every((st) => st.length === 0 || st[0] === 1);
  const a = inputs[0] ?? out;
  const b = inputs[1] ?? a;
  const cc = inputs[2] ?? a;
  const t = (v: View) => wgslType(v.dtype);
  const scalarB = s.scalarB !== undefined;
  const types = `${t(a)}${nin > 1 ? (scalarB ? 's' : t(b)) : ''}${nin > 2 ? t(cc) : ''}>${t(out)}`;
  const spec = cachedSpec(`map|${op.name}|${op.ct}|${op.pre ?? ''}|${op.expr}|${types}|${contig}|${nin}|${t(b)}|${t(cc)}`, () => ({
    name: `map:${op.name}:${types}${contig ? ':c' : ''}`,
    source: render('map', MapParams, {
      TA: t(a),
      TB: t(b),
      TC: t(cc),
      TO: t(out),
      CT: op.ct,
      LOAD_B: scalarB ? (op.ct === 'i32' ? `${op.ct}(u.ibeta)` : `${op.ct}(u.beta)`) : `${op.ct}(B[ib])`,
      PRE: op.pre ?? '',
      EXPR: op.expr,
    }),
    reads: 3,
    writes: 1,
    constants: { CONTIG: contig ? 1 : 0, NIN: nin },
  }));
  const strideOf = (k: number) => (k < all.length ? c.strides[k]! : c.strides[1] ?? []);
  dev.dispatch(
    spec,
    (w) => {
      const sl = s.slots;
      const beta = scalarB ? s.scalarB! : s.beta ?? 0;
      MapParams.write(w, {
        n,
        ndim: c.shape.length,
        alpha: sl ? sl[0] ?? 0 : s.alpha ?? 0,
        beta: sl ? sl[1] ?? 0 : beta,
        ialpha: sl ? bitsOf(sl[2] ?? 0) : s.alpha ?? 0,
        ibeta: sl ? bitsOf(sl[3] ?? 0) : beta,
        offs: [out.offset, a.offset, b.offset, cc.offset],
        shape: c.shape,
        so: strideOf(0),
        sa: strideOf(1),
        sb: inputs[1] ? strideOf(2) : [],
        sc: inputs[2] ? strideOf(3) : [],
      });
    },
    [a.buffer, b.buffer, cc.buffer, out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}

/** Strided copy with conversion: `contiguous()`, `cast`, and writes into slices (concat, pad). */
export function copy(dev: Device, src: View, out: View): void {
  map(dev, { name: 'copy', expr: 'a', ct: computeFor(src.dtype, out.dtype) }, [src], out);
}

function computeFor(from: DType, to: DType): ComputeType {
  if (to === 'bool') return from === 'bool' ? 'u32' : 'bool';
  return from === 'float32' || to === 'float32' ? 'f32' : 'i32';
}
