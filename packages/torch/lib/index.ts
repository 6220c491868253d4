// @facet/torch: tensors, autograd, nn and optim for TypeScript on libtorch.
export { Tensor } from './tensor.js';
export { tensor, scalar, fromBytes, type TensorOptions } from './creation.js';
export { tidy, keep, scopeDepth } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { gradcheck, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { manualSeed, setNumThreads, getNumThreads, setDeterministic, isDeterministic, cudaAvailable, liveTensors, buildInfo, autocast } from './settings.js';
export { maxThreads, checkThreads, isThreadCount, threadRange, THREADS_PER_CORE } from './threads.js';
export { loadedLibtorch, setCudnnBenchmark, useLazyDevice } from './devices.js';
export { type DType, type MemoryFormat, type AnyTypedArray, DTYPES, ELEMENT_SIZE } from './dtype.js';
export * from './ops.generated.js';
export * as nn from './nn/index.js';
export { native } from './native.js';
export {
  parseSafetensors,
  serializeSafetensors,
  loadSafetensors,
  readSafetensorsFile,
  saveSafetensors,
  type SafetensorsEntry,
  type ParsedSafetensors,
} from './io/safetensors.js';
export * as optim from './optim/index.js';
export * as distributed from './distributed/index.js';
