// `facet bench --ddp-estimate`: how data-parallel training of each network would scale
// on N GPUs, from two counts and two assumptions. Counted: the multiply-adds of one
// training image (convolutions, transposed convolutions, linear layers, measured by
// running the network once at the input size) and the bytes all-reduced per step (the
// trainable parameters, float32). Assumed: the GPU's sustained rate and the link's
// all-reduce bandwidth. A ring all-reduce moves 2(N−1)/N × bytes through each GPU's link.
import { type Tensor, nn, noGrad, tidy, manualSeed } from '@facet/torch';
import { buildModel } from '../models/registry.js';
import type { AttributeNet } from '../models/attribute_net.js';
import { JointModel } from '../models/joint.js';
import { Parser } from '../models/parser.js';
import { peerInputs, disposeAll } from './inputs.js';
import { METHODS } from '../runs/methods.js';

type Layer = nn.Conv2d | nn.ConvTranspose2d | nn.Linear;

/**
 * Multiply-adds of the convolutions and linear layers run inside fn: a conv's output
 * position costs its weight's size; a transposed conv's input position does; a linear
 * layer's output row does.
 */
export function countMacs(fn: () => void): number {
  let macs = 0;
  const classes = [nn.Conv2d, nn.ConvTranspose2d, nn.Linear] as const;
  const originals = classes.map((c) => c.prototype.forward);
  classes.forEach((cls, k) => {
    const original = originals[k]!;
    cls.prototype.forward = function (this: Layer, x: Tensor): Tensor {
      const y = (original as (x: Tensor) => Tensor).call(this, x);
      const w = this.weight.numel;
      if (this instanceof nn.Conv2d) macs += y.shape[0]! * y.shape[2]! * y.shape[3]! * w;
      else if (this instanceof nn.ConvTranspose2d) macs += x.shape[0]! * x.shape[2]! * x.shape[3]! * w;
      else macs += (y.numel / this.outFeatures) * w;
      return y;
    } as typeof original;
  });
  try {
    noGrad(() => tidy(fn));
  } finally {
    classes.forEach((cls, k) => {
      cls.prototype.forward = originals[k]! as never;
    });
  }
  return macs;
}

export interface NetworkCost {
  network: string;
  /** trainable parameters, all-reduced every step */
  params: number;
  allreduce_mb: number;
  /** forward multiply-adds per training image, the trained network */
  train_gmacs_fwd: number;
  /** forward multiply-adds per image of a frozen network run every step (the parser feeding Naive, SSP, SSG) */
  frozen_gmacs_fwd: number;
  /** FLOPs per image of a training step: 2 × (3 × trained forward + frozen forward) */
  gflop_per_image: number;
}

/** the networks of the methods a frozen parser feeds */
const FROZEN_PARSER = new Set<string>(
  Object.values(METHODS)
    .filter((m) => m.needsParser)
    .map((m) => m.network),
);

export function networkCosts(height: number, width: number, widthMult = 1): NetworkCost[] {
  manualSeed(0);
  const inputs = peerInputs(1, height, width);
  const parser = buildModel('parser', { widthMult, paperInit: false }) as Parser;
  const parserMacs = countMacs(() => {
    parser.forward(inputs.image);
  });
  const out: NetworkCost[] = [];
  for (const name of ['basic', 'spp', 'bbox', 'naive', 'ssp', 'ssg', 'parser', 'joint'] as const) {
    const model = buildModel(name, { widthMult, paperInit: false });
    const params = model.parameters().reduce((s, p) => s + p.numel, 0);
    let macs: number;
    if (model instanceof Parser) macs = parserMacs;
    else if (model instanceof JointModel)
      macs =
        countMacs(() => {
          model.forward(inputs.image);
        }) + parserMacs; // an attribute and a parsing image per step
    else
      macs = countMacs(() => {
        (model as AttributeNet).forward(name === 'naive' ? inputs.naiveInput : inputs.image, {
          masksHalf: inputs.masksHalf,
          masksQuarter: inputs.masksQuarter,
        });
      });
    const frozen = FROZEN_PARSER.has(name) ? parserMacs : 0;
    out.push({
      network: name,
      params,
      allreduce_mb: round((params * 4) / 2 ** 20, 2),
      train_gmacs_fwd: round(macs / 1e9, 3),
      frozen_gmacs_fwd: round(frozen / 1e9, 3),
      gflop_per_image: round((2 * (3 * macs + frozen)) / 1e9, 2),
    });
    model.dispose();
  }
  parser.dispose();
  disposeAll(inputs);
  return out;
}

export interface ScalingCase {
  gpus: number;
  /** images per GPU per step */
  perGpuBatch: number;
  /** sustained FLOP/s of one GPU on these convolutions, in TFLOP/s */
  gpuTflops: number;
  /** all-reduce bus bandwidth per GPU, GB/s */
  linkGBs: number;
}

/**
 * Step time and efficiency against one GPU. Overlapped: as DDP, buckets all-reduce
 * while backward (2/3 of the compute) runs, so a step takes forward + max(backward,
 * all-reduce). Serial: compute, then the whole all-reduce.
 */
export function scaling(
  cost: NetworkCost,
  c: ScalingCase,
): { compute_ms: number; allreduce_ms: number; efficiency_overlapped: number; efficiency_serial: number; speedup_overlapped: number } {
  const compute = (cost.gflop_per_image * 1e9 * c.perGpuBatch) / (c.gpuTflops * 1e12);
  const comm = c.gpus > 1 ? (((2 * (c.gpus - 1)) / c.gpus) * (cost.params * 4)) / (c.linkGBs * 1e9) : 0;
  const overlapped = compute / (compute / 3 + Math.max((2 * compute) / 3, comm));
  return {
    compute_ms: round(compute * 1e3, 2),
    allreduce_ms: round(comm * 1e3, 2),
    efficiency_overlapped: round(overlapped, 3),
    efficiency_serial: round(compute / (compute + comm), 3),
    speedup_overlapped: round(c.gpus * overlapped, 2),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
