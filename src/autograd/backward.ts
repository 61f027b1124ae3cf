// User-facing differentiation: loss.backward() accumulating into leaves' .grad, and the functional
// grad / valueAndGrad (over a tensor or a nested object of tensors), which leave .grad alone and
// compose for higher-order derivatives.
import { fail, shapeStr } from '../device/index.ts';
import { expectTensor, keep, onesLike, sameShape, Tensor, viewOf, zerosLike } from '../tensor/index.ts';
import { enableGrad, hooks, isGradEnabled, noGrad, propagate, withGradMode, type Accumulators, type BackwardOptions, type Node } from './graph.ts';
import { add } from './ops/elementwise.ts';
import { sum } from './ops/reduce.ts';
import { contiguous, reshape } from './ops/views.ts';

/** Sums a broadcast gradient back down to `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.ndim; d++) if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  if (!axes.length) return reshape(g, shape);
  const s = sum(g, axes, true);
  const r = reshape(s, shape);
  s.dispose();
  return r;
}

const ACC: Accumulators = { add, sumTo };

function ownedGrad(g: Tensor): Tensor {
  // Leaf gradients must own contiguous storage: optimizers update them in place.
  if (g.isContiguous() && g.offset === 0 && g.storage.refs === 1) return g;
  const c = noGrad(() => contiguous(g));
  if (c.storage === g.storage) {
    const fresh = noGrad(() => add(g, 0));
    c.dispose();
    g.dispose();
    return fresh;
  }
  g.dispose();
  return c;
}

export function backward(root: Tensor, grad?: Tensor, opts: BackwardOptions = {}): void {
  if (hooks.backwardPass) hooks.backwardPass(() => backwardPass(root, grad, opts));
  else backwardPass(root, grad, opts);
}

function backwardPass(root: Tensor, grad: Tensor | undefined, opts: BackwardOptions): void {
  root.assertLive('backward');
  if (!root.requiresGrad)
    fail('backward', `the tensor ${shapeStr(root.shape)} does not require grad, so there is nothing to differentiate`, 'create the inputs with {requiresGrad: true} (or call requiresGrad_()), and do not compute the loss inside noGrad()');
  // A graph an earlier backward() freed fails here, before a seed gradient is made or any work runs.
  if ((root.gradFn as Node | null)?.freed)
    fail('backward', `the graph through '${(root.gradFn as Node).op}' was already freed by an earlier backward()`, 'pass {retainGraph: true} to the first backward() to run it twice');
  if (grad !== undefined && grad !== null) {
    expectTensor('backward', 'the gradient', grad);
    if (grad.dtype !== 'float32')
      fail('backward', `the gradient must be float32, got a ${grad.dtype} tensor ${shapeStr(grad.shape)}`, 'pass a float32 gradient, e.g. wg.onesLike(y) or g.float()');
  }
  let g = grad ?? undefined;
  const own = !g;
  if (!g) {
    if (root.numel() !== 1)
      fail('backward', `a gradient can only be implied for a one-element output, but this one has shape ${shapeStr(root.shape)}`, 'pass one: y.backward(wg.onesLike(y)), or reduce first with y.sum() or y.mean()');
    g = onesLike(root);
  } else if (!sameShape(g.shape, root.shape)) {
    fail('backward', `the gradient has shape ${shapeStr(g.shape)} but the output has shape ${shapeStr(root.shape)}`, 'pass a gradient of the same shape as the output');
  }
  let leaves: Map<Tensor, Tensor>;
  try {
    ({ leaves } = propagate([root], [g], opts, ACC));
  } catch (e) {
    if (own) g.dispose();
    throw e;
  }
  withGradMode(!!opts.createGraph, () => {
    for (const [leaf, lg0] of leaves) {
      const lg = lg0 === g ? viewOf(g, g.shape, g.strides, g.offset, 'grad') : lg0;
      const fresh = opts.createGraph ? lg : ownedGrad(lg);
      if (leaf._grad) {
        const total = add(leaf._grad, fresh);
        leaf._grad.dispose();
        fresh.dispose();
        leaf._grad = keep(total);
      } else leaf._grad = keep(fresh);
    }
  });
  if (own) g.dispose();
}

type Tree = Tensor | Tree[] | { [k: string]: Tree };

function leavesOf(x: Tree, out: Tensor[] = []): Tensor[] {
  if (x instanceof Tensor) out.push(x);
  else if (Array.isArray(x)) x.forEach((v) => leavesOf(v, out));
  else if (x && typeof x === 'object') Object.values(x).forEach((v) => leavesOf(v, out));
  else fail('grad', `arguments must be tensors or nested arrays/objects of tensors, got ${typeof x}`);
  return out;
}

function rebuild<T extends Tree>(x: T, values: Tensor[], i = { k: 0 }): T {
  if (x instanceof Tensor) return values[i.k++] as T;
  if (Array.isArray(x)) return x.map((v) => rebuild(v, values, i)) as T;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, rebuild(v, values, i)])) as T;
}

/**
 * valueAndGrad(f)(x, ...rest) returns [f(x, ...rest), df/dx] with df/dx shaped like x. f must return a
 * one-element tensor. Inside an outer grad, the result stays differentiable (higher-order grads).
 */
export function valueAndGrad<T extends Tree, R extends unknown[]>(f: (x: T, ...rest: R) => Tensor): (x: T, ...rest: R) => [Tensor, T] {
  return (x, ...rest) => {
    const given = leavesOf(x);
    const outer = isGradEnabled() && given.some((t) => t.requiresGrad);
    const inputs = given.map((t) => {
      if (outer && t.requiresGrad) return t;
      const v = viewOf(t, t.shape, t.strides, t.offset, 'grad');
      v.requiresGrad = true;
      return v;
    });
    const y = enableGrad(() => f(rebuild(x, inputs), ...rest));
    if (!(y instanceof Tensor) || y.numel() !== 1) {
      // Nothing made here outlives the error: f's output and the input views go.
      if (y instanceof Tensor && !given.includes(y)) y.dispose();
      inputs.forEach((t, i) => t !== given[i] && t.dispose());
      fail('grad', `the function must return a one-element tensor, got ${y instanceof Tensor ? shapeStr(y.shape) : typeof y}`, 'return a scalar loss, e.g. with .sum() or .mean()');
    }
    const capture = new Set(inputs.map((t) => t.gradFn as Node | null).filter((n): n is Node => !!n));
    let grads: Tensor[];
    if (!y.requiresGrad) grads = inputs.map((t) => zerosLike(t));
    else {
      const seed = onesLike(y);
      const { leaves, captured } = propagate([y], [seed], { createGraph: outer, retainGraph: outer }, ACC, capture);
      grads = inputs.map((t) => (t.gradFn ? captured.get(t.gradFn as Node) : leaves.get(t)) ?? zerosLike(t));
      for (const [leaf, g] of leaves) if (!inputs.includes(leaf)) g.dispose();
      if (!grads.includes(seed)) seed.dispose();
    }
    inputs.forEach((t, i) => t !== given[i] && t.dispose());
    return [y, rebuild(x, grads)];
  };
}

export function grad<T extends Tree, R extends unknown[]>(f: (x: T, ...rest: R) => Tensor): (x: T, ...rest: R) => T {
  const vg = valueAndGrad(f);
  return (x, ...rest) => {
    const [y, g] = vg(x, ...rest);
    y.dispose();
    return g;
  };
}
