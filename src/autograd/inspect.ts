// Reading the recorded graph, for viewers and teaching. graph(y) lists the values backward() would walk
// through, inputs before the ops that use them; backwardSteps(y) runs the engine's own backward pass
// (propagate: the same rules, the same order) once and reports the gradient each node received, in the
// order the engine processed the nodes, so a page can replay it one node at a time. Ids come from one
// deterministic walk, so both functions give every value the same id. Nothing here reads data back.
import { fail, shapeStr } from '../device/index.ts';
import { expectTensor, onesLike, Tensor } from '../tensor/index.ts';
import { hooks, propagate, type Node } from './graph.ts';
import { add } from './ops/elementwise.ts';
import { sumTo } from './backward.ts';

/** One value in a recorded graph. */
export interface GraphNode {
  /** Its position in graph()'s list (which is topological: every input comes before its users). */
  id: number;
  /** The op that computed it ('add', 'mul', 'tanh', …); 'leaf' for a tensor created with requiresGrad; 'input' for a tensor input that needs no gradient. */
  op: string;
  /** The ids of the op's tensor inputs, in argument order (scalar operands are in attrs). */
  inputs: number[];
  shape: number[];
  isLeaf: boolean;
  requiresGrad: boolean;
  /** The op's plain attributes: a scalar operand (`mul(b, 2)` gives {scalar: 2}), axes, flags. */
  attrs?: Record<string, number | string | boolean | number[]>;
  /** The key under which the tensor was passed in `names`. */
  name?: string;
}

/** One step of the backward pass, as the engine took it. */
export interface BackwardStep {
  /** The node's id in graph(root). */
  id: number;
  op: string;
  isLeaf: boolean;
  name?: string;
  /**
   * d(root)/d(this value): for an op, the gradient its backward rule was given (the sum of what its
   * users sent); for a leaf, the total it received (what backward() would add to its .grad). Yours to
   * dispose.
   */
  grad: Tensor;
}

export interface GraphOptions {
  /** Names for tensors of the graph, shown as GraphNode.name: `{a, b, c, y}`. Each must be in the graph. */
  names?: Record<string, Tensor>;
}

export interface BackwardStepsOptions extends GraphOptions {
  /** Keep the graph for another backward pass, as backward()'s retainGraph. */
  retainGraph?: boolean;
}

interface Walk {
  nodes: GraphNode[];
  idOf: Map<Node | Tensor, number>;
}

function plainAttrs(attrs: unknown): GraphNode['attrs'] {
  if (!attrs || typeof attrs !== 'object') return undefined;
  const out: NonNullable<GraphNode['attrs']> = {};
  for (const [k, v] of Object.entries(attrs))
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[k] = [...v];
  return Object.keys(out).length ? out : undefined;
}

function checkRoot(op: string, root: unknown): Tensor {
  const t = expectTensor(op, 'the output', root);
  if (!t.requiresGrad)
    fail(op, `the tensor ${shapeStr(t.shape)} does not require grad, so no graph was recorded for it`, 'create the inputs with {requiresGrad: true}, and do not compute it inside noGrad()');
  return t;
}

// Post-order DFS (iterative, as topo() in graph.ts: deep graphs would overflow a recursive walk), so
// ids are topological. An input that needs no gradient has no identity in the graph, so each use of one
// gets its own 'input' node.
function walk(op: string, root: Tensor, names: Record<string, Tensor> = {}): Walk {
  const nodes: GraphNode[] = [];
  const idOf = new Map<Node | Tensor, number>();
  const emit = (n: Omit<GraphNode, 'id'>): number => {
    nodes.push({ id: nodes.length, ...n });
    return nodes.length - 1;
  };
  const leaf = (t: Tensor): number => {
    let id = idOf.get(t);
    if (id === undefined) idOf.set(t, (id = emit({ op: 'leaf', inputs: [], shape: [...t.shape], isLeaf: true, requiresGrad: true })));
    return id;
  };
  const top = root.gradFn as Node | null;
  if (!top) leaf(root);
  else {
    const stack: [Node, number][] = [[top, 0]];
    const onStack = new Set<Node>([top]);
    while (stack.length) {
      const frame = stack[stack.length - 1]!;
      const [n, i] = frame;
      if (i < n.slots.length) {
        frame[1]++;
        const child = n.slots[i]!.node;
        if (child && !idOf.has(child) && !onStack.has(child)) {
          onStack.add(child);
          stack.push([child, 0]);
        }
        continue;
      }
      stack.pop();
      const inputs = n.slots.map((s) =>
        s.node ? idOf.get(s.node)! : s.leaf ? leaf(s.leaf) : emit({ op: 'input', inputs: [], shape: [...s.shape], isLeaf: true, requiresGrad: false }),
      );
      // Shapes of op outputs are not on the node; the root's is known, the others are the shape a user slot recorded.
      idOf.set(n, emit({ op: n.op, inputs, shape: [], isLeaf: false, requiresGrad: true, attrs: plainAttrs(n.attrs) }));
    }
    for (const n of idOf.keys()) {
      if (!(n instanceof Tensor)) for (const s of n.slots) if (s.node) nodes[idOf.get(s.node)!]!.shape = [...s.shape];
    }
    nodes[idOf.get(top)!]!.shape = [...root.shape];
  }
  for (const [name, t] of Object.entries(names)) {
    expectTensor(op, `names.${name}`, t);
    const key = (t.gradFn as Node | null) ?? t;
    const id = idOf.get(key);
    if (id === undefined)
      fail(op, `names.${name} is a tensor ${shapeStr(t.shape)} that is not part of the graph of this output`, 'name only tensors the output was computed from (leaves with requiresGrad, or intermediate results)');
    nodes[id]!.name = name;
  }
  return { nodes, idOf };
}

/**
 * The graph recorded for `root`: every value its backward pass walks through, in topological order
 * (inputs first, `root` last), as {id, op, inputs, shape, isLeaf, requiresGrad, attrs?, name?}.
 * Tensors passed in `names` are labelled, e.g. `wg.graph(y, {names: {a, b, c}})`. It reads no data;
 * read values from your own tensors. Throws when `root` was not recorded (it does not require grad).
 */
export function graph(root: Tensor, opts: GraphOptions = {}): GraphNode[] {
  return walk('graph', checkRoot('graph', root), opts.names).nodes;
}

/**
 * Runs the backward pass of a one-element `root` once, with the engine's own rules and in its own
 * order, and returns each step: every op node in the order the engine processed it, with the gradient
 * it received (d root / d that value), then every leaf with its total gradient. Ids are graph(root)'s.
 * Leaves' `.grad` is left alone (as wg.grad); the step gradients are yours to dispose. The graph is
 * freed afterwards unless `retainGraph` is set, as with backward().
 */
export function backwardSteps(root: Tensor, opts: BackwardStepsOptions = {}): BackwardStep[] {
  const y = checkRoot('backwardSteps', root);
  if (y.numel() !== 1)
    fail('backwardSteps', `the output must have one element, but it has shape ${shapeStr(y.shape)}`, 'reduce it first with y.sum() or y.mean()');
  if ((y.gradFn as Node | null)?.freed)
    fail('backwardSteps', `the graph through '${(y.gradFn as Node).op}' was already freed by an earlier backward()`, 'pass {retainGraph: true} to the first backward() to run it twice');
  const { nodes, idOf } = walk('backwardSteps', y, opts.names);
  const capture = new Set([...idOf.keys()].filter((k): k is Node => !(k instanceof Tensor)));
  const seed = onesLike(y);
  let result!: ReturnType<typeof propagate>;
  const run = () => void (result = propagate([y], [seed], { retainGraph: !!opts.retainGraph }, { add, sumTo }, capture));
  try {
    if (hooks.backwardPass) hooks.backwardPass(run);
    else run();
  } catch (e) {
    seed.dispose();
    throw e;
  }
  // Map order is insertion order: `captured` fills as the engine reaches each node, `leaves` as each
  // leaf first receives a gradient. The seed is always in one of them, so it is returned, not freed.
  const step = (key: Node | Tensor, grad: Tensor): BackwardStep => {
    const n = nodes[idOf.get(key)!]!;
    return { id: n.id, op: n.op, isLeaf: n.isLeaf, ...(n.name !== undefined ? { name: n.name } : {}), grad };
  };
  return [...[...result.captured].map(([n, g]) => step(n, g)), ...[...result.leaves].map(([t, g]) => step(t, g))];
}
