// The single entry point of every differentiable op: check inputs, run the forward rule without
// recording, then record a node if gradients are wanted. The rule comes with the call: each family
// binds its own table with rules(), so there is no global table to register or look up.
import type { Tensor } from '../tensor/index.ts';
import { hooks, noGrad, record, type Rule, type RulesFor } from './graph.ts';

export function apply<A>(name: string, rule: Rule<A>, inputs: Tensor[], attrs: A): Tensor {
  for (const t of inputs) t.assertLive(name);
  const out = noGrad(() => rule.forward(inputs, attrs));
  hooks.afterOp?.(name, out);
  return record(name, rule, inputs, attrs, out);
}

/** A family's apply: `table` must hold a rule for every key of A, and each call gets its attrs typed. */
export type FamilyApply<A> = <K extends keyof A & string>(name: K, inputs: Tensor[], attrs: A[K]) => Tensor;

export function rules<A>(table: RulesFor<A>): FamilyApply<A> {
  return (name, inputs, attrs) => apply(name, table[name], inputs, attrs);
}
