// The prediction API: images (paths or bytes) → per image the attribute probabilities,
// the parse (7 regions), SSP's region weights and each attribute's localization heat map
// (spec §10), on libtorch or on onnxruntime. Used by `facet predict` and the HTTP server.
//
// This module loads no runtime itself: the torch pipeline (and with it the native
// libtorch addon) and the onnx pipeline are imported lazily, only for the runtime asked
// for, so that `--runtime onnx` never loads libtorch.
import { stat } from 'node:fs/promises';
import { type BundleConfig, readBundle } from './bundle.js';
import { resolveModelDir } from './default_model.js';
import { type RawPrediction, argmaxRegions } from './outputs.js';
import { type PreparedImage, prepareImage } from './preprocess.js';

/** Where the parse's per-pixel labels come from (infer/outputs.ts, torch-free). */
export { argmaxRegions };

export const RUNTIMES = ['torch', 'onnx'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export interface PredictOptions {
  /** a model bundle directory (bundle.json + weights.safetensors); default: the shipped model */
  run?: string;
  /** 'torch' (libtorch, default) or 'onnx' (onnxruntime-node; libtorch is never loaded) */
  runtime?: Runtime;
  /** runtime 'onnx': an exported model (`facet export onnx`) instead of exporting `run` in memory */
  onnx?: string;
  /** intra-op threads of the runtime (default: its own choice) */
  threads?: number;
  /** images per forward pass (default 8) */
  batch?: number;
}

/** A path, raw bytes (named image-1, image-2, … by position) or named bytes (e.g. an upload). */
export type ImageInput = string | Uint8Array | { name: string; data: Uint8Array };

export interface ImageSize {
  width: number;
  height: number;
}

export interface PredictionResult {
  /** the path, or the name given with the bytes */
  image: string;
  runtime: Runtime;
  /** the image's size as seen (after its EXIF orientation) */
  size: ImageSize;
  /** the model's input; the image was scaled to cover it and centre-cropped when they differ */
  inputSize: ImageSize;
  /** true when the image is not exactly the input size (cover + centre crop, infer/preprocess.ts) */
  resized: boolean;
  attributeNames: readonly string[];
  regionNames: readonly string[];
  /** A sigmoid probabilities */
  probabilities: Float32Array;
  /** R×A (row = region): per attribute, the softmax over regions of SSP's localization scores */
  regionWeights: Float32Array;
  /** H×W region index (argmax of the parse) on the model's input */
  labels: Uint8Array;
  /** R: fraction of the input's pixels labelled with each region */
  regionFractions: Float32Array;
  /** A×gridHeight×gridWidth localization heat maps (spec §10) on the last conv's grid */
  heatmaps: Float32Array;
  gridHeight: number;
  gridWidth: number;
  /** H×W×3 RGB the network saw (the crop), for overlays */
  rgb: Uint8Array;
}

export interface PredictionFailure {
  image: string;
  error: string;
}

export function isFailure(r: PredictionResult | PredictionFailure): r is PredictionFailure {
  return 'error' in r;
}

interface Engine {
  run(inputs: Float32Array[]): Promise<RawPrediction[]>;
  dispose(): Promise<void>;
}

/** A loaded model on one runtime; predict() as often as wanted, then dispose(). */
export class Predictor {
  private constructor(
    readonly config: BundleConfig,
    readonly runtime: Runtime,
    /** where the model came from (bundle directory or .onnx file) */
    readonly source: string,
    private readonly engine: Engine,
    private readonly batch: number,
  ) {}

  static async open(options: PredictOptions = {}): Promise<Predictor> {
    const runtime = options.runtime ?? (options.onnx !== undefined ? 'onnx' : 'torch');
    if (!(RUNTIMES as readonly string[]).includes(runtime)) throw new Error(`runtime must be one of ${RUNTIMES.join(', ')}, got '${runtime}'`);
    const batch = options.batch ?? 8;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be an integer ≥ 1, got ${batch}`);
    const threads = options.threads;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new Error(`threads must be an integer ≥ 1, got ${threads}`);
    if (runtime === 'onnx') {
      const { OnnxPipeline } = await import('./onnx/onnx_pipeline.js');
      const o = threads === undefined ? {} : { threads };
      if (options.onnx !== undefined) {
        if (options.run !== undefined) throw new Error('give either --run DIR or --onnx FILE, not both');
        const p = await OnnxPipeline.fromFile(options.onnx, o);
        return new Predictor(p.config, runtime, options.onnx, { run: (x) => p.run(x), dispose: () => p.dispose() }, batch);
      }
      const dir = resolveModelDir(options.run);
      const bundle = readBundle(dir);
      const p = await OnnxPipeline.fromBundle(bundle, o);
      return new Predictor(bundle.config, runtime, dir, { run: (x) => p.run(x), dispose: () => p.dispose() }, batch);
    }
    if (options.onnx !== undefined) throw new Error('an ONNX model (--onnx) runs on --runtime onnx, not torch');
    const dir = resolveModelDir(options.run);
    const bundle = readBundle(dir);
    const torch = await import('@facet/torch');
    const { TorchPipeline } = await import('./torch_pipeline.js');
    if (threads !== undefined) torch.setNumThreads(threads);
    const p = new TorchPipeline(bundle);
    return new Predictor(bundle.config, runtime, dir, {
      run: async (x) => p.run(x),
      dispose: async () => p.dispose(),
    }, batch);
  }

  /** One result per input, in order; an unreadable image gives a PredictionFailure, not a throw. */
  async predict(inputs: readonly ImageInput[]): Promise<Array<PredictionResult | PredictionFailure>> {
    const out: Array<PredictionResult | PredictionFailure> = [];
    for (let start = 0; start < inputs.length; start += this.batch) {
      const part = inputs.slice(start, start + this.batch);
      const prepared = await Promise.all(part.map(async (input, i) => {
        const name = imageName(input, start + i);
        try {
          return { name, image: await this.prepare(input, name) };
        } catch (e) {
          return { name, error: (e as Error).message };
        }
      }));
      const good = prepared.filter((p): p is { name: string; image: PreparedImage } => 'image' in p);
      const raw = good.length ? await this.engine.run(good.map((p) => p.image.input)) : [];
      let k = 0;
      for (const p of prepared) {
        if ('error' in p) out.push({ image: p.name, error: p.error! });
        else out.push(this.result(p.name, p.image, raw[k++]!));
      }
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.engine.dispose();
  }

  private async prepare(input: ImageInput, name: string): Promise<PreparedImage> {
    const c = this.config;
    if (typeof input === 'string') {
      let s;
      try {
        s = await stat(input);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(`${input}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      if (!s.isFile()) throw new Error(`${input}: not a file`);
      return prepareImage(input, c.height, c.width, c.normalization);
    }
    const data = input instanceof Uint8Array ? input : input.data;
    try {
      return await prepareImage(data, c.height, c.width, c.normalization);
    } catch (e) {
      // preprocess names bytes '<upload>'; name them as the caller did
      throw new Error((e as Error).message.replace(/^<upload>/, name));
    }
  }

  private result(name: string, image: PreparedImage, raw: RawPrediction): PredictionResult {
    const c = this.config;
    const A = c.attributeNames.length;
    const R = c.regionNames.length;
    const plane = c.height * c.width;
    if (raw.probabilities.length !== A) throw new Error(`model: ${raw.probabilities.length} probabilities for ${A} attribute names`);
    if (raw.regionWeights.length !== R * A) throw new Error(`model: ${raw.regionWeights.length} region weights, ${R}×${A} expected`);
    if (raw.parse.length !== R * plane) throw new Error(`model: parse of ${raw.parse.length} values, ${R}×${c.height}×${c.width} expected`);
    const labels = argmaxRegions(raw.parse, R, plane);
    const counts = new Float32Array(R);
    for (let i = 0; i < plane; i++) counts[labels[i]!]! += 1;
    for (let r = 0; r < R; r++) counts[r]! /= plane;
    return {
      image: name,
      runtime: this.runtime,
      size: { width: image.originalWidth, height: image.originalHeight },
      inputSize: { width: c.width, height: c.height },
      resized: image.originalWidth !== c.width || image.originalHeight !== c.height,
      attributeNames: c.attributeNames,
      regionNames: c.regionNames,
      probabilities: raw.probabilities,
      regionWeights: raw.regionWeights,
      labels,
      regionFractions: counts,
      heatmaps: raw.heatmaps,
      gridHeight: raw.gridHeight,
      gridWidth: raw.gridWidth,
      rgb: image.rgb,
    };
  }
}

function imageName(input: ImageInput, index: number): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return `image-${index + 1}`;
  return input.name;
}

/** Opens the model, predicts every input, and closes it. */
export async function predictImages(inputs: readonly ImageInput[], options: PredictOptions = {}): Promise<Array<PredictionResult | PredictionFailure>> {
  const p = await Predictor.open(options);
  try {
    return await p.predict(inputs);
  } finally {
    await p.dispose();
  }
}

/** attribute index → the region with the largest weight */
export function topRegions(p: PredictionResult): number[] {
  const A = p.attributeNames.length;
  return p.attributeNames.map((_, a) => {
    let best = 0;
    for (let r = 1; r < p.regionNames.length; r++) if (p.regionWeights[r * A + a]! > p.regionWeights[best * A + a]!) best = r;
    return best;
  });
}

/** One attribute's heat map, gridHeight×gridWidth. */
export function heatmapOf(p: PredictionResult, attribute: number): Float32Array {
  const n = p.gridHeight * p.gridWidth;
  return p.heatmaps.subarray(attribute * n, (attribute + 1) * n);
}

export interface PredictionJson {
  image: string;
  size: ImageSize;
  input_size: ImageSize;
  resized: boolean;
  runtime: Runtime;
  /** attribute → probability */
  attributes: Record<string, number>;
  /** region → fraction of the input's pixels */
  regions: Record<string, number>;
  /** attribute → { region → weight } (SSP's region weights; each sums to 1) */
  region_weights: Record<string, Record<string, number>>;
  /** attribute → the region with the largest weight */
  top_region: Record<string, string>;
  /** full only: attribute → its heat map, rows of the grid */
  heatmaps?: { grid: ImageSize; maps: Record<string, number[][]> };
  /** full only: the parse on the input, one string per row, one digit (region index) per pixel */
  parse?: { width: number; height: number; regions: string[]; rows: string[] };
}

/**
 * The prediction as plain JSON (what `facet predict --json` prints); with full, also the
 * heat maps (arrays on the grid) and the parse (what `--out` writes).
 */
export function toJson(p: PredictionResult, options: { full?: boolean } = {}): PredictionJson {
  const A = p.attributeNames.length;
  const attributes: Record<string, number> = {};
  const weights: Record<string, Record<string, number>> = {};
  const top: Record<string, string> = {};
  const tops = topRegions(p);
  p.attributeNames.forEach((name, a) => {
    attributes[name] = p.probabilities[a]!;
    const w: Record<string, number> = {};
    p.regionNames.forEach((r, ri) => (w[r] = p.regionWeights[ri * A + a]!));
    weights[name] = w;
    top[name] = p.regionNames[tops[a]!]!;
  });
  const regions: Record<string, number> = {};
  p.regionNames.forEach((r, ri) => (regions[r] = p.regionFractions[ri]!));
  const json: PredictionJson = {
    image: p.image,
    size: { ...p.size },
    input_size: { ...p.inputSize },
    resized: p.resized,
    runtime: p.runtime,
    attributes,
    regions,
    region_weights: weights,
    top_region: top,
  };
  if (options.full) {
    const maps: Record<string, number[][]> = {};
    p.attributeNames.forEach((name, a) => {
      const m = heatmapOf(p, a);
      maps[name] = Array.from({ length: p.gridHeight }, (_, y) => Array.from(m.subarray(y * p.gridWidth, (y + 1) * p.gridWidth)));
    });
    json.heatmaps = { grid: { width: p.gridWidth, height: p.gridHeight }, maps };
    const { width, height } = p.inputSize;
    if (p.regionNames.length > 10) throw new Error('toJson: the parse is written one digit per pixel (at most 10 regions)');
    const rows = Array.from({ length: height }, (_, y) => Array.from(p.labels.subarray(y * width, (y + 1) * width)).join(''));
    json.parse = { width, height, regions: [...p.regionNames], rows };
  }
  return json;
}
