// Contract: src/autograd owns every differentiable op. Each public op is one exported declaration in a
// family file under ops/ (define.ts): it yields the function, its Tensor method and its rule, which the
// family's apply (rules() in apply.ts) runs and records. backward() and grad() walk the nodes; the graph
// exposes typed hooks (graph.ts) for anomaly detection; graph() and backwardSteps() (inspect.ts) show the
// recorded graph and the engine's backward pass node by node. Nothing here reads data back.
import './methods.ts';
export { noGrad, enableGrad, isGradEnabled, hooks, type GraphHooks, type BackwardOptions, type Rule, type Ctx, type RulesFor } from './graph.ts';
export { apply, type FamilyApply } from './apply.ts';
export type { Op, MethodSpec, MethodsOf, OpKeys } from './define.ts';
export type { OpMethods } from './methods.ts';
export { backward, grad, valueAndGrad, sumTo } from './backward.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/views.ts';
export * from './ops/indexing.ts';
export * from './ops/softmax.ts';
export * from './ops/linalg.ts';
export * from './ops/conv.ts';
export * from './ops/inplace.ts';
export * from './ops/norm.ts';
export * from './ops/dropout.ts';
export * from './ops/recurrent.ts';
export { graph, backwardSteps, type GraphNode, type BackwardStep, type GraphOptions, type BackwardStepsOptions } from './inspect.ts';
export { detectAnomaly, withAnomaly, checkAnomaly, isAnomalyEnabled } from './anomaly.ts';
