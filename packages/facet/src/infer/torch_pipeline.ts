// The bundle run on libtorch: parser → region probabilities → SSP → probabilities,
// region weights, parse and heat maps. The ONNX graph computes the same.
import { type Tensor, tensor, fromBytes, noGrad, tidy } from '@facet/torch';
import { RegionMasks } from '../models/region_masks.js';
import { Parser } from '../models/parser.js';
import { AttributeNet } from '../models/attribute_net.js';
import { attributeHeatmaps } from '../models/localization.js';
import { type Bundle, withPrefix } from './bundle.js';
import { parseOptions } from './bundle_config.js';
import { type RawPrediction, unpackOutputs } from '../model_io/outputs.js';
import { place } from '../runs/device.js';
import type { Precision } from '../models/precision.js';
import { inPrecision, prepareInput, prepareModel, toFloat32 } from '../models/mixed_precision.js';

export class TorchPipeline {
  readonly parser: Parser;
  readonly net: AttributeNet;
  readonly masks: RegionMasks;

  /** where the networks run (resolved: cpu, cuda, cuda:N); inputs are copied there once per batch */
  readonly device: string;
  /** both networks' precision (models/precision.ts); the outputs are float32 either way */
  readonly precision: Precision;

  constructor(
    readonly bundle: Bundle,
    options: { device?: string; precision?: Precision } = {},
  ) {
    const device = (this.device = options.device ?? 'cpu');
    const precision = (this.precision = options.precision ?? 'fp32');
    const c = bundle.config;
    this.parser = new Parser({ widthMult: c.parserWidthMult });
    this.net = new AttributeNet({ widthMult: c.attributeWidthMult, attributes: c.attributeNames.length, head: 'ssp' });
    const load = (prefix: string): Map<string, Tensor> => {
      const m = new Map<string, Tensor>();
      for (const [k, e] of withPrefix(bundle.weights, prefix)) m.set(k, fromBytes(e.data, e.shape, e.dtype));
      return m;
    };
    for (const [model, prefix] of [
      [this.parser, 'parser.'],
      [this.net, 'attributes.'],
    ] as const) {
      const sd = tidy(() => load(prefix));
      try {
        model.loadStateDict(sd);
      } finally {
        for (const t of sd.values()) t.dispose();
      }
      model.eval();
      place(model, device);
      prepareModel(model, precision);
    }
    this.masks = new RegionMasks(this.parser, c.normalization, c.parserNormalization, parseOptions(c));
  }

  /** Tensors for a batch N×3×H×W (normalised with the bundle's statistics). */
  forward(x: Tensor): { probabilities: Tensor; regionWeights: Tensor; parse: Tensor; heatmaps: Tensor } {
    return noGrad(() =>
      tidy(() => {
        if (this.precision === 'fp32') {
          const { half, full } = this.masks.compute(x);
          const out = this.net.forwardDetailed(x, { masksHalf: half });
          return {
            probabilities: out.logits.sigmoid(),
            regionWeights: out.ssp!.regionWeights,
            parse: full,
            heatmaps: attributeHeatmaps(this.net, out),
          };
        }
        return inPrecision(this.precision, () => {
          const input = prepareInput(x, this.precision);
          const masks = this.masks.compute(input);
          const out = this.net.forwardDetailed(input, { masksHalf: toFloat32(masks.half) });
          return {
            probabilities: toFloat32(out.logits).sigmoid(),
            regionWeights: toFloat32(out.ssp!.regionWeights),
            parse: toFloat32(masks.full).contiguous(),
            heatmaps: toFloat32(attributeHeatmaps(this.net, out)).contiguous(),
          };
        });
      }),
    );
  }

  run(inputs: Float32Array[]): RawPrediction[] {
    const { height: h, width: w } = this.bundle.config;
    return tidy(() => {
      const batch = new Float32Array(inputs.length * 3 * h * w);
      inputs.forEach((x, i) => batch.set(x, i * 3 * h * w));
      const o = this.forward(tensor(batch, [inputs.length, 3, h, w], { device: this.device }));
      const byName = { probabilities: o.probabilities, region_weights: o.regionWeights, parse: o.parse, heatmaps: o.heatmaps };
      return unpackOutputs((name) => ({ data: byName[name].data() as Float32Array, dims: byName[name].shape }), inputs.length);
    });
  }

  dispose(): void {
    this.parser.dispose();
    this.net.dispose();
    this.masks.dispose();
  }
}
