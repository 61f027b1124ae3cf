// Dropout and Dropout2d as one kernel whose mask is drawn from Philox inside the kernel (no mask
// tensor, no CPU round trip). The mask's stream position is reserved from the global generator
// (wg.manualSeed reproduces it) and kept in the attrs, so the backward pass is the same kernel, with
// the same mask, applied to the gradient; it is itself differentiable.
import { fail, shapeStr } from '../../device/index.ts';
import { dropout as dropoutKernel, numel, type DropoutMask } from '../../kernels/index.ts';
import { contiguousRaw, empty, reserveRandom, type Tensor } from '../../tensor/index.ts';
import { rules, type FamilyApply } from '../apply.ts';
import { op } from '../define.ts';

export interface DropoutFamilyAttrs {
  dropout: DropoutMask;
}

const apply: FamilyApply<DropoutFamilyAttrs> = rules<DropoutFamilyAttrs>({
  dropout: {
    forward: ([x0], m) => {
      const x = x0!.isContiguous() ? x0! : contiguousRaw(x0!, 'float32', 'contiguous');
      const out = empty(x.shape, 'float32', 'dropout');
      dropoutKernel(out.dev, x, out, m);
      if (x !== x0) x.dispose();
      return out;
    },
    backward: (g, c) => [apply('dropout', [g], c.attrs)],
    saves: { inputs: false, output: false },
  },
});

function run(name: string, x: Tensor, p: number, training: boolean, group: (x: Tensor) => number): Tensor {
  if (typeof x !== 'object' || x === null || typeof (x as Tensor).assertLive !== 'function') fail(name, `expected a Tensor input, got ${typeof x}`);
  x.assertLive(name);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(name, `dropout probability has to be between 0 and 1, but got ${String(p)}`, 'pass p in [0, 1]');
  if (typeof training !== 'boolean') fail(name, `training must be true or false, got ${String(training)}`);
  if (x.dtype !== 'float32') fail(name, `expects a float32 input, got ${x.dtype}`, 'cast it with .float()');
  const gsize = group(x);
  if (!training) return x;
  const units = gsize === 0 ? 0 : numel(x.shape) / gsize;
  const { seed, counter } = reserveRandom(units);
  return apply('dropout', [x], { p, group: Math.max(gsize, 1), seed, counter });
}

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p); the input itself when not training. */
export const dropout = op(function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return run('dropout', x, p, training, () => 1);
}, false);

/**
 * Zeroes whole channels: x is [N, C, H, W] (or [N, C, L], as torch's current dropout2d), each (n, c)
 * plane dropped with probability p and the rest scaled by 1 / (1 - p).
 */
export const dropout2d = op(function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  return run('dropout2d', x, p, training, (t) => {
    if (t.ndim !== 3 && t.ndim !== 4) fail('dropout2d', `expected a 4-D input [N, C, H, W] (or 3-D [N, C, L]), got shape ${shapeStr(t.shape)}`, 'reshape the input to [N, C, H, W]');
    return numel(t.shape.slice(2));
  });
}, false);
