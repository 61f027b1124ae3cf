// Contract: src/device owns the GPU and nothing else. It finds an adapter in any runtime, pools buffers,
// caches pipelines, packs uniforms, batches dispatches, and is the only code that uploads or reads
// back, counting each crossing in `stats`. It knows nothing of tensors, shapes or autograd.
export { Device, type DeviceInfo } from './device.ts';
export { acquireAdapter, detectRuntime, isSoftwareAdapter, SWIFTSHADER_ICD, type InitOptions, type RuntimeName } from './runtime.ts';
export { BufferPool, sizeClass } from './pool.ts';
export { PipelineCache, kernelKey, type Kernel, type KernelSpec } from './pipelines.ts';
export { UniformArena, UniformWriter, UNIFORM_SLOT, UNIFORM_BINDING } from './uniforms.ts';
export { emptyStats, type Stats } from './stats.ts';
export { WebGradError, fail, shapeStr } from './errors.ts';
export { checkOptions, optionKeys, closest } from './options.ts';
