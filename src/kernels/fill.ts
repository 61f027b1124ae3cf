// Generated data: constants, ranges and random numbers are made on the GPU, so creating them uploads nothing.
import type { Device } from '../device/index.ts';
import { WG } from './constants.ts';
import { wgslType } from './dtype.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { numel, type View } from './view.ts';
import { cachedSpec } from './spec.ts';

/** The range as floats (float32 outputs) and as integers (int32 and bool outputs). */
export const FillParams = params('Fill', { n: 'u32', fstart: 'f32', fstep: 'f32', istart: 'i32', istep: 'i32' });

/** out[i] = start + step * i over a contiguous `out`. */
export function fill(dev: Device, out: View, start: number, step: number): void {
  const n = numel(out.shape);
  if (n === 0) return;
  const to = wgslType(out.dtype);
  const int = out.dtype !== 'float32';
  const VALUE = int ? 'u.istart + u.istep * i32(i)' : 'u.fstart + u.fstep * f32(i)';
  dev.dispatch(
    cachedSpec(`fill|${to}`, () => ({ name: `fill:${to}`, source: render('fill', FillParams, { TO: to, VALUE }), reads: 0, writes: 1 })),
    (w) => FillParams.write(w, { n, fstart: start, fstep: step, istart: start, istep: step }),
    [out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}

export type RandomKind = 'uniform' | 'normal' | 'int';

/** a, b as floats (uniform: [a, b); normal: mean a, std b) and as integers (int: [ia, ib)). */
export const RandomParams = params('Random', { n: 'u32', seed: 'u64', ctr: 'u64', a: 'f32', b: 'f32', ia: 'i32', ib: 'i32' });

/** Fills contiguous `out` from the Philox stream at `counter` (a 64-bit position). */
export function random(dev: Device, out: View, kind: RandomKind, a: number, b: number, seed: bigint, counter: bigint): void {
  const n = numel(out.shape);
  if (n === 0) return;
  const to = wgslType(out.dtype);
  const mode = kind === 'uniform' ? 0 : kind === 'normal' ? 1 : 2;
  dev.dispatch(
    cachedSpec(`random|${kind}|${to}`, () => ({ name: `random:${kind}:${to}`, source: render('random', RandomParams, { TO: to }), reads: 0, writes: 1, constants: { MODE: mode } })),
    (w) => RandomParams.write(w, { n, seed, ctr: counter, a, b, ia: a, ib: b }),
    [out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}
