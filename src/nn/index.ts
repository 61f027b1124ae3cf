// Contract: src/nn builds models and losses from the differentiable ops of src/autograd and adds no
// backward code of its own. A Module is callable (`model(x)` runs forward), owns its parameters (kept
// out of scopes, registered when assigned as fields, freed by dispose()), and exposes them by dotted
// name for optimizers and state dicts. Losses live in nn.functional (alias nn.F) and as modules; every
// loss composes ops, so it is differentiable to any order. Nothing here reads data back to the CPU:
// index targets in GPU tensors are not validated (out-of-range gives NaN), JS arrays are checked.
// Initialisers (nn.init) write in place on the GPU.
export { Module, parameter, type StateDictOptions, type LoadStateDictOptions } from './module.ts';
export * from './layers.ts';
export { Conv1d, Conv2d, ConvTranspose2d, type Conv1dLayerOptions, type Conv2dLayerOptions, type ConvTranspose2dLayerOptions, type PaddingMode } from './conv.ts';
export * from './pooling.ts';
export * from './recurrent.ts';
export * from './loss-modules.ts';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, type BatchNormOptions, type LayerNormOptions, type GroupNormOptions } from './norm.ts';
export { Dropout, Dropout2d } from './dropout.ts';
export { Embedding, type EmbeddingOptions, type Indices } from './embedding.ts';
export * as functional from './functional.ts';
export * as F from './functional.ts';
export * as init from './init.ts';
export type { Reduction, LossOptions, ClassTarget } from './losses.ts';
