// webgrad: a GPU tensor engine with autograd, on WebGPU.
export * from './tensor/index.ts';
export type { DType } from './kernels/index.ts';
export { WebGradError } from './device/index.ts';
