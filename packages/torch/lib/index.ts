// @facet/torch: tensors, autograd, nn and optim for TypeScript on libtorch.
export { Tensor } from './tensor.js';
export { tensor, scalar, type TensorOptions } from './creation.js';
export { tidy, keep, scopeDepth } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export {
  manualSeed, setNumThreads, getNumThreads, setDeterministic, isDeterministic, cudaAvailable, liveTensors,
  buildInfo, autocast,
} from './settings.js';
export { type DType, type MemoryFormat, type AnyTypedArray, DTYPES, ELEMENT_SIZE } from './dtype.js';
export * from './ops.generated.js';
export * as nn from './nn/index.js';
export { native } from './native.js';
