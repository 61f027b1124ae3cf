// nn.functional (also nn.F): the losses, distances and information measures, plus the activations, the
// linear map, convolution, pooling and pad under their torch.nn.functional names (camelCase, with
// PyTorch's positional arguments), so model code can use one namespace.
export * from './losses.ts';
export * from './information.ts';
export { linear } from './layers.ts';
export { relu, sigmoid, tanh, gelu, silu, softplus, leakyRelu, elu, softmax, logSoftmax } from '../autograd/index.ts';
export { batchNorm, layerNorm, groupNorm, dropout, dropout2d } from '../autograd/index.ts';
export { embedding } from './embedding.ts';
export { conv1d, conv2d, convTranspose2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d } from '../autograd/index.ts';
export { pad } from './conv.ts';
