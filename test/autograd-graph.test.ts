import { describe, expect, it } from 'vitest';
import * as wg from '../src/index.ts';

const lecture = (a: wg.Tensor, b: wg.Tensor, c: wg.Tensor) => wg.tidy(() => a.add(b.mul(2)).mul(b.mul(2).add(c)));
const leaves = () => ['a', 'b', 'c'].map((_, i) => wg.tensor(i + 1, { requiresGrad: true })) as [wg.Tensor, wg.Tensor, wg.Tensor];

describe('wg.graph: the recorded graph', () => {
  it('y = (a + 2b)(2b + c): 3 leaves, 2 scalar muls, 2 adds and the root mul, in topological order', () => {
    const [a, b, c] = leaves();
    const y = lecture(a, b, c);
    const g = wg.graph(y, { names: { a, b, c, y } });
    expect(g.map((n) => n.id)).toEqual(g.map((_, i) => i));
    // Topological: every input comes before its user, and the root is last.
    for (const n of g) for (const i of n.inputs) expect(i).toBeLessThan(n.id);
    const root = g[g.length - 1]!;
    expect(root).toMatchObject({ op: 'mul', name: 'y', isLeaf: false, requiresGrad: true, shape: [] });
    const byName = (s: string) => g.find((n) => n.name === s)!;
    for (const s of ['a', 'b', 'c']) expect(byName(s)).toMatchObject({ op: 'leaf', isLeaf: true, requiresGrad: true, inputs: [], shape: [] });
    expect(g.filter((n) => n.op === 'add')).toHaveLength(2);
    const scaled = g.filter((n) => n.op === 'mul' && n !== root);
    expect(scaled).toHaveLength(2);
    // 2b is recorded twice (it is computed twice), each a mul of b by the scalar 2.
    for (const m of scaled) expect(m).toMatchObject({ inputs: [byName('b').id], attrs: { scalar: 2 } });
    // The root multiplies (a + 2b) by (2b + c), in that order.
    const [left, right] = root.inputs.map((i) => g[i]!);
    expect(left!.op).toBe('add');
    expect(left!.inputs).toEqual([byName('a').id, scaled[0]!.id]);
    expect(right!.inputs).toEqual([scaled[1]!.id, byName('c').id]);
    expect(g).toHaveLength(8);
    for (const t of [a, b, c, y]) t.dispose();
  });

  it('shapes of intermediates, inputs without grad, a leaf as the root', () => {
    const w = wg.tensor([1, 2, 3], { requiresGrad: true });
    const x = wg.tensor([[1, 1, 1], [2, 2, 2]]);
    const y = wg.tidy(() => w.mul(x).sum());
    const g = wg.graph(y);
    expect(g.map((n) => [n.op, n.shape, n.requiresGrad])).toEqual([
      ['leaf', [3], true],
      ['input', [2, 3], false],
      ['mul', [2, 3], true],
      ['sum', [], true],
    ]);
    expect(g[2]!.inputs).toEqual([0, 1]);
    expect(wg.graph(w, { names: { w } })).toEqual([{ id: 0, op: 'leaf', inputs: [], shape: [3], isLeaf: true, requiresGrad: true, name: 'w' }]);
    for (const t of [w, x, y]) t.dispose();
  });
});

describe('wg.backwardSteps: the engine backward pass, node by node', () => {
  it('reports dy/d(node) for each node in the engine order, reaching 7, 24, 5 as y.backward() does', async () => {
    const [a, b, c] = leaves();
    const y = lecture(a, b, c);
    const g = wg.graph(y, { names: { a, b, c } });
    const steps = wg.backwardSteps(y, { names: { a, b, c }, retainGraph: true });
    expect(steps.map((s) => s.id).sort((p, q) => p - q)).toEqual(g.map((n) => n.id));
    // Ops first, root first, each op only after every op that uses it; then the leaves.
    expect(steps[0]!.id).toBe(g.length - 1);
    const at = new Map(steps.map((s, k) => [s.id, k]));
    for (const n of g) for (const i of n.inputs) expect(at.get(i)!).toBeGreaterThan(at.get(n.id)!);
    expect(steps.slice(0, 5).every((s) => !s.isLeaf) && steps.slice(5).every((s) => s.isLeaf)).toBe(true);
    const value = async (s: wg.BackwardStep) => s.grad.item();
    const got = Object.fromEntries(await Promise.all(steps.map(async (s) => [s.name ?? `${s.op}#${s.id}`, await value(s)])));
    expect([got.a, got.b, got.c]).toEqual([7, 24, 5]);
    // Each op's incoming gradient: y itself 1, (a + 2b) gets 2b + c = 7, (2b + c) gets a + 2b = 5.
    const root = g[g.length - 1]!;
    expect(got[`mul#${root.id}`]).toBe(1);
    expect(got[`add#${root.inputs[0]}`]).toBe(7);
    expect(got[`add#${root.inputs[1]}`]).toBe(5);
    // The same numbers as backward()'s .grad (the graph was retained for it).
    y.backward();
    expect([await a.grad!.item(), await b.grad!.item(), await c.grad!.item()]).toEqual([got.a, got.b, got.c]);
    steps.forEach((s) => s.grad.dispose());
    for (const t of [a, b, c, y]) t.dispose();
  });

  it('tanh(a*b) + exp(c) and a broadcast leaf: gradients of the right value and shape', async () => {
    const [a, b, c] = leaves();
    const y = wg.tidy(() => wg.tanh(a.mul(b)).add(wg.exp(c)));
    const steps = wg.backwardSteps(y, { names: { a, b, c } });
    const v = async (n: string) => steps.find((s) => s.name === n)!.grad.item();
    const sech2 = 1 - Math.tanh(2) ** 2;
    expect(await v('a')).toBeCloseTo(2 * sech2, 5);
    expect(await v('b')).toBeCloseTo(1 * sech2, 5);
    expect(await v('c')).toBeCloseTo(Math.exp(3), 3);
    // The root add first, mul only after tanh (its user), the three leaves last.
    const ops = steps.map((s) => s.op);
    expect(ops[0]).toBe('add');
    expect([...ops].sort()).toEqual(['add', 'exp', 'leaf', 'leaf', 'leaf', 'mul', 'tanh']);
    expect(ops.indexOf('mul')).toBeGreaterThan(ops.indexOf('tanh'));
    expect(ops.slice(4)).toEqual(['leaf', 'leaf', 'leaf']);
    steps.forEach((s) => s.grad.dispose());
    const w = wg.tensor([1, 2, 3], { requiresGrad: true });
    const x = wg.tensor([[1, 1, 1], [2, 2, 2]]);
    const z = wg.tidy(() => w.mul(x).sum());
    const ws = wg.backwardSteps(z, { names: { w } });
    const wStep = ws.find((s) => s.name === 'w')!;
    expect(wStep.grad.shape).toEqual([3]);
    expect(await wStep.grad.toArray()).toEqual([3, 3, 3]);
    expect(ws.find((s) => s.op === 'mul')!.grad.shape).toEqual([2, 3]);
    ws.forEach((s) => s.grad.dispose());
    for (const t of [a, b, c, y, w, x, z]) t.dispose();
  });

  it('frees the graph unless retainGraph, leaves .grad alone, and leaks nothing over repeated passes', async () => {
    const [a, b, c] = leaves();
    await wg.sync();
    const live0 = wg.stats().liveBuffers;
    for (let k = 0; k < 3; k++) {
      const y = lecture(a, b, c);
      const steps = wg.backwardSteps(y);
      expect(await steps[steps.length - 1]!.grad.item()).toBeGreaterThan(0);
      steps.forEach((s) => s.grad.dispose());
      expect(() => y.backward()).toThrow(/backward: the graph through 'mul' was already freed/);
      expect(() => wg.backwardSteps(y)).toThrow(/backwardSteps: the graph through 'mul' was already freed/);
      y.dispose();
      await wg.sync();
      expect(wg.stats().liveBuffers).toBe(live0);
    }
    expect(a.grad).toBeNull();
    for (const t of [a, b, c]) t.dispose();
  });

  it('bad input fails loudly, before any work, leaking nothing', async () => {
    const [a, b, c] = leaves();
    const y = lecture(a, b, c);
    const v = wg.tidy(() => a.mul(wg.tensor([1, 2])));
    const plain = wg.tensor(3);
    const other = wg.tensor(1, { requiresGrad: true });
    await wg.sync();
    const live0 = wg.stats().liveBuffers;
    expect(() => wg.graph(42 as unknown as wg.Tensor)).toThrow(/graph: the output is .*not a Tensor/);
    expect(() => wg.graph(plain)).toThrow(/graph: the tensor \[\] does not require grad.*requiresGrad: true/);
    expect(() => wg.backwardSteps(plain)).toThrow(/backwardSteps: the tensor \[\] does not require grad/);
    expect(() => wg.backwardSteps(v)).toThrow(/backwardSteps: the output must have one element, but it has shape \[2\].*sum\(\)/);
    expect(() => wg.graph(y, { names: { other } })).toThrow(/graph: names.other is a tensor \[\] that is not part of the graph/);
    expect(() => wg.backwardSteps(y, { names: { bad: 1 as unknown as wg.Tensor } })).toThrow(/backwardSteps: names.bad is .*not a Tensor/);
    const gone = wg.tidy(() => a.mul(3));
    gone.dispose();
    expect(() => wg.graph(gone)).toThrow(/graph: .*disposed/);
    await wg.sync();
    expect(wg.stats().liveBuffers).toBe(live0);
    // The failed calls left the graph intact.
    const steps = wg.backwardSteps(y, { names: { b } });
    expect(await steps.find((s) => s.name === 'b')!.grad.item()).toBe(24);
    steps.forEach((s) => s.grad.dispose());
    for (const t of [a, b, c, y, v, plain, other]) t.dispose();
  });
});
