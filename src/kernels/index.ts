// Contract: src/kernels turns "run op X on these strided buffers" into dispatches. Each file is one
// kernel family: it picks a variant from the device profile (profile.ts, built once by buildProfile),
// writes its uniforms through its params schema (params.ts) and sizes the grid. Kernels take Views (buffer +
// layout), never Tensors. Callers pass the output; the only buffers a kernel allocates are its
// own scratch (split-K or multi-pass partials), released before it returns.
export * from './dtype.ts';
export * from './view.ts';
export { render, shaderSource, expandIncludes, type ShaderName, type ShaderParams } from './shaders.ts';
export { MAX_DIMS, WG, split64 } from './constants.ts';
export { params, ParamsSchema, type FieldType, type ParamValues } from './params.ts';
export { buildProfile, profileOf, overrideProfile, withProfile, type Profile, type Plan, type MatmulVariant, type SplitK } from './profile.ts';
export { map, copy, MapParams, type MapExpr, type MapScalars } from './map.ts';
export { fill, random, FillParams, RandomParams, type RandomKind } from './fill.ts';
export { reduce, argreduce, ReduceParams, type ReduceOp, type ArgReduceOp, type ReduceOptions } from './reduce.ts';
export { softmax, SoftmaxParams, type SoftmaxMode } from './softmax.ts';
export { cachedSpec } from './spec.ts';
export { gather, scatterAdd, GatherParams } from './gather.ts';
export { matmul } from './matmul.ts';
export { gemm, type Gemm, type ConvUniforms } from './gemm.ts';
export { GEMM_MODE, GEMM_FLAGS, GEMV_REG_ROWS, GEMV_TILED_ROWS, GemmParams } from './gemm-kernels.ts';
export { conv2d, conv2dInputGrad, conv2dWeightGrad, convOutSize, type ConvGeometry } from './conv.ts';
export { PoolParams, maxPool2d, avgPool2d, maxPool2dPick, maxPool2dBackward, avgPool2dBackward, type PoolGeometry } from './pool.ts';
export { optimStep, gradEdit, OPTIM_FLAGS, OptimParams, GradEditParams, type OptimAlgo, type OptimHyper, type OptimUniforms, type GradEdit } from './optim.ts';
export { normForward, normBackward, channelAffine, channelSums, NormParams, ChannelParams, CHANNEL_FLAGS, type NormLayout, type ChannelTerms } from './norm.ts';
export { dropout, DropoutParams, type DropoutMask } from './dropout.ts';
export { rnnCell, rnnCellBackward, RnnCellParams, GATES, SLOT_WIDTH, DGATE_WIDTH, type CellKind, type CellStep, type CellBackwardStep } from './rnn.ts';
