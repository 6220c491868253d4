// `facet export onnx --int8`: the bundle graph with its conv blocks in int8 (quantize.ts),
// calibrated on normalised inputs — photos the user names, else synthetic faces rendered
// at the bundle's size — and how far its outputs stray from the float graph's on inputs
// it was not calibrated on.
import type { Bundle } from '../bundle.js';
import { FACET_VERSION } from '../../version.js';
import { synthFace } from '../../data/synth/writer.js';
import { normalizePlanar } from '../../model_io/normalize.js';
import type { RawPrediction } from '../../model_io/outputs.js';
import { argmaxRegions } from '../../model_io/parse_labels.js';
import { BUNDLE_METADATA_KEY, buildBundleGraph, exportBundleToOnnx, type OnnxExportOptions } from './export.js';
import { type CalibrationBatch, quantizedGraph } from './calibrate.js';
import type { QuantizeOptions } from './quantize.js';
import { OnnxPipeline } from './onnx_pipeline.js';

/** Metadata key describing the quantization (JSON), beside the bundle's. */
export const QUANTIZATION_METADATA_KEY = 'facet.quantization';

type BundleLike = Pick<Bundle, 'config' | 'weights'>;

export interface Int8ExportOptions extends QuantizeOptions, Pick<OnnxExportOptions, 'batch'> {
  /** normalised 3×H×W inputs to calibrate on (default: syntheticCount synthetic faces) */
  calibration?: Float32Array[];
  syntheticCount?: number;
  threads?: number;
}

/** Synthetic faces (data/synth) rendered at the bundle's size and normalised as its inputs. */
export function syntheticInputs(bundle: BundleLike, count: number, seed: number): Float32Array[] {
  const { height, width, normalization } = bundle.config;
  return Array.from({ length: count }, (_, i) => normalizePlanar(synthFace(seed, i, count, width, height).rgb, height, width, normalization));
}

function batches(inputs: Float32Array[], height: number, width: number, size = 4): CalibrationBatch[] {
  const per = 3 * height * width;
  const out: CalibrationBatch[] = [];
  for (let s = 0; s < inputs.length; s += size) {
    const part = inputs.slice(s, s + size);
    const data = new Float32Array(part.length * per);
    part.forEach((x, i) => {
      if (x.length !== per) throw new Error(`quantize: calibration input ${s + i} has ${x.length} values, 3×${height}×${width} expected`);
      data.set(x, i * per);
    });
    out.push({ data, dims: [part.length, 3, height, width] });
  }
  return out;
}

export async function exportBundleInt8(
  bundle: BundleLike,
  o: Int8ExportOptions = {},
): Promise<{ bytes: Uint8Array; nodes: number; calibrationImages: number }> {
  const { height, width } = bundle.config;
  const inputs = o.calibration ?? syntheticInputs(bundle, o.syntheticCount ?? 32, 1);
  const g = await quantizedGraph((convs) => buildBundleGraph(bundle, { batch: o.batch, convs }), batches(inputs, height, width), o);
  const quantization = {
    scheme: 'qdq',
    activations: 'uint8 per tensor (calibrated min/max)',
    weights: `int8 per output channel, ${o.weightBits ?? 7} bits`,
    calibrationImages: inputs.length,
    calibration: o.calibration ? 'user images' : 'synthetic faces',
  };
  const bytes = g.encodeModel({
    producerVersion: FACET_VERSION,
    docString: 'facet: parser + SSP attribute network (Kalayeh et al., CVPR 2017), int8 convs',
    metadata: { [BUNDLE_METADATA_KEY]: JSON.stringify(bundle.config), [QUANTIZATION_METADATA_KEY]: JSON.stringify(quantization) },
  });
  return { bytes, nodes: g.nodeCount, calibrationImages: inputs.length };
}

export interface Int8Fidelity {
  images: number;
  /** max and mean |p_int8 − p_float| over every attribute probability */
  maxProbabilityDiff: number;
  meanProbabilityDiff: number;
  /** share of attribute decisions (p ≥ 0.5) that agree */
  decisionAgreement: number;
  /** share of pixels whose most likely region agrees */
  parseAgreement: number;
}

function argmaxAgreement(a: RawPrediction, b: RawPrediction, regions: number): { same: number; total: number } {
  const plane = a.parse.length / regions;
  const [la, lb] = [argmaxRegions(a.parse, regions, plane), argmaxRegions(b.parse, regions, plane)];
  let same = 0;
  for (let p = 0; p < plane; p++) if (la[p] === lb[p]) same++;
  return { same, total: plane };
}

/** The int8 model's outputs against the float graph's on the given inputs. */
export async function int8Fidelity(bundle: BundleLike, int8Bytes: Uint8Array, inputs: Float32Array[], threads?: number): Promise<Int8Fidelity> {
  const float = await OnnxPipeline.fromBytes(exportBundleToOnnx(bundle), { threads });
  const int8 = await OnnxPipeline.fromBytes(int8Bytes, { threads });
  try {
    const regions = bundle.config.regionNames.length;
    let max = 0,
      sum = 0,
      count = 0,
      agree = 0,
      same = 0,
      pixels = 0;
    for (let s = 0; s < inputs.length; s += 4) {
      const part = inputs.slice(s, s + 4);
      const [f, q] = [await float.run(part), await int8.run(part)];
      f.forEach((fp, i) => {
        const qp = q[i]!;
        fp.probabilities.forEach((p, k) => {
          const d = Math.abs(p - qp.probabilities[k]!);
          max = Math.max(max, d);
          sum += d;
          count++;
          if (p >= 0.5 === qp.probabilities[k]! >= 0.5) agree++;
        });
        const a = argmaxAgreement(fp, qp, regions);
        same += a.same;
        pixels += a.total;
      });
    }
    return {
      images: inputs.length,
      maxProbabilityDiff: max,
      meanProbabilityDiff: sum / count,
      decisionAgreement: agree / count,
      parseAgreement: same / pixels,
    };
  } finally {
    await float.dispose();
    await int8.dispose();
  }
}
