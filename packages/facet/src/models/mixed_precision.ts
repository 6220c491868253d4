// Running a network in a precision (models/precision.ts names them): bf16 is libtorch's
// CPU autocast on channels-last tensors with float32 master weights.
import { type Tensor, nn, autocast, noGrad } from '@facet/torch';
import type { Precision } from './precision.js';
import { CBP } from './blocks.js';

/**
 * fp32-cl and bf16: every 4-D parameter (convolution kernels) becomes channels-last in place, so
 * oneDNN reads the kernels without a reorder and its gradients come back channels-last;
 * in inference the conv → BatchNorm blocks fold the BatchNorm into the conv (blocks.ts).
 */
export function prepareModel(model: nn.Module, precision: Precision): void {
  if (precision === 'fp32') return;
  for (const [, m] of model.namedModules()) if (m instanceof CBP) m.foldBatchNormInInference = true;
  noGrad(() => {
    for (const p of model.parameters()) {
      if (p.shape.length !== 4 || p.isContiguous('channels_last')) continue;
      const cl = p.contiguous('channels_last');
      p.setData(cl);
      cl.dispose();
    }
  });
}

/** fp32-cl and bf16: a channels-last copy of a 4-D input (the caller owns it); fp32 or other ranks: x itself. */
export function prepareInput(x: Tensor, precision: Precision): Tensor {
  if (precision === 'fp32' || x.shape.length !== 4) return x;
  return x.contiguous('channels_last');
}

/** Runs a forward pass in the precision: under autocast(bfloat16) for bf16. */
export function inPrecision<T>(precision: Precision, fn: () => T): T {
  return precision === 'bf16' ? autocast(fn, 'bfloat16') : fn();
}

/** A float32 view of a forward's output (the losses and the metrics take float32). */
export function toFloat32(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : t.toDtype('float32');
}
