// webgrad: a GPU tensor engine with autograd, on WebGPU.
// The published types name WebGPU's (GPUBuffer, GPUDevice…), so index.d.ts references @webgpu/types, a
// dependency; `preserve` keeps the directive in the emitted .d.ts (TypeScript >= 5.5 drops it otherwise).
/// <reference types="@webgpu/types" preserve="true" />
export * from './tensor/index.ts';
export * from './autograd/index.ts';
export type { DType } from './kernels/index.ts';
export { WebGradError } from './device/index.ts';
export { stats, sync, precompile, resetStats, emptyCache, setPoolCap } from './runtime.ts';
export { doctor } from './doctor.ts';
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export * as io from './io/index.ts';
export * as data from './data/index.ts';
export * as train from './train/index.ts';
