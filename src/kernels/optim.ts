// Optimizer kernels (shaders/optim.wgsl, shaders/optim_grad.wgsl): one fused dispatch updates a
// parameter and its state in place; one edits a gradient in place. Everything that changes between
// steps (learning rate, step-dependent bias corrections, noise scale, RNG position) is a uniform, so a
// run compiles one pipeline per algorithm, whatever the shapes and hyperparameters.
import { fail, shapeStr, type Device } from '../device/index.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';
import { contiguousStrides, numel, type View } from './view.ts';

export type OptimAlgo = 'sgd' | 'adagrad' | 'rmsprop' | 'adam';

const ALGOS: Record<OptimAlgo, number> = { sgd: 0, adagrad: 1, rmsprop: 2, adam: 3 };

/** Bits of `OptimUniforms.flags`; they must match the constants in shaders/optim.wgsl. */
export const OPTIM_FLAGS = {
  maximize: 1,
  nesterov: 2,
  first: 4,
  momentum: 8,
  noise: 16,
  centered: 32,
  amsgrad: 64,
  decoupled: 128,
} as const;

export interface OptimUniforms {
  flags: number;
  lr: number;
  weightDecay: number;
  /** The algorithm's scalars h0..h5, as listed at the top of shaders/optim.wgsl. */
  h: readonly number[];
  /** Element offsets of the state slots within `state`'s buffer (x, y, z). */
  slots: readonly number[];
  /** Philox key and stream position for SGD's gradient noise. */
  seed?: bigint;
  counter?: bigint;
}

function isDense(v: View): boolean {
  const c = contiguousStrides(v.shape);
  return v.shape.every((s, i) => s === 1 || v.strides[i] === c[i]);
}

function checkF32(op: string, what: string, v: View): void {
  if (v.dtype !== 'float32') fail(op, `the ${what} must be float32, got ${v.dtype}`);
  if (!isDense(v)) fail(op, `the ${what} of shape ${shapeStr(v.shape)} has strides ${shapeStr(v.strides)}, not a contiguous layout`, 'pass contiguous tensors (call contiguous() first)');
}

const lo = (x: bigint) => Number(x & 0xffffffffn);
const hi = (x: bigint) => Number((x >> 32n) & 0xffffffffn);

/**
 * Updates `param` (read_write) and the slots of `state` (read_write) from `grad` (read-only), in place.
 * All three must be contiguous float32 with param's element count; `state` is a separate buffer
 * (a dummy when the algorithm keeps no state), never param's or grad's.
 */
export function optimStep(dev: Device, algo: OptimAlgo, param: View, grad: View, state: View, u: OptimUniforms): void {
  const op = `optim:${algo}`;
  checkF32(op, 'parameter', param);
  checkF32(op, 'gradient', grad);
  const n = numel(param.shape);
  if (numel(grad.shape) !== n) fail(op, `the gradient ${shapeStr(grad.shape)} does not match the parameter ${shapeStr(param.shape)}`);
  if (n === 0) return;
  const pb = param.buffer;
  const gb = grad.buffer;
  const sb = state.buffer;
  if (pb === gb || sb === pb || sb === gb) fail(op, 'the parameter, its gradient and its state must live in three different buffers', 'a bug in the optimizer: give the state its own storage');
  const spec = cachedSpec(`optim|${algo}`, () => ({
    name: op,
    source: render('optim', { ALGO: `${ALGOS[algo]}` }),
    reads: 1,
    writes: 2,
  }));
  const seed = u.seed ?? 0n;
  const ctr = u.counter ?? 0n;
  dev.dispatch(
    spec,
    (w) => {
      w.u32(n).u32(u.flags).u32(param.offset).u32(grad.offset);
      w.u32s(u.slots, 4);
      w.f32(u.lr).f32(u.weightDecay);
      for (let k = 0; k < 6; k++) w.f32(u.h[k] ?? 0);
      w.u32(lo(seed)).u32(hi(seed)).u32(lo(ctr)).u32(hi(ctr));
    },
    [gb, pb, sb],
    dev.grid(Math.ceil(n / 256)),
  );
}

export type GradEdit = { mode: 'zero' } | { mode: 'clipNorm'; maxNorm: number; norm: View } | { mode: 'clamp'; min: number; max: number };

const MODES = { zero: 0, clipNorm: 1, clamp: 2 } as const;

/**
 * Edits contiguous float32 `grad` in place: zero it, scale it by min(1, maxNorm / (norm + 1e-6)) with
 * `norm` a one-element GPU tensor, or clamp it. `aux` is any buffer other than grad's, bound read-only
 * when the edit reads nothing (the layout always has one read binding).
 */
export function gradEdit(dev: Device, grad: View, edit: GradEdit, aux: GPUBuffer): void {
  const op = `optim:${edit.mode}`;
  checkF32(op, 'gradient', grad);
  const n = numel(grad.shape);
  if (n === 0) return;
  const gb = grad.buffer;
  let read = aux;
  let nOff = 0;
  if (edit.mode === 'clipNorm') {
    if (edit.norm.dtype !== 'float32' || numel(edit.norm.shape) !== 1) fail(op, `the norm must be a one-element float32 tensor, got ${shapeStr(edit.norm.shape)} ${edit.norm.dtype}`);
    read = edit.norm.buffer;
    nOff = edit.norm.offset;
  }
  if (read === gb) fail(op, 'the gradient cannot also be the read-only operand', 'a bug in the caller: pass another buffer');
  const spec = cachedSpec(`optimGrad|${edit.mode}`, () => ({
    name: op,
    source: render('optim_grad', { MODE: `${MODES[edit.mode]}` }),
    reads: 1,
    writes: 1,
  }));
  const a = edit.mode === 'clipNorm' ? edit.maxNorm : edit.mode === 'clamp' ? edit.min : 0;
  const b = edit.mode === 'clamp' ? edit.max : 0;
  dev.dispatch(spec, (w) => w.u32(n).u32(grad.offset).u32(nOff).u32(0).f32(a).f32(b), [read, gb], dev.grid(Math.ceil(n / 256)));
}
