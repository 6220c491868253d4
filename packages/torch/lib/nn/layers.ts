// The layers facet's networks are made of, with PyTorch's parameter names and shapes.
import { Tensor } from '../tensor.js';
import * as ops from '../ops.generated.js';
import { empty, ones, zeros, full } from '../ops.generated.js';
import { noGrad, isGradEnabled } from '../autograd.js';
import { tidy } from '../scope.js';
import { Module } from './module.js';
import { defaultUniform_, fans, kaimingNormal_ } from './init.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export interface ConvOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: ConvOptions = {},
  ) {
    super();
    const [kh, kw] = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = options.groups ?? 1;
    this.weight = this.registerParameter('weight', empty([outChannels, inChannels / this.groups, kh, kw]));
    defaultUniform_(this.weight, fans(this.weight).fanIn);
    this.bias = options.bias === false ? null : this.registerParameter('bias', empty([outChannels]));
    if (this.bias) defaultUniform_(this.bias, fans(this.weight).fanIn);
  }

  forward(x: Tensor): Tensor {
    return ops.conv2d(x, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: Pair;
}

/**
 * Weight [in, out/groups, kh, kw] as in PyTorch. A stride-1 transposed conv is a
 * conv2d with the kernel flipped and its in/out axes swapped, padding k-1-p; libtorch
 * 1.13's conv2d path is several times faster on the CPU, so forward() takes it where
 * it applies. Autograd flows through flip/transpose, so gradients stay exact.
 */
export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly kernel: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: ConvTransposeOptions = {},
  ) {
    super();
    this.kernel = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    this.outputPadding = pair(options.outputPadding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = options.groups ?? 1;
    this.weight = this.registerParameter('weight', empty([inChannels, outChannels / this.groups, ...this.kernel]));
    defaultUniform_(this.weight, fans(this.weight).fanIn);
    this.bias = options.bias === false ? null : this.registerParameter('bias', empty([outChannels]));
    if (this.bias) defaultUniform_(this.bias, fans(this.weight).fanIn);
  }

  /** Whether forward() goes through conv2d. */
  get usesConv2dRoute(): boolean {
    const [sh, sw] = this.stride,
      [dh, dw] = this.dilation,
      [oh, ow] = this.outputPadding;
    const [kh, kw] = this.kernel,
      [ph, pw] = this.padding;
    return sh === 1 && sw === 1 && dh === 1 && dw === 1 && oh === 0 && ow === 0 && this.groups === 1 && ph <= kh - 1 && pw <= kw - 1;
  }

  forward(x: Tensor): Tensor {
    if (this.usesConv2dRoute) {
      const [kh, kw] = this.kernel,
        [ph, pw] = this.padding;
      using swapped = this.weight.transpose(0, 1);
      using flipped = swapped.flip([2, 3]);
      return ops.conv2d(x, flipped, this.bias, [1, 1], [kh - 1 - ph, kw - 1 - pw]);
    }
    return ops.convTranspose2d(x, this.weight, this.bias, this.stride, this.padding, this.outputPadding, this.groups, this.dilation);
  }
}

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
}

/** BatchNorm over N,H,W per channel; running statistics update in training mode. */
export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = this.registerParameter('weight', ones([numFeatures]));
    this.bias = this.registerParameter('bias', zeros([numFeatures]));
    this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([], 'int64'));
  }

  forward(x: Tensor): Tensor {
    if (this.training) noGrad(() => this.numBatchesTracked.add_(1));
    return ops.batchNorm(x, this.weight, this.bias, this.runningMean, this.runningVar, this.training, this.momentum, this.eps);
  }
}

/** One learnable negative slope per channel (init 0.25). */
export class PReLU extends Module {
  readonly weight: Tensor;
  constructor(numParameters = 1, init = 0.25) {
    super();
    this.weight = this.registerParameter('weight', full([numParameters], init));
  }
  forward(x: Tensor): Tensor {
    // without autograd libtorch's own kernel is the fastest (its backward is the slow part)
    if (x.dtype === 'bfloat16' && isGradEnabled()) return this.#bfloat16(x);
    return ops.prelu(x, x.dtype === 'bfloat16' ? this.weight.toDtype('bfloat16') : this.weight);
  }

  /**
   * relu(x) − a·relu(−x), the slope cast to bfloat16 (its gradient reaches the float32
   * weight through the cast): libtorch 1.13's prelu_backward on bfloat16 channels-last
   * tensors took a fifth of PyTorch's bf16 training step; these elementwise ops less.
   */
  #bfloat16(x: Tensor): Tensor {
    return tidy(() => {
      const shape = x.ndim >= 2 && this.weight.numel > 1 ? [1, this.weight.numel, ...Array(x.ndim - 2).fill(1)] : [this.weight.numel];
      const a = this.weight.toDtype('bfloat16').reshape(shape);
      return ops.relu(x).sub(ops.relu(x.neg()).mul(a));
    });
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return ops.relu(x);
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    defaultUniform_(this.weight, inFeatures);
    this.bias = options.bias === false ? null : this.registerParameter('bias', empty([outFeatures]));
    if (this.bias) defaultUniform_(this.bias, inFeatures);
  }
  forward(x: Tensor): Tensor {
    return ops.linear(x, this.weight, this.bias);
  }
}

export interface PoolOptions {
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

/** What the 2-D pooling layers share: kernel, stride (default: the kernel), padding, ceil mode. */
abstract class Pool2d extends Module {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  constructor(kernelSize: Pair, options: PoolOptions = {}) {
    super();
    this.kernel = pair(kernelSize);
    this.stride = pair(options.stride ?? kernelSize);
    this.padding = pair(options.padding ?? 0);
    this.ceilMode = options.ceilMode ?? false;
  }
}

export class MaxPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    return ops.maxPool2d(x, this.kernel, this.stride, this.padding, [1, 1], this.ceilMode);
  }
}

export class AvgPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    return ops.avgPool2d(x, this.kernel, this.stride, this.padding, this.ceilMode);
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: [number, number]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.adaptiveAvgPool2d(x, this.outputSize);
  }
}

export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: [number, number]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.adaptiveMaxPool2d(x, this.outputSize);
  }
}

/** Layers applied in order; children are named '0', '1', … as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Array<Module & { forward(x: Tensor): Tensor }>;
  constructor(...layers: Array<Module & { forward(x: Tensor): Tensor }>) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const l of this.layers) {
      const next = l.forward(y);
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  }
}

export { kaimingNormal_ };
