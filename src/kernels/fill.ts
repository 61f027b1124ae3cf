// Generated data: constants, ranges and random numbers are made on the GPU, so creating them uploads nothing.
import type { Device } from '../device/index.ts';
import { wgslType } from './dtype.ts';
import { render } from './shaders.ts';
import { numel, type View } from './view.ts';
import { cachedSpec } from './spec.ts';

/** out[i] = start + step * i over a contiguous `out`. */
export function fill(dev: Device, out: View, start: number, step: number): void {
  const n = numel(out.shape);
  if (n === 0) return;
  const to = wgslType(out.dtype);
  const int = out.dtype !== 'float32';
  const VALUE = int ? 'u.istart + u.istep * i32(i)' : 'u.fstart + u.fstep * f32(i)';
  dev.dispatch(
    cachedSpec(`fill|${to}`, () => ({ name: `fill:${to}`, source: render('fill', { TO: to, VALUE }), reads: 0, writes: 1 })),
    (w) => w.u32(n).u32(0).f32(start).f32(step).i32(start).i32(step),
    [out.buffer],
    dev.grid(Math.ceil(n / 256)),
  );
}

export type RandomKind = 'uniform' | 'normal' | 'int';

/** Fills contiguous `out` from the Philox stream at `counter` (a 64-bit position, split in two words). */
export function random(dev: Device, out: View, kind: RandomKind, a: number, b: number, seed: bigint, counter: bigint): void {
  const n = numel(out.shape);
  if (n === 0) return;
  const to = wgslType(out.dtype);
  const mode = kind === 'uniform' ? 0 : kind === 'normal' ? 1 : 2;
  const lo = (x: bigint) => Number(x & 0xffffffffn);
  const hi = (x: bigint) => Number((x >> 32n) & 0xffffffffn);
  dev.dispatch(
    cachedSpec(`random|${kind}|${to}`, () => ({ name: `random:${kind}:${to}`, source: render('random', { TO: to }), reads: 0, writes: 1, constants: { MODE: mode } })),
    (w) => w.u32(n).u32(lo(seed)).u32(hi(seed)).u32(lo(counter)).u32(hi(counter)).u32(0).f32(a).f32(b).i32(a).i32(b),
    [out.buffer],
    dev.grid(Math.ceil(n / 256)),
  );
}
