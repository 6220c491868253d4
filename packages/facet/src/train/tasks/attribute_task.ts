// Attribute training (spec §3–§6): every method, the frozen parser feeding those that
// need region masks, optional balanced BCE.
import { type Tensor, tensor, cat, tidy, noGrad, nn } from '@facet/torch';
import { AttributeNet, type RegionInputs } from '../../models/attribute_net.js';
import { buildModel } from '../../models/registry.js';
import { Parser } from '../../models/parser.js';
import { RegionMasks } from '../../models/region_masks.js';
import { boxMasks } from '../../models/bbox.js';
import { DataLoader, type HostBatch } from '../../data/loader/loader.js';
import { toTensors } from '../../data/loader/to_tensors.js';
import type { SplitSource } from '../../data/loader/split_source.js';
import { attributeMetrics } from '../../eval/metrics.js';
import { RunDir } from '../run_dir.js';
import type { AttributeMethod, RunConfig } from '../config.js';
import type { TrainingTask, Validation } from '../task.js';
import { landmarksAtInput } from '../landmarks.js';
import { deviceOf, place } from '../device.js';
import type { Precision } from '../../models/precision.js';
import { inPrecision, prepareInput, toFloat32 } from '../../models/mixed_precision.js';

const MODEL_OF: Record<AttributeMethod, 'basic' | 'spp' | 'naive' | 'bbox' | 'ssp' | 'ssg'> = {
  avg: 'basic', spp: 'spp', naive: 'naive', bbox: 'bbox', ssp: 'ssp', ssg: 'ssg',
};
export const NEEDS_PARSER: readonly AttributeMethod[] = ['naive', 'ssp', 'ssg'];

export function buildAttributeModel(config: RunConfig): AttributeNet {
  return buildModel(MODEL_OF[config.method!], {
    widthMult: config.recipe.widthMult, attributes: config.attributeNames.length, gated: config.gated, sspFeatures: config.sspFeatures,
  }) as AttributeNet;
}

/** The frozen parser of a parser run, and the normalisation it was trained with. */
export function loadFrozenParser(parserRun: string, inputNorm: RunConfig['normalization'], device = 'cpu'): RegionMasks {
  const run = new RunDir(parserRun);
  const pc = run.readJson<RunConfig>('config.json');
  if (pc.kind !== 'parser') throw new Error(`${parserRun}: a ${pc.kind} run, not a parser run`);
  const parser = new Parser({ widthMult: pc.recipe.widthMult });
  run.loadWeights(parser, 'best');
  place(parser, device);
  for (const p of parser.parameters()) p.requiresGrad = false;
  return new RegionMasks(parser, inputNorm, pc.normalization);
}

/** Runs an attribute model on a batch, making the inputs its method needs. */
export class AttributeForward {
  /** precision: the attribute net's (models/precision.ts); the frozen parser runs in float32. */
  constructor(readonly net: AttributeNet, readonly method: AttributeMethod, readonly masks: RegionMasks | null,
    readonly source: SplitSource, readonly precision: Precision = 'fp32') {}

  /** The net's forward in the run's precision; float32 logits either way. */
  #net(x: Tensor, masks: RegionInputs = {}): Tensor {
    return inPrecision(this.precision, () => toFloat32(this.net.forward(prepareInput(x, this.precision), masks)));
  }

  logits(images: Tensor, b: HostBatch): Tensor {
    return tidy(() => {
      const m = this.method;
      if (m === 'avg' || m === 'spp') return this.#net(images);
      if (m === 'bbox') {
        const { height, width } = this.source.header;
        const lm = b.plan.indices.map((i, n) => {
          const raw = this.source.items[i]!.landmarks;
          if (!raw) throw new Error(`${this.source.items[i]!.imagePath}: BBox needs landmarks, this item has none`);
          return landmarksAtInput(raw, this.source.header.sourceSizes[i]!, height, width, b.plan.flips[n]!);
        });
        return this.#net(images, { masksHalf: boxMasks(lm, height, width, { device: images.device }) });
      }
      const r = this.masks!.compute(images);
      if (m === 'naive') return this.#net(cat([images, r.full], 1));
      return this.#net(images, { masksHalf: r.half, masksQuarter: r.quarter });
    });
  }

  /** SSP: the logits, region weights w and each region's recognition scores s_rec (N×R×A each). */
  sspOutputs(images: Tensor): { logits: Tensor; regionWeights: Tensor; regionScores: Tensor } {
    if (this.method !== 'ssp') throw new Error(`sspOutputs: method ${this.method} has no region outputs`);
    return tidy(() => {
      const masksHalf = this.masks!.compute(images).half;
      const out = inPrecision(this.precision, () => this.net.forwardDetailed(prepareInput(images, this.precision), { masksHalf }));
      return { logits: toFloat32(out.logits), regionWeights: toFloat32(out.ssp!.regionWeights), regionScores: toFloat32(out.ssp!.regionScores) };
    });
  }

  dispose(): void {
    this.masks?.parser.dispose();
    this.masks?.dispose();
  }
}

/** Probabilities and labels over the first `limit` items of a loader's split (eval mode). */
export async function predictAttributes(forward: AttributeForward, loader: DataLoader, limit = 0): Promise<{ probs: Float32Array; labels: Uint8Array; count: number }> {
  const total = limit > 0 ? Math.min(limit, loader.size) : loader.size;
  const a = forward.net.attributes;
  const probs = new Float32Array(total * a), labels = new Uint8Array(total * a);
  const wasTraining = forward.net.training;
  forward.net.eval();
  try {
    const steps = Math.ceil(total / loader.options.batchSize);
    const device = deviceOf(forward.net);
    for (let s = 0; s < steps; s++) {
      const b = await loader.batch(s);
      const p = noGrad(() => tidy(() => forward.logits(toTensors(b, device).images, b).sigmoid().data() as Float32Array));
      for (let n = 0; n < b.count; n++) {
        const row = s * loader.options.batchSize + n;
        if (row >= total) break;
        probs.set(p.subarray(n * a, (n + 1) * a), row * a);
        for (let k = 0; k < a; k++) labels[row * a + k] = b.targets![n * a + k]!;
      }
    }
  } finally {
    forward.net.train(wasTraining);
  }
  return { probs, labels, count: total };
}

export class AttributeTask implements TrainingTask<HostBatch> {
  readonly model: AttributeNet;
  readonly imagesPerStep: number;
  readonly #posWeight: Tensor | null;
  readonly #device: string;

  /** val.forward shares the network and parser; it reads the validation split's items (BBox's landmarks). */
  constructor(readonly config: RunConfig, readonly forward: AttributeForward, readonly train: DataLoader,
    readonly val: { loader: DataLoader; forward: AttributeForward } | null) {
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
      score: report.meanAccuracy, scoreName: 'val_mean_accuracy',
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
export function attributeLoss(logits: Tensor, targets: Tensor, posWeight: Tensor | null,
  region?: { regionScores: Tensor; weight: number }): Tensor {
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
