// What the server runs per image: bytes → sniffed format → pixel-count check → the
// bundle's preprocessing (infer/preprocess.ts) → the pipeline → JSON. The pipeline is
// onnxruntime-node on the graph exported in memory (no native build needed), or libtorch
// with runtime 'torch' (loaded lazily, only then).
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { Bundle, BundleConfig } from '../infer/bundle.js';
import { exportBundleToOnnx } from '../infer/onnx/export.js';
import { OnnxPipeline } from '../infer/onnx/onnx_pipeline.js';
import type { RawPrediction } from '../infer/outputs.js';
import { MAX_INPUT_PIXELS, prepareImage } from '../infer/preprocess.js';
import { HttpError } from './body.js';

export type ServeRuntime = 'onnx' | 'torch';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export const CONTENT_TYPES: Readonly<Record<string, ImageFormat>> = {
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/pjpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/** The format the bytes say they are (magic numbers), or null: nothing else reaches the decoder. */
export function sniffImage(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) return 'png';
  const ascii = (from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return null;
}

export interface PredictionJson {
  attributes: Record<string, number>;
  /** attributes with probability ≥ 0.5, most probable first */
  predicted: string[];
  /** the five most probable attributes */
  top_attributes: Array<{ name: string; probability: number }>;
  /** attribute → region → SSP weight (softmax over regions) */
  region_weights: Record<string, Record<string, number>>;
  /** attribute → its strongest region */
  top_regions: Record<string, { region: string; weight: number }>;
  /** fraction of the H×W input whose most probable region is each region */
  parse_fractions: Record<string, number>;
  image: { format: ImageFormat; width: number; height: number };
  input: { width: number; height: number };
  runtime: ServeRuntime;
  timings_ms: { decode: number; inference: number };
}

export interface ModelSummary {
  description: string | null;
  method: string;
  attributes: number;
  regions: number;
  input: { height: number; width: number };
  runtime: ServeRuntime;
}

export interface ServePredictor {
  readonly config: BundleConfig;
  readonly runtime: ServeRuntime;
  /** the ONNX graph the browser runs (exported once, kept in memory) */
  readonly onnx: Uint8Array;
  predict(bytes: Uint8Array, format: ImageFormat, maxPixels: number): Promise<PredictionJson>;
  dispose(): Promise<void>;
}

export function modelSummary(config: BundleConfig, runtime: ServeRuntime): ModelSummary {
  return {
    description: config.description ?? null, method: config.method, attributes: config.attributeNames.length,
    regions: config.regionNames.length, input: { height: config.height, width: config.width }, runtime,
  };
}

const round = (x: number, digits = 6): number => Number(x.toFixed(digits));

export function predictionJson(config: BundleConfig, raw: RawPrediction): Omit<PredictionJson, 'image' | 'input' | 'runtime' | 'timings_ms'> {
  const A = config.attributeNames;
  const R = config.regionNames;
  const probs = A.map((name, a) => ({ name, probability: round(raw.probabilities[a]!) }));
  const byProb = [...probs].sort((x, y) => y.probability - x.probability);
  const regionWeights: Record<string, Record<string, number>> = {};
  const topRegions: Record<string, { region: string; weight: number }> = {};
  A.forEach((name, a) => {
    const w: Record<string, number> = {};
    let best = 0;
    R.forEach((r, k) => {
      const v = raw.regionWeights[k * A.length + a]!;
      w[r] = round(v);
      if (v > raw.regionWeights[best * A.length + a]!) best = k;
    });
    regionWeights[name] = w;
    topRegions[name] = { region: R[best]!, weight: round(raw.regionWeights[best * A.length + a]!) };
  });
  const plane = config.height * config.width;
  const counts = new Array<number>(R.length).fill(0);
  for (let p = 0; p < plane; p++) {
    let best = 0;
    for (let k = 1; k < R.length; k++) if (raw.parse[k * plane + p]! > raw.parse[best * plane + p]!) best = k;
    counts[best]!++;
  }
  return {
    attributes: Object.fromEntries(probs.map((p) => [p.name, p.probability])),
    predicted: byProb.filter((p) => p.probability >= 0.5).map((p) => p.name),
    top_attributes: byProb.slice(0, 5),
    region_weights: regionWeights,
    top_regions: topRegions,
    parse_fractions: Object.fromEntries(R.map((r, k) => [r, round(counts[k]! / plane)])),
  };
}

export interface PredictorOptions {
  runtime?: ServeRuntime;
  /** intra-op threads of onnxruntime (default: cores / concurrency) */
  threads?: number;
  concurrency?: number;
}

export async function createPredictor(bundle: Bundle, o: PredictorOptions = {}): Promise<ServePredictor> {
  const runtime = o.runtime ?? 'onnx';
  const config = bundle.config;
  const onnx = exportBundleToOnnx(bundle);
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / (o.concurrency ?? 1)));
  let run: (x: Float32Array) => Promise<RawPrediction>;
  let dispose: () => Promise<void>;
  if (runtime === 'onnx') {
    const pipeline = await OnnxPipeline.fromBytes(onnx, { threads });
    run = async (x) => (await pipeline.run([x]))[0]!;
    dispose = () => pipeline.dispose();
  } else {
    const { TorchPipeline } = await import('../infer/torch_pipeline.js');
    const pipeline = new TorchPipeline(bundle);
    run = async (x) => pipeline.run([x])[0]!;
    dispose = async () => {};
  }
  return {
    config, runtime, onnx,
    async predict(bytes, format, maxPixels) {
      const t0 = performance.now();
      let meta: sharp.Metadata;
      try {
        meta = await sharp(bytes, { limitInputPixels: false }).metadata();
      } catch (e) {
        throw new HttpError(400, `not a readable ${format} image (${(e as Error).message})`);
      }
      if (!meta.width || !meta.height) throw new HttpError(400, `not a readable ${format} image (no size)`);
      const pixels = meta.width * meta.height;
      const limit = Math.min(maxPixels, MAX_INPUT_PIXELS);
      if (pixels > limit) {
        throw new HttpError(413, `image is ${meta.width}×${meta.height} = ${pixels} pixels, over the limit of ${limit} (--max-pixels)`);
      }
      let input: Float32Array;
      try {
        input = (await prepareImage(bytes, config.height, config.width, config.normalization)).input;
      } catch (e) {
        throw new HttpError(400, (e as Error).message.replace(/^<upload>: /, ''));
      }
      const t1 = performance.now();
      const raw = await run(input);
      const t2 = performance.now();
      return {
        ...predictionJson(config, raw),
        image: { format, width: meta.width, height: meta.height },
        input: { width: config.width, height: config.height },
        runtime,
        timings_ms: { decode: round(t1 - t0, 1), inference: round(t2 - t1, 1) },
      };
    },
    dispose,
  };
}
