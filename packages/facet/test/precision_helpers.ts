// What the precision tests (bf16, fp32-cl) share: the four networks at a tiny width with
// fixed masks, and the test bundle's pipeline outputs in fp32 and another precision.
import { rmSync } from 'node:fs';
import { type Tensor, nn, randn, softmax, manualSeed, tidy } from '@facet/torch';
import { AttributeNet } from '../src/models/attribute_net.js';
import { Parser } from '../src/models/parser.js';
import { buildModel } from '../src/models/registry.js';
import type { Precision } from '../src/models/precision.js';
import { readBundle } from '../src/infer/bundle.js';
import { TorchPipeline } from '../src/infer/torch_pipeline.js';
import type { RawPrediction } from '../src/model_io/outputs.js';
import { makeTestBundle, randomInputs } from './onnx_helpers.js';

/**
 * ‖b − a‖ / ‖a‖ in float32, the norm floored at `floor`: a gradient that is zero in exact
 * arithmetic (the SSP localization bias under its softmax) is rounding noise alone.
 */
export function relErr(a: Tensor, b: Tensor, floor: number): number {
  return tidy(() => {
    const ref = a.toDtype('float32'),
      got = b.toDtype('float32');
    return got.sub(ref).square().sum().sqrt().item() / Math.max(ref.square().sum().sqrt().item(), floor);
  });
}

export type TinyNetwork = [name: string, make: () => nn.Module, run: (m: nn.Module, x: Tensor) => Tensor];

/** basic, SSP and SSG (6 attributes) and the parser (its full-scale logits) at width 0.0625, and an N×3×h×w image. */
export function tinyNetworks(h: number, w: number): { image: Tensor; nets: TinyNetwork[] } {
  manualSeed(6);
  const image = randn([2, 3, h, w]);
  const masksHalf = softmax(randn([2, 7, h / 2, w / 2]), 1);
  const masksQuarter = softmax(randn([2, 7, h / 4, w / 4]), 1);
  const attributeNet = (name: 'basic' | 'ssp' | 'ssg'): TinyNetwork => [
    name,
    () => {
      manualSeed(7);
      return buildModel(name, { widthMult: 0.0625, attributes: 6 });
    },
    (m, x) => (m as AttributeNet).forward(x, { masksHalf, masksQuarter }),
  ];
  const parser: TinyNetwork = [
    'parser',
    () => {
      manualSeed(8);
      return new Parser({ widthMult: 0.0625 });
    },
    (m, x) => (m as Parser).forward(x)[3],
  ];
  return { image, nets: [attributeNet('basic'), attributeNet('ssp'), attributeNet('ssg'), parser] };
}

/** The random test bundle's TorchPipeline outputs for two 45×37 inputs, in fp32 and in `precision`. */
export function pipelineInBothPrecisions(precision: Precision): { fp32: RawPrediction[]; other: RawPrediction[] } {
  const dir = makeTestBundle(45, 37, { seed: 12 });
  try {
    const bundle = readBundle(dir);
    const inputs = randomInputs(2, 45, 37, 5);
    const run = (p: Precision): RawPrediction[] => {
      const pipeline = new TorchPipeline(bundle, { precision: p });
      try {
        return pipeline.run(inputs);
      } finally {
        pipeline.dispose();
      }
    };
    return { fp32: run('fp32'), other: run(precision) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
