// SSG, semantic segmentation-based gating (spec §5).
import { type Tensor, nn, adaptiveAvgPool2d, tidy } from '@facet/torch';
import { CBP, pool } from './blocks.js';
import { REGION_COUNT } from '../regions.js';

/**
 * Replaces a block's last BN/PReLU and pool: the conv's output a (C×h×w) is copied
 * once per region, each copy multiplied by that region's mask (normalised to sum 1
 * over space), giving 7C channels → BN → PReLU → pool → 1×1 conv back to C → BN → PReLU.
 */
export class Gate extends nn.Module {
  readonly bn: nn.BatchNorm2d;
  readonly act: nn.PReLU;
  readonly restore: CBP;

  constructor(
    readonly channels: number,
    readonly regions = REGION_COUNT,
  ) {
    super();
    this.bn = this.registerModule('bn', new nn.BatchNorm2d(regions * channels));
    this.act = this.registerModule('act', new nn.PReLU(regions * channels));
    this.restore = this.registerModule('restore', new CBP(regions * channels, channels, { kernel: 1 }));
  }

  forward(a: Tensor, masks: Tensor): Tensor {
    const pooled = tidy(() => {
      const [, , h, w] = a.shape;
      const resized = adaptiveAvgPool2d(masks, [h!, w!]);
      const norm = resized.div(resized.sum([2, 3], true).clampMin(1e-6));
      // bf16 activations: masks in bf16 too, or the product (7C channels) would be float32.
      const m = norm.dtype === a.dtype ? norm : norm.toDtype(a.dtype);
      // Region-major: copy r holds channels r*C … r*C+C-1.
      const g = a.isContiguous('channels_last') && !a.isContiguous() ? channelsLastProduct(m, a) : m.unsqueeze(2).mul(a.unsqueeze(1)).flatten(1, 2);
      return pool(this.act.forward(this.bn.forward(g)));
    });
    const out = this.restore.forward(pooled);
    pooled.dispose();
    return out;
  }
}

/**
 * The same region-major product for channels-last activations (bf16), laid out
 * channels-last too: computed as N×h×w×R×C, so that the 7C channels stay innermost and
 * the layers after the gate need no reorder.
 */
function channelsLastProduct(m: Tensor, a: Tensor): Tensor {
  const [n, c, h, w] = a.shape as [number, number, number, number];
  const r = m.shape[1]!;
  const nhwrc = m
    .permute([0, 2, 3, 1])
    .unsqueeze(4)
    .mul(a.permute([0, 2, 3, 1]).unsqueeze(3));
  return nhwrc.reshape([n, h, w, r * c]).permute([0, 3, 1, 2]);
}
