// SSP, semantic segmentation-based pooling (spec §4), and the localization it gives (§10).
import { type Tensor, nn, adaptiveAvgPool2d, adaptiveMaxPool2d, cat, softmax, tidy } from '@facet/torch';
import { MAX_POOLED_REGIONS } from '../regions.js';

/**
 * Shrinks region masks (N×R×h'×w') to the feature grid: adaptive max pooling for the
 * regions in maxPooled (small parts: eyes, brows, mouth, nose), average for the rest.
 */
export function shrinkMasks(masks: Tensor, size: [number, number], maxPooled: readonly number[] = MAX_POOLED_REGIONS): Tensor {
  return tidy(() => {
    const r = masks.shape[1]!;
    const pieces: Tensor[] = [];
    for (let k = 0; k < r; k++) {
      const m = masks.narrow(1, k, 1);
      pieces.push(maxPooled.includes(k) ? adaptiveMaxPool2d(m, size) : adaptiveAvgPool2d(m, size));
    }
    return cat(pieces, 1);
  });
}

/** f_r = Σ m_r·A / (Σ m_r + ε): one C-vector per region (N×R×C). */
export function regionFeatures(masks: Tensor, features: Tensor, eps = 1e-6): Tensor {
  return tidy(() => {
    const weighted = masks.flatten(2).bmm(features.flatten(2).transpose(1, 2)); // N,R,C
    return weighted.div(masks.sum([2, 3]).unsqueeze(-1).add(eps));
  });
}

export interface SSPOutputs {
  logits: Tensor;
  /** w[n, r, a]: softmax over regions of the localization scores. */
  regionWeights: Tensor;
  /** The masks on the feature grid (N×R×h×w). */
  gridMasks: Tensor;
  /** s_rec[n, r, a]: each region's recognition score alone. */
  regionScores: Tensor;
}

/**
 * Two branches over the region features, each a Linear(C, attributes) shared across
 * regions: recognition s_rec[r,a] and localization s_loc[r,a]; the logit of a is
 * Σ_r softmax_r(s_loc)[r,a] · s_rec[r,a].
 */
export class SSPHead extends nn.Module {
  readonly rec: nn.Linear;
  readonly loc: nn.Linear;
  /**
   * While set, w is uniform (1/R) and the localization branch gets no gradient: a
   * warm-up that lets every region's features learn before w picks among them.
   */
  uniformWeights = false;

  constructor(
    channels: number,
    attributes: number,
    readonly maxPooled: readonly number[] = MAX_POOLED_REGIONS,
  ) {
    super();
    this.rec = this.registerModule('rec', new nn.Linear(channels, attributes));
    this.loc = this.registerModule('loc', new nn.Linear(channels, attributes));
  }

  forwardDetailed(features: Tensor, masks: Tensor): SSPOutputs {
    return tidy(() => {
      const [, , h, w] = features.shape as [number, number, number, number];
      const gridMasks = shrinkMasks(masks, [h, w], this.maxPooled);
      const f = regionFeatures(gridMasks, features);
      const scores = this.loc.forward(f);
      const regionWeights = softmax(this.uniformWeights ? scores.mul(0) : scores, 1);
      const regionScores = this.rec.forward(f);
      const logits = regionWeights.mul(regionScores).sum([1]);
      return { logits, regionWeights, gridMasks, regionScores };
    });
  }

  forward(features: Tensor, masks: Tensor): Tensor {
    const out = this.forwardDetailed(features, masks);
    out.regionWeights.dispose();
    out.gridMasks.dispose();
    out.regionScores.dispose();
    return out.logits;
  }
}
