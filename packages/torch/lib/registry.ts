// Lets generated code build Tensors without importing the Tensor class (which extends
// the generated TensorOps): tensor.ts registers its constructor here at load time.
import type { NativeHandle } from './native.js';
import type { Tensor } from './tensor.js';

let makeTensor: ((h: NativeHandle) => Tensor) | undefined;

export function registerTensorFactory(f: (h: NativeHandle) => Tensor): void {
  makeTensor = f;
}

export function wrap(h: NativeHandle): Tensor {
  return makeTensor!(h);
}

export function wrapPair(hs: [NativeHandle, NativeHandle]): [Tensor, Tensor] {
  return [wrap(hs[0]), wrap(hs[1])];
}
