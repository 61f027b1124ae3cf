// Dropout masks drawn inside the kernel from Philox (no mask tensor, no upload): out = x * scale where
// the draw for mask unit i / group is >= p, else 0. The same (seed, ctr) regenerates the mask, which is
// how the backward pass applies it to the gradient.
import type { Device } from '../device/index.ts';
import { WG } from './constants.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';
import { numel, type View } from './view.ts';

export const DropoutParams = params('Dropout', { n: 'u32', group: 'u32', xoff: 'u32', p: 'f32', scale: 'f32', seed: 'u64', ctr: 'u64' });

export interface DropoutMask {
  p: number;
  /** Elements sharing one draw: 1 for dropout, the spatial size for dropout2d. */
  group: number;
  seed: bigint;
  counter: bigint;
}

/** out = dropout(x) over contiguous float32 x and out of the same size. */
export function dropout(dev: Device, x: View, out: View, m: DropoutMask): void {
  const n = numel(out.shape);
  if (n === 0) return;
  const scale = m.p >= 1 ? 0 : 1 / (1 - m.p);
  dev.dispatch(
    cachedSpec('dropout', () => ({ name: 'dropout', source: render('dropout', DropoutParams, {}), reads: 1, writes: 1 })),
    (w) => DropoutParams.write(w, { n, group: m.group, xoff: x.offset, p: m.p, scale, seed: m.seed, ctr: m.counter }),
    [x.buffer, out.buffer],
    dev.grid(Math.ceil(n / WG)),
  );
}
