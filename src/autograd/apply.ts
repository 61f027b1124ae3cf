// The single entry point of every differentiable op: check inputs, run the forward rule without
// recording, then record a node if gradients are wanted. The table is registered by table.ts, which
// keeps the family files free of import cycles.
import type { Tensor } from '../tensor/index.ts';
import { noGrad, record, type Rule } from './graph.ts';
import type { OpAttrs, OpName } from './table.ts';

let rules: Record<string, Rule<any>> | null = null;

export function setRules(table: Record<string, Rule<any>>): void {
  rules = table;
}

type Hook = (op: string, out: Tensor) => void;
let afterOp: Hook | null = null;
/** Called after every op's forward (anomaly detection installs one). */
export function setAfterOp(h: Hook | null): void {
  afterOp = h;
}

export function apply<K extends OpName>(name: K, inputs: Tensor[], attrs: OpAttrs[K]): Tensor {
  for (const t of inputs) t.assertLive(name);
  const rule = rules![name as string]!;
  const out = noGrad(() => rule.forward(inputs, attrs));
  afterOp?.(name as string, out);
  return record(name as string, rule, inputs, attrs, out);
}
