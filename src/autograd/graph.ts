// The tape. Each recorded op leaves a Node holding its rule, attrs and the tensors its backward needs
// (as views that keep their storage alive). Nodes are reference counted: the output tensor holds one
// reference and each downstream node one more, so dropping a graph frees its saved tensors at once,
// and backward frees each node's saved tensors as soon as it has passed through it. Each rule's backward
// runs in a scope (its temporaries are freed, its gradients kept), and `hooks` is the one way to observe
// or wrap ops and rules (anomaly detection uses it); nothing rewrites rules or Tensor.prototype.
import { fail, shapeStr } from '../device/index.ts';
import { sameShape, tidy, Tensor, untrack, viewOf } from '../tensor/index.ts';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = on;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn without recording gradients, as torch.no_grad(). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export interface Ctx<A> {
  /** The saved inputs (null when the rule saves none), with their shapes in `shapes`. */
  inputs: Tensor[];
  output: Tensor;
  attrs: A;
  shapes: (readonly number[])[];
  /** Which inputs need a gradient; rules may skip the others. */
  needs: boolean[];
}

export interface Rule<A> {
  forward(inputs: Tensor[], attrs: A): Tensor;
  /**
   * Gradients for each input, any shape that broadcasts to the input (the engine sums it down);
   * null means zero. 'none' marks an op whose output is never differentiable (bool or int results).
   */
  backward: ((g: Tensor, ctx: Ctx<A>) => (Tensor | null)[]) | 'none';
  /** What backward reads; saving less frees memory sooner. Defaults to both. */
  saves?: { inputs?: boolean; output?: boolean };
}

export type RulesFor<T> = { [K in keyof T]: Rule<T[K]> };

/**
 * The graph's extension points, consulted by apply() and propagate(); anomaly detection sets them. Each
 * is null when unused, so the common path costs one null check.
 */
export interface GraphHooks {
  /** After every op's forward, including the ops a backward rule runs. */
  afterOp: ((op: string, out: Tensor) => void) | null;
  /** Around each rule's backward: gets the op's name and the call, returns the gradients. */
  backward: ((op: string, run: () => (Tensor | null)[]) => (Tensor | null)[]) | null;
  /** Around a whole backward() call (summing gradients, reducing broadcasts, writing .grad). */
  backwardPass: ((run: () => void) => void) | null;
}

export const hooks: GraphHooks = { afterOp: null, backward: null, backwardPass: null };

/** A rule's backward, in a scope of its own: temporaries it makes are freed, the gradients kept. */
function runBackward(op: string, rule: Rule<any>, g: Tensor, ctx: Ctx<any>): (Tensor | null)[] {
  const b = rule.backward;
  if (b === 'none') return [];
  const run = () => tidy(() => b(g, ctx));
  return hooks.backward ? hooks.backward(op, run) : run();
}

interface Slot {
  node: Node | null;
  leaf: Tensor | null;
  shape: readonly number[];
}

export class Node {
  private refs = 1;
  freed = false;
  /** The storage versions of the saved tensors when saved; an in-place write since then is an error. */
  private readonly versions: number[];
  constructor(
    readonly op: string,
    readonly rule: Rule<any>,
    readonly attrs: unknown,
    readonly slots: Slot[],
    private saved: Tensor[] | null,
    private savedOut: Tensor | null,
  ) {
    for (const s of slots) s.node?.ref();
    this.versions = [...(saved ?? []), ...(savedOut ? [savedOut] : [])].map((t) => t.storage.version);
  }
  ref(): void {
    this.refs++;
  }
  unref(): void {
    if (--this.refs > 0) return;
    this.freeSaved();
    for (const s of this.slots) s.node?.unref();
  }
  freeSaved(): void {
    this.saved?.forEach((t) => t.dispose());
    this.savedOut?.dispose();
    this.saved = null;
    this.savedOut = null;
    this.freed = true;
  }
  /**
   * The rule's view of what was saved. When the backward itself is recorded (createGraph), inputs and
   * output must carry their place in the graph, so temporary views linked to the right nodes are made;
   * `temps` lists them for disposal once the rule has run.
   */
  ctx(): { ctx: Ctx<any>; temps: Tensor[] } {
    if (this.freed)
      fail('backward', `the graph through '${this.op}' was already freed by an earlier backward()`, 'pass {retainGraph: true} to the first backward() to run it twice');
    const all = [...(this.saved ?? []), ...(this.savedOut ? [this.savedOut] : [])];
    if (all.some((t, i) => t.storage.version !== this.versions[i]))
      fail('backward', `a tensor that '${this.op}' saved for its backward pass was modified in place (copy_, add_, fill_, …) after it was saved, so its gradient would be wrong`, 'do the in-place write after backward(), or write into a clone');
    const temps: Tensor[] = [];
    const link = (t: Tensor | null, node: Node | null): Tensor | null => {
      if (!t || !gradEnabled || !node) return t;
      const v = saveView(t);
      v.requiresGrad = true;
      v.gradFn = node;
      node.ref();
      temps.push(v);
      return v;
    };
    const inputs = (this.saved ?? []).map((t, i) => this.slots[i]!.leaf && gradEnabled ? this.slots[i]!.leaf! : link(t, this.slots[i]!.node)!);
    const ctx = {
      inputs,
      output: link(this.savedOut, this)!,
      attrs: this.attrs,
      shapes: this.slots.map((s) => s.shape),
      needs: this.slots.map((s) => !!(s.node || s.leaf)),
    };
    return { ctx, temps };
  }
}

function saveView(t: Tensor): Tensor {
  const v = viewOf(t, t.shape, t.strides, t.offset, t.op);
  untrack(v);
  return v;
}

function linkedView(t: Tensor): Tensor {
  const v = saveView(t);
  const node = t.gradFn as Node | null;
  if (node && gradEnabled) {
    node.ref();
    v.requiresGrad = true;
    v.gradFn = node;
  }
  return v;
}

/** Attaches a node to `out` when any input requires grad and recording is on. */
export function record(op: string, rule: Rule<any>, inputs: Tensor[], attrs: unknown, out: Tensor): Tensor {
  if (!gradEnabled || rule.backward === 'none' || out.dtype !== 'float32' || !inputs.some((t) => t.requiresGrad)) return out;
  const slots = inputs.map((t) => ({
    node: t.requiresGrad ? ((t.gradFn as Node | null) ?? null) : null,
    leaf: t.requiresGrad && !t.gradFn ? t : null,
    shape: t.shape,
  }));
  const saves = rule.saves ?? {};
  const saved = saves.inputs === false ? null : inputs.map(saveView);
  const savedOut = saves.output === false ? null : saveView(out);
  out.requiresGrad = true;
  out.gradFn = new Node(op, rule, attrs, slots, saved, savedOut);
  return out;
}

/** The ops propagate sums and reduces with, passed in so this file needs no op family. */
export interface Accumulators {
  add(a: Tensor, b: Tensor): Tensor;
  sumTo(g: Tensor, shape: readonly number[]): Tensor;
}

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

function topo(roots: Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = roots.map((r) => [r, 0]);
  // Iterative DFS: deep graphs (long RNN unrolls) would overflow the JS stack recursively.
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [n, i] = top;
    if (i === 0 && seen.has(n)) {
      stack.pop();
      continue;
    }
    seen.add(n);
    if (i < n.slots.length) {
      top[1]++;
      const child = n.slots[i]!.node;
      if (child && !seen.has(child)) stack.push([child, 0]);
    } else {
      stack.pop();
      order.push(n);
    }
  }
  return order.reverse();
}

/**
 * Propagates `grads` from `roots` to every leaf. Returns leaf -> gradient, plus the gradients reaching
 * the nodes in `capture` (for torch.autograd.grad on non-leaf tensors).
 */
export function propagate(
  roots: Tensor[],
  grads: Tensor[],
  opts: BackwardOptions,
  ops: Accumulators,
  capture: Set<Node> = new Set(),
): { leaves: Map<Tensor, Tensor>; captured: Map<Node, Tensor> } {
  const pending = new Map<Node, Tensor>();
  const leaves = new Map<Tensor, Tensor>();
  const captured = new Map<Node, Tensor>();
  // Gradients propagate made itself (rule results, sums, pass-through views). Each is referenced by
  // exactly one map entry until it is consumed, so summing two of them frees both parts at once.
  const mine = new Set<Tensor>();
  const release = (t: Tensor) => {
    if (mine.delete(t)) t.dispose();
  };
  const accumulate = (map: Map<any, Tensor>, key: unknown, g: Tensor) => {
    const old = map.get(key);
    if (!old) return void map.set(key, g);
    const sum = ops.add(old, g);
    release(old);
    release(g);
    mine.add(sum);
    map.set(key, sum);
  };
  roots.forEach((r, i) => {
    const g = grads[i]!;
    if (r.gradFn) accumulate(pending, r.gradFn, g);
    else accumulate(leaves, r, g);
  });
  const order = topo(roots.map((r) => r.gradFn as Node | null).filter((n): n is Node => !!n));
  withGradMode(!!opts.createGraph, () => {
    for (const node of order) {
      const g = pending.get(node);
      pending.delete(node);
      if (!g) continue;
      if (capture.has(node)) captured.set(node, g);
      const rule = node.rule;
      if (rule.backward === 'none') continue;
      const { ctx, temps } = node.ctx();
      const ins = runBackward(node.op, rule, g, ctx);
      // Anything a rule returns that propagate does not own outright (g passed through, one tensor
      // returned for two inputs, a saved tensor) travels on as a view, so each map entry owns its own.
      const foreign = new Set<Tensor | null>([g, ctx.output, ...ctx.inputs]);
      const used = new Set<Tensor>();
      node.slots.forEach((slot, i) => {
        let gi = ins[i];
        if (!gi || (!slot.node && !slot.leaf)) return;
        if (!sameShape(gi.shape, slot.shape)) gi = ops.sumTo(gi, slot.shape);
        // Under createGraph the view must stay in the graph, or second derivatives through it vanish.
        else if (foreign.has(gi) || used.has(gi)) gi = linkedView(gi);
        else used.add(gi);
        mine.add(gi);
        if (slot.node) accumulate(pending, slot.node, gi);
        else accumulate(leaves, slot.leaf, gi);
      });
      for (const t of new Set(ins)) if (t && !foreign.has(t) && !used.has(t)) t.dispose();
      for (const t of temps) t.dispose();
      if (!opts.retainGraph) node.freeSaved();
      if (!captured.has(node)) release(g);
    }
  });
  for (const [leaf, g] of leaves)
    if (!sameShape(g.shape, leaf.shape))
      fail('backward', `gradient of shape ${shapeStr(g.shape)} reached a leaf of shape ${shapeStr(leaf.shape)}`, 'this is a bug in an op rule');
  return { leaves, captured };
}

export { Tensor };
