// Contract: src/optim updates parameters in place on the GPU. Each optimizer step is one fused WGSL
// dispatch per parameter that writes the parameter's own storage and its optimizer state (kept out of
// scopes, freed by dispose()); gradients are read, never changed. Hyperparameters, bias corrections and
// step counts travel as uniforms, so schedulers (which only write group.lr) never compile a pipeline.
// Gradient clipping reduces and scales on the GPU. Nothing here reads data back. Sits above autograd.
export { Optimizer, type BaseOptions, type ParamGroup, type ParamGroupInput, type ParamsInput, type ParamState, type OptimizerStateDict, type StateValue, type ZeroGradOptions } from './optimizer.ts';
export { SGD, NoisySGD, type SGDOptions, type NoisySGDOptions } from './sgd.ts';
export { AdaGrad, RMSProp, Adam, AdamW, type AdaGradOptions, type RMSPropOptions, type AdamOptions } from './adaptive.ts';
export { AdaGrad as Adagrad, RMSProp as RMSprop } from './adaptive.ts';
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup, ReduceLROnPlateau, type ReduceLROnPlateauOptions, type StepLROptions, type ExponentialLROptions, type CosineAnnealingLROptions, type LinearWarmupOptions, type SchedulerStateDict } from './scheduler.ts';
export { clipGradNorm, clipGradValue } from './clip.ts';
