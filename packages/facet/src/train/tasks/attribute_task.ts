// Attribute training (spec §3–§6): the loss of every method (runs/attribute_forward.ts
// makes the inputs each needs), optional balanced BCE and SSP's region loss.
import { type Tensor, tensor, tidy, nn } from '@facet/torch';
import type { AttributeNet } from '../../models/attribute_net.js';
import type { DataLoader, HostBatch } from '../../data/loader/loader.js';
import { toTensors } from '../../data/loader/to_tensors.js';
import type { SplitSource } from '../../data/loader/split_source.js';
import { attributeMetrics } from '../../metrics/metrics.js';
import type { RunConfig } from '../../runs/config.js';
import { type AttributeForward, predictAttributes } from '../../runs/attribute_forward.js';
import { deviceOf } from '../../runs/device.js';
import type { TrainingTask, Validation } from '../task.js';

export class AttributeTask implements TrainingTask<HostBatch> {
  readonly model: AttributeNet;
  readonly imagesPerStep: number;
  readonly #posWeight: Tensor | null;
  readonly #device: string;

  /** val.forward shares the network and parser; it reads the validation split's items (BBox's landmarks). */
  constructor(
    readonly config: RunConfig,
    readonly forward: AttributeForward,
    readonly train: DataLoader,
    readonly val: { loader: DataLoader; forward: AttributeForward } | null,
  ) {
    this.model = forward.net;
    this.imagesPerStep = config.recipe.batch;
    this.#device = deviceOf(this.model);
    this.#posWeight = config.posWeight ? tensor(new Float32Array(config.posWeight), { device: this.#device }).keep() : null;
  }

  prepare(step: number): Promise<HostBatch> {
    if (this.model.sspHead) this.model.sspHead.uniformWeights = step < (this.config.recipe.locWarmup ?? 0);
    return this.train.batch(step);
  }

  loss(b: HostBatch): Tensor {
    return tidy(() => {
      const { images, targets } = toTensors(b, this.#device);
      const lambda = this.config.recipe.regionLoss ?? 0;
      if (lambda === 0 || !this.model.sspHead) return attributeLoss(this.forward.logits(images, b), targets!, this.#posWeight);
      const { logits, regionScores } = this.forward.sspOutputs(images);
      return attributeLoss(logits, targets!, this.#posWeight, { regionScores, weight: lambda });
    });
  }

  async validate(): Promise<Validation> {
    if (!this.val) return { score: Number.NaN, scoreName: 'none', metrics: {} };
    const { probs, labels } = await predictAttributes(this.val.forward, this.val.loader, this.config.recipe.evalLimit);
    const report = attributeMetrics(probs, labels, this.config.attributeNames);
    return {
      score: report.meanAccuracy,
      scoreName: 'val_mean_accuracy',
      metrics: { val_mean_accuracy: report.meanAccuracy, val_mAP: report.mAP, val_mean_balanced_accuracy: report.meanBalancedAccuracy },
    };
  }

  async close(): Promise<void> {
    this.#posWeight?.dispose();
    this.forward.dispose();
    await this.train.close();
    await this.val?.loader.close();
  }
}

/**
 * BCE on the logits (N×A), plus, with `region`, weight × the mean over regions of each
 * region's own BCE (s_rec, N×R×A): every region held to the labels alone (--region-loss).
 */
export function attributeLoss(logits: Tensor, targets: Tensor, posWeight: Tensor | null, region?: { regionScores: Tensor; weight: number }): Tensor {
  return tidy(() => {
    const bce = (x: Tensor, y: Tensor) => nn.functional.binaryCrossEntropyWithLogits(x, y, { posWeight });
    const main = bce(logits, targets);
    if (!region) return main;
    const [n, r, a] = region.regionScores.shape as [number, number, number];
    return main.add(bce(region.regionScores, targets.unsqueeze(1).expand([n, r, a])).mul(region.weight));
  });
}

/** pos_weight[a] = negatives / positives over the training items (spec §8). */
export function positiveWeights(source: SplitSource): number[] {
  const a = source.dataset.attributeNames.length;
  const pos = new Array<number>(a).fill(0);
  let n = 0;
  for (const it of source.items) {
    if (!it.attributes) continue;
    n++;
    for (let k = 0; k < a; k++) pos[k]! += it.attributes[k]!;
  }
  return pos.map((p) => (p === 0 ? 1 : (n - p) / p));
}
