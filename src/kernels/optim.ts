// Optimizer kernels (shaders/optim.wgsl, shaders/optim_grad.wgsl): one fused dispatch updates a
// parameter and its state in place; one edits a gradient in place. Everything that changes between
// steps (learning rate, step-dependent bias corrections, noise scale, RNG position) is a uniform, so a
// run compiles one pipeline per algorithm, whatever the shapes and hyperparameters.
import { fail, shapeStr, type Device } from '../device/index.ts';
import { WG } from './constants.ts';
import { params } from './params.ts';
import { render } from './shaders.ts';
import { cachedSpec } from './spec.ts';
import { contiguousStrides, numel, type View } from './view.ts';

export type OptimAlgo = 'sgd' | 'adagrad' | 'rmsprop' | 'adam';

const ALGOS: Record<OptimAlgo, number> = { sgd: 0, adagrad: 1, rmsprop: 2, adam: 3 };

/** Bits of `OptimUniforms.flags`; optim.wgsl gets them as F_MAXIMIZE, F_NESTEROV, ... from OptimParams. */
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

/** Each algorithm's scalars, by name (`_c` names one minus the value). */
export interface OptimHyper {
  sgd: { momentum: number; dampening_c: number; noise_std: number };
  adagrad: { eps: number };
  rmsprop: { alpha: number; alpha_c: number; eps: number; momentum: number };
  /** step_size = lr / bias_correction1, bc2_sqrt = sqrt(bias_correction2). */
  adam: { beta1_c: number; beta2: number; beta2_c: number; eps: number; step_size: number; bc2_sqrt: number };
}

export const OptimParams = params(
  'Optim',
  {
    n: 'u32',
    flags: 'u32',
    p_off: 'u32',
    g_off: 'u32',
    /** Element offsets of the state slots within the state buffer (x, y, z). */
    slot: 'vec4<u32>',
    lr: 'f32',
    wd: 'f32',
    momentum: 'f32',
    dampening_c: 'f32',
    noise_std: 'f32',
    eps: 'f32',
    alpha: 'f32',
    alpha_c: 'f32',
    beta1_c: 'f32',
    beta2: 'f32',
    beta2_c: 'f32',
    step_size: 'f32',
    bc2_sqrt: 'f32',
    /** Philox key and stream position for SGD's gradient noise. */
    seed: 'u64',
    ctr: 'u64',
  },
  OPTIM_FLAGS,
);

export interface OptimUniforms<A extends OptimAlgo = OptimAlgo> {
  flags: number;
  lr: number;
  weightDecay: number;
  hyper: OptimHyper[A];
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

/**
 * Updates `param` (read_write) and the slots of `state` (read_write) from `grad` (read-only), in place.
 * All three must be contiguous float32 with param's element count; `state` is a separate buffer
 * (a dummy when the algorithm keeps no state), never param's or grad's.
 */
export function optimStep<A extends OptimAlgo>(dev: Device, algo: A, param: View, grad: View, state: View, u: OptimUniforms<A>): void {
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
    source: render('optim', OptimParams, { ALGO: `${ALGOS[algo]}` }),
    reads: 1,
    writes: 2,
  }));
  const base = OptimParams.zero();
  dev.dispatch(
    spec,
    (w) =>
      OptimParams.write(w, {
        ...base,
        ...u.hyper,
        n,
        flags: u.flags,
        p_off: param.offset,
        g_off: grad.offset,
        slot: u.slots,
        lr: u.lr,
        wd: u.weightDecay,
        seed: u.seed ?? 0n,
        ctr: u.counter ?? 0n,
      }),
    [gb, pb, sb],
    dev.grid(Math.ceil(n / WG)),
  );
}

export type GradEdit = { mode: 'zero' } | { mode: 'clipNorm'; maxNorm: number; norm: View } | { mode: 'clamp'; min: number; max: number };

const MODES = { zero: 0, clipNorm: 1, clamp: 2 } as const;

export const GradEditParams = params('GradEdit', { n: 'u32', g_off: 'u32', n_off: 'u32', a: 'f32', b: 'f32' });

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
    source: render('optim_grad', GradEditParams, { MODE: `${MODES[edit.mode]}` }),
    reads: 1,
    writes: 1,
  }));
  const a = edit.mode === 'clipNorm' ? edit.maxNorm : edit.mode === 'clamp' ? edit.min : 0;
  const b = edit.mode === 'clamp' ? edit.max : 0;
  dev.dispatch(spec, (w) => GradEditParams.write(w, { n, g_off: grad.offset, n_off: nOff, a, b }), [read, gb], dev.grid(Math.ceil(n / WG)));
}
