// The op table: every differentiable op's forward and backward, one family per file in ops/. The type
// RulesFor<OpAttrs> has a key for every op, so a family that leaves out an op's rule does not compile.
import { setRules } from './apply.ts';
import type { RulesFor } from './graph.ts';
import { elementwiseRules, type ElementwiseAttrs } from './ops/elementwise.ts';
import { reductionRules, type ReductionAttrs } from './ops/reduce.ts';
import { viewRules, type ViewAttrs } from './ops/views.ts';
import { indexingRules, type IndexingAttrs } from './ops/indexing.ts';
import { softmaxRules, type SoftmaxFamilyAttrs } from './ops/softmax.ts';
import { linalgRules, type LinalgAttrs } from './ops/linalg.ts';
import { convRules, type ConvAttrs } from './ops/conv.ts';

export interface OpAttrs extends ElementwiseAttrs, ViewAttrs, ReductionAttrs, IndexingAttrs, SoftmaxFamilyAttrs, LinalgAttrs, ConvAttrs {}
export type OpName = keyof OpAttrs;

export const RULES: RulesFor<OpAttrs> = {
  ...elementwiseRules,
  ...viewRules,
  ...reductionRules,
  ...indexingRules,
  ...softmaxRules,
  ...linalgRules,
  ...convRules,
};

setRules(RULES);
