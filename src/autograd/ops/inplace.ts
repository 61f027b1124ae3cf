// In-place writes: copy_, fill_, zero_, add_, mul_, clamp_, for running statistics, EMA weights and
// custom initialisers. Each computes its result out of place and copies it into the tensor's own
// storage through its strides (views write through to their base). WebGPU forbids binding one buffer
// as both read-only and writable storage in a dispatch, so `x + y` cannot be written over x directly;
// the copy is one extra elementwise pass. The copy kernel's dispatch runs the device's beforeWork hook,
// so a pending fused chain that reads the old values is realized first.
//
// Refused where autograd needs the tensor: one with a gradFn (a node's output) always, one that
// requires grad unless grad mode is off (wg.noGrad, as torch.no_grad around initialisers). A write into
// a tensor a recorded node saved bumps its storage version, and that node's backward then throws.
import { fail, shapeStr } from '../../device/index.ts';
import { copy } from '../../kernels/index.ts';
import { broadcastShapes, contiguousRaw, full, sameShape, type Tensor } from '../../tensor/index.ts';
import { isGradEnabled, noGrad } from '../graph.ts';
import { op } from '../define.ts';
import { add, asTensor, clamp, mul, type TensorLike } from './elementwise.ts';
import { broadcastTo } from './views.ts';

function target(name: string, t: Tensor): void {
  t.assertLive(name);
  const what = `the tensor ${shapeStr(t.shape)} (made by ${t.op})`;
  if (t.gradFn)
    fail(name, `cannot write in place into ${what}: it is the output of a recorded op, which autograd's graph needs for backward`, 'compute a new tensor instead (x.add(1) rather than x.add_(1)), or write into x.detach().clone()');
  if (t.requiresGrad && isGradEnabled())
    fail(name, `cannot write in place into ${what}: it requires grad, so autograd may need its current values`, 'do the write inside wg.noGrad(() => ...) (custom initialisers), or use a tensor that does not require grad (running statistics, EMA weights)');
  if (t.shape.some((s, i) => s > 1 && t.strides[i] === 0))
    fail(name, `${what} is an expanded view (stride 0), so several of its elements share one memory location`, 'write into a tensor that owns its elements, e.g. x.contiguous()');
}

/** Copies `value` (broadcast to t's shape) into t's storage. */
function writeInto(name: string, t: Tensor, value: Tensor): Tensor {
  value.assertLive(name);
  if (!sameShape(broadcastShapes(name, t.shape, value.shape), t.shape))
    fail(name, `a value of shape ${shapeStr(value.shape)} does not broadcast to the tensor's shape ${shapeStr(t.shape)}`, 'pass a value whose shape broadcasts to the destination');
  if (value.dtype === 'float32' && t.dtype !== 'float32')
    fail(name, `the result is float32 but the tensor is ${t.dtype}, and an in-place write cannot change its dtype`, 'use integer operands, or work on x.float()');
  noGrad(() => {
    // A source over the destination's own memory would be bound twice in one dispatch; copy it first.
    const src = value.storage === t.storage ? contiguousRaw(value) : value;
    const wide = sameShape(src.shape, t.shape) ? src : broadcastTo(src, t.shape);
    copy(t.dev, wide, t);
    if (wide !== src) wide.dispose();
    if (src !== value) src.dispose();
  });
  t.storage.version++;
  return t;
}

/** Checks before any work that `other` broadcasts to t's shape (the result must fit t). */
function fits(name: string, t: Tensor, other: TensorLike): void {
  if (typeof other === 'number') return;
  asTensor(other, name).assertLive(name);
  if (!sameShape(broadcastShapes(name, t.shape, other.shape), t.shape))
    fail(name, `an operand of shape ${shapeStr(other.shape)} does not broadcast to the tensor's shape ${shapeStr(t.shape)}`, 'pass an operand whose shape broadcasts to the destination');
}

function compute(name: string, t: Tensor, f: () => Tensor, other: TensorLike = 0): Tensor {
  target(name, t);
  fits(name, t, other);
  const r = noGrad(f);
  try {
    return writeInto(name, t, r);
  } finally {
    r.dispose();
  }
}

/** Copies src's values (broadcast, cast to this dtype) into this tensor, as torch's copy_. */
export const copy_ = op(function copy_(t: Tensor, src: Tensor): Tensor {
  target('copy_', t);
  if (typeof src !== 'object' || src === null || typeof (src as Tensor).assertLive !== 'function') fail('copy_', `expected a Tensor to copy from, got ${typeof src}`, 'fill_(v) writes a number');
  src.assertLive('copy_');
  if (src.dtype === 'float32' && t.dtype !== 'float32') {
    // torch casts on copy; float -> int truncates, which the copy kernel's conversion does.
    noGrad(() => {
      const s = src.storage === t.storage ? contiguousRaw(src) : src;
      const wide = sameShape(s.shape, t.shape) ? s : broadcastTo(s, t.shape);
      copy(t.dev, wide, t);
      if (wide !== s) wide.dispose();
      if (s !== src) s.dispose();
    });
    t.storage.version++;
    return t;
  }
  return writeInto('copy_', t, src);
});

/** Sets every element to `value`. */
export const fill_ = op(function fill_(t: Tensor, value: number | boolean): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') fail('fill_', `the fill value must be a number or a boolean, got ${typeof value}`, 'pass e.g. x.fill_(0.5)');
  return compute('fill_', t, () => full([], Number(value), { dtype: t.dtype }));
});

/** Sets every element to 0. */
export const zero_ = op(function zero_(t: Tensor): Tensor {
  return compute('zero_', t, () => full([], 0, { dtype: t.dtype }));
});

/** this += alpha * other, as torch's add_(other, alpha=alpha). */
export const add_ = op(function add_(t: Tensor, other: TensorLike, alpha = 1): Tensor {
  return compute('add_', t, () => {
    if (alpha === 1) return add(t, other);
    const scaled = mul(asTensor(other, 'add_'), alpha);
    const r = add(t, scaled);
    scaled.dispose();
    return r;
  }, other);
});

/** this *= other. */
export const mul_ = op(function mul_(t: Tensor, other: TensorLike): Tensor {
  return compute('mul_', t, () => mul(t, other), other);
});

/** Clamps in place into [min, max] (either may be null). */
export const clamp_ = op(function clamp_(t: Tensor, min?: number | null, max?: number | null): Tensor {
  return compute('clamp_', t, () => clamp(t, min, max));
});
