// Contract: src/autograd owns every differentiable op. Each op's forward and backward live together in
// a family file under ops/, collected in table.ts, whose type rejects a missing rule. apply() runs the
// forward and records a node; backward() and grad() walk the nodes. Nothing here reads data back.
import './table.ts';
import './methods.ts';
export { noGrad, enableGrad, isGradEnabled, type BackwardOptions, type Rule, type Ctx, type RulesFor } from './graph.ts';
export { apply, setAfterOp } from './apply.ts';
export { backward, grad, valueAndGrad, sumTo } from './backward.ts';
export { installMethods } from './methods.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/views.ts';
export * from './ops/indexing.ts';
export * from './ops/softmax.ts';
export * from './ops/linalg.ts';
export * from './ops/conv.ts';
export { detectAnomaly, withAnomaly, checkAnomaly, isAnomalyEnabled } from './anomaly.ts';
