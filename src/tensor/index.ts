// Contract: src/tensor defines the Tensor (a strided view of pooled GPU storage), its creation, its
// views and who owns its memory. It reads data back only in data()/toArray()/item() and format()/print(),
// which a user calls to see values. It has no autograd and no math ops: those are installed onto
// Tensor by src/autograd.
export { Tensor, empty, expectTensor, viewOf, contiguousRaw, type NestedArray } from './tensor.ts';
export { init, device, hasDevice, destroy, isDebug, setDebug } from './context.ts';
export { Storage, track, untrack, keep, tidy, scope, onLeak, type Owned } from './memory.ts';
export * from './shape.ts';
export * as views from './views.ts';
export * from './create.ts';
export { format, formatValues, type FormatOptions } from './format.ts';
export { deferMap, setFusion, fusionEnabled, realizeAll, type Operand } from './lazy.ts';
