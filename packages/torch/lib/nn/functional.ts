// PyTorch's torch.nn.functional names with option objects, over the generated ops.
import { Tensor } from '../tensor.js';
import * as ops from '../ops.generated.js';

export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

export interface InterpolateOptions {
  size: [number, number];
  mode?: 'nearest' | 'bilinear';
  alignCorners?: boolean;
}

/** Resizes N×C×H×W to options.size (PyTorch's F.interpolate with size=…). */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const mode = options.mode ?? 'nearest';
  if (mode === 'nearest') {
    if (options.alignCorners !== undefined) throw new TypeError('interpolate: alignCorners only applies to bilinear');
    return ops.upsampleNearest2d(x, options.size);
  }
  if (mode === 'bilinear') return ops.upsampleBilinear2d(x, options.size, options.alignCorners ?? false);
  throw new TypeError(`interpolate: unknown mode '${String(mode)}'`);
}

export interface BCEOptions {
  weight?: Tensor | null;
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options: BCEOptions = {}): Tensor {
  return ops.binaryCrossEntropyWithLogits(logits, target, options.weight ?? null, options.posWeight ?? null, REDUCTION[options.reduction ?? 'mean']);
}

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/** Softmax cross-entropy over dim 1 against int64 class indices. */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return ops.crossEntropy(
    logits,
    target,
    options.weight ?? null,
    REDUCTION[options.reduction ?? 'mean'],
    options.ignoreIndex ?? -100,
    options.labelSmoothing ?? 0,
  );
}

export interface PoolOptions {
  stride?: [number, number];
  padding?: [number, number];
  ceilMode?: boolean;
}

export function maxPool2d(x: Tensor, kernel: [number, number], options: PoolOptions = {}): Tensor {
  return ops.maxPool2d(x, kernel, options.stride ?? kernel, options.padding ?? [0, 0], [1, 1], options.ceilMode ?? false);
}

export function avgPool2d(x: Tensor, kernel: [number, number], options: PoolOptions & { countIncludePad?: boolean } = {}): Tensor {
  return ops.avgPool2d(x, kernel, options.stride ?? kernel, options.padding ?? [0, 0], options.ceilMode ?? false, options.countIncludePad ?? true);
}

export {
  conv2d,
  convTranspose2d,
  batchNorm,
  linear,
  prelu,
  relu,
  sigmoid,
  softmax,
  logSoftmax,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  dropout,
  mseLoss,
  nllLoss,
  oneHot,
} from '../ops.generated.js';
