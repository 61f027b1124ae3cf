// Gradient clipping, entirely on the GPU: the global norm is reduced to a 0-d tensor and the scaling
// kernel reads it from GPU memory, so clipping never waits for a readback.
import { fail, shapeStr } from '../device/index.ts';
import { abs, max, noGrad, norm, pow, stack, sum } from '../autograd/index.ts';
import { empty, Tensor, tidy, zeros } from '../tensor/index.ts';
import { editGrad, ensure } from './optimizer.ts';

function gradsOf(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : params && typeof (params as Iterable<Tensor>)[Symbol.iterator] === 'function' ? [...params] : fail(op, `expected a tensor or an array of tensors, got ${String(params)}`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) fail(op, `parameter ${i} is ${String(p)}, not a tensor`);
    p.assertLive(op);
    const g = p.requiresGrad ? p._grad : null;
    if (!g || g.numel() === 0) return;
    g.assertLive(op);
    ensure(g.dtype === 'float32' && g.isContiguous(), op, `the gradient of parameter ${i} (${shapeStr(g.shape)}, strides ${shapeStr(g.strides)}) must be contiguous float32 to be scaled in place`, 'let backward() create gradients, or assign contiguous ones');
    grads.push(g);
  });
  return grads;
}

function normType(op: string, p: number | 'inf'): number {
  const v = p === 'inf' ? Infinity : p;
  ensure(typeof v === 'number' && v > 0, op, `normType must be a number > 0 or 'inf', got ${String(p)}`);
  return v;
}

function pNorm(x: Tensor, p: number): Tensor {
  if (p === 2 || p === 1) return norm(x, p);
  if (p === Infinity) return max(abs(x));
  return pow(sum(pow(abs(x), p)), 1 / p);
}

/**
 * Scales the gradients of `params`, in place, so that their joint p-norm is at most maxNorm: each is
 * multiplied by min(1, maxNorm / (total + 1e-6)), as torch.nn.utils.clip_grad_norm_. Returns the total
 * norm before clipping as a 0-d tensor, still on the GPU. Parameters without gradients are skipped.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, p: number | 'inf' = 2): Tensor {
  const op = 'clipGradNorm';
  ensure(typeof maxNorm === 'number' && !Number.isNaN(maxNorm) && maxNorm >= 0, op, `maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  const ord = normType(op, p);
  const grads = gradsOf(op, params);
  if (!grads.length) return zeros([]);
  const total = noGrad(() =>
    tidy(() => {
      const each = grads.map((g) => pNorm(g, ord));
      return each.length === 1 ? each[0]! : pNorm(stack(each), ord);
    }),
  );
  for (const g of grads) editGrad(g, { mode: 'clipNorm', maxNorm, norm: total }, total);
  return total;
}

/** Clamps every gradient of `params` to [-clipValue, clipValue], in place (NaN stays NaN). */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue';
  ensure(typeof clipValue === 'number' && clipValue >= 0, op, `clipValue must be a number >= 0, got ${String(clipValue)}`);
  const grads = gradsOf(op, params);
  if (!grads.length) return;
  // The kernel layout always binds one read-only buffer; clamping reads none, so a scratch word fills it.
  const scratch = empty([1], 'float32', op);
  for (const g of grads) editGrad(g, { mode: 'clamp', min: -clipValue, max: clipValue }, scratch);
  scratch.dispose();
}
