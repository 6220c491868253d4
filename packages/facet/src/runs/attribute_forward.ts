// The attribute forward pass of every method (spec §3–§6): the inputs its method needs
// (region masks from the frozen parser, BBox's boxes from the landmarks) made per batch,
// for training, validation, evaluation, threshold tuning and the figures alike.
import { type Tensor, cat, tidy, noGrad } from '@facet/torch';
import type { AttributeNet, RegionInputs } from '../models/attribute_net.js';
import type { RegionMasks } from '../models/region_masks.js';
import { boxMasks } from '../models/bbox.js';
import type { DataLoader, HostBatch } from '../data/loader/loader.js';
import { toTensors } from '../data/loader/to_tensors.js';
import type { SplitSource } from '../data/loader/split_source.js';
import type { Precision } from '../models/precision.js';
import { inPrecision, prepareInput, toFloat32 } from '../models/mixed_precision.js';
import { METHODS, type AttributeMethod } from './methods.js';
import { landmarksAtInput } from './landmarks.js';
import { deviceOf } from './device.js';

/** Runs an attribute model on a batch, making the inputs its method needs. */
export class AttributeForward {
  /** precision: the attribute net's (models/precision.ts); the frozen parser runs in float32. */
  constructor(
    readonly net: AttributeNet,
    readonly method: AttributeMethod,
    readonly masks: RegionMasks | null,
    readonly source: SplitSource,
    readonly precision: Precision = 'fp32',
  ) {}

  /** The net's forward in the run's precision; float32 logits either way. */
  #net(x: Tensor, masks: RegionInputs = {}): Tensor {
    return inPrecision(this.precision, () => toFloat32(this.net.forward(prepareInput(x, this.precision), masks)));
  }

  logits(images: Tensor, b: HostBatch): Tensor {
    return tidy(() => {
      const spec = METHODS[this.method];
      if (spec.needsLandmarks) {
        const { height, width } = this.source.header;
        const lm = b.plan.indices.map((i, n) => {
          const raw = this.source.items[i]!.landmarks;
          if (!raw) throw new Error(`${this.source.items[i]!.imagePath}: BBox needs landmarks, this item has none`);
          return landmarksAtInput(raw, this.source.header.sourceSizes[i]!, height, width, b.plan.flips[n]!);
        });
        return this.#net(images, { masksHalf: boxMasks(lm, height, width, { device: images.device }) });
      }
      if (!spec.needsParser) return this.#net(images);
      const r = this.masks!.compute(images);
      // naive takes the masks as input channels; SSP and SSG pool or gate by them
      if (this.method === 'naive') return this.#net(cat([images, r.full], 1));
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
export async function predictAttributes(
  forward: AttributeForward,
  loader: DataLoader,
  limit = 0,
): Promise<{ probs: Float32Array; labels: Uint8Array; count: number }> {
  const total = limit > 0 ? Math.min(limit, loader.size) : loader.size;
  const a = forward.net.attributes;
  const probs = new Float32Array(total * a),
    labels = new Uint8Array(total * a);
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
