// Compile-time proofs (checked by `npx tsc --noEmit -p .`, part of `npm test`) that an op declaration
// cannot lose its rule, its Tensor method or its public export. Each @ts-expect-error marks a program
// that must not compile; if the types ever stopped catching it, the directive itself would be an error.
import * as wg from '../../src/index.ts';
import type { MethodsOf, OpKeys, Rule } from '../../src/autograd/index.ts';
import { rules } from '../../src/autograd/apply.ts';
import * as conv from '../../src/autograd/ops/conv.ts';
import * as elementwise from '../../src/autograd/ops/elementwise.ts';
import * as indexing from '../../src/autograd/ops/indexing.ts';
import * as linalg from '../../src/autograd/ops/linalg.ts';
import * as recurrent from '../../src/autograd/ops/recurrent.ts';
import * as reduce from '../../src/autograd/ops/reduce.ts';
import * as softmax from '../../src/autograd/ops/softmax.ts';
import * as views from '../../src/autograd/ops/views.ts';
import * as inplace from '../../src/autograd/ops/inplace.ts';
import * as norm from '../../src/autograd/ops/norm.ts';
import * as dropout from '../../src/autograd/ops/dropout.ts';

// 1. Rules. A family's table must hold a rule for every op its attrs name...
interface TwoOps {
  scale: { k: number };
  stop: {};
}
const scaleRule: Rule<{ k: number }> = { forward: ([x]) => x!, backward: (g) => [g] };
export const complete = rules<TwoOps>({ scale: scaleRule, stop: { forward: ([x]) => x!, backward: 'none' } });
// @ts-expect-error - 'stop' has no rule, so this is not a complete family.
export const incomplete = rules<TwoOps>({ scale: scaleRule });
// ...and calls get their attrs typed by the op.
// @ts-expect-error - scale's attrs need k.
export const badAttrs = (x: wg.Tensor) => complete('scale', [x], {});
// An elementwise declaration without a gradient (or 'zero' / 'none') does not compile.
// @ts-expect-error - grad is missing.
export const noGrad: elementwise.UnarySpec = { f32: 'a' };

// 2. Methods. Every op declared in a family is a Tensor method, typed from its declaration.
type Declared = typeof elementwise & typeof reduce & typeof views & typeof indexing & typeof softmax & typeof linalg & typeof conv & typeof inplace & typeof norm & typeof dropout & typeof recurrent;
const t = {} as wg.Tensor;
export const methods: MethodsOf<Declared> = t;
// @ts-expect-error - a Tensor without relu lacks a declared method.
export const missingMethod: MethodsOf<Declared> = {} as Omit<wg.Tensor, 'relu'>;
export const typed: [(negativeSlope?: number) => wg.Tensor, (cond: wg.Tensor | number, other: wg.Tensor | number) => wg.Tensor] = [t.leakyRelu, t.where];
// @ts-expect-error - relu's declaration takes no argument beyond the tensor.
export const extraArg = t.relu(1);
// @ts-expect-error - the fused gradient kernels are declared without a method.
export const fusedMethod = t.reluBackward;

// 3. Exports. Every op declared in a family reaches the public index (Pick fails on a missing key).
export const exported: Pick<typeof wg, OpKeys<Declared>> = wg;
// @ts-expect-error - an index that dropped relu misses a declared op.
export const missingExport: Pick<typeof wg, OpKeys<Declared>> = {} as Omit<typeof wg, 'relu'>;
