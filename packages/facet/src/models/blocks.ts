// The paper's building blocks (spec §2): cbp = 3×3 conv → BatchNorm → PReLU, its
// transposed twin dbp, and the 2×2 ceil-mode max pool.
import { type Tensor, nn, maxPool2d, conv2d, isGradEnabled, tidy } from '@facet/torch';

export interface CBPOptions {
  kernel?: number;
  transposed?: boolean;
  /** false: the conv alone (SSG's gated conv). */
  norm?: boolean;
}

/** conv (or transposed conv, no bias) → BN → PReLU; children named conv, bn, act. */
export class CBP extends nn.Module {
  readonly conv: nn.Conv2d | nn.ConvTranspose2d;
  readonly bn: nn.BatchNorm2d | null;
  readonly act: nn.PReLU | null;

  constructor(inChannels: number, outChannels: number, options: CBPOptions = {}) {
    super();
    const k = options.kernel ?? 3;
    const Conv = options.transposed ? nn.ConvTranspose2d : nn.Conv2d;
    this.conv = this.registerModule('conv', new Conv(inChannels, outChannels, k, { padding: Math.floor(k / 2), bias: false }));
    const norm = options.norm ?? true;
    this.bn = norm ? this.registerModule('bn', new nn.BatchNorm2d(outChannels)) : null;
    this.act = norm ? this.registerModule('act', new nn.PReLU(outChannels)) : null;
  }

  /**
   * Set for bf16 (models/mixed_precision.ts): in inference (eval mode, no autograd) the
   * BatchNorm is folded into the convolution, w·γ/σ and β − μ·γ/σ, one pass over the
   * activations fewer per layer. float32 stays unfolded, bit for bit as before.
   */
  foldBatchNormInInference = false;

  forward(x: Tensor): Tensor {
    if (this.foldBatchNormInInference && !this.training && !isGradEnabled() && this.bn && this.act && this.conv instanceof nn.Conv2d) {
      return this.#folded(x, this.conv, this.bn, this.act);
    }
    const y = this.conv.forward(x);
    if (!this.bn || !this.act) return y;
    const z = this.bn.forward(y);
    y.dispose();
    const out = this.act.forward(z);
    z.dispose();
    return out;
  }

  #folded(x: Tensor, conv: nn.Conv2d, bn: nn.BatchNorm2d, act: nn.PReLU): Tensor {
    return tidy(() => {
      const scale = bn.weight.mul(bn.runningVar.add(bn.eps).rsqrt());
      const weight = conv.weight.mul(scale.reshape([-1, 1, 1, 1]));
      const bias = bn.bias.sub(bn.runningMean.mul(scale));
      return act.forward(conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups));
    });
  }
}

/** Max pooling 2×2, stride 2, ceil mode: 109 → 55 → 28 → 14. */
export function pool(x: Tensor): Tensor {
  return maxPool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], true);
}
