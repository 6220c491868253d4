// What the server runs per image: bytes → sniffed format → pixel-count check → facet's
// Predictor (infer/predict.ts: face detection and alignment, or an aligned crop taken as
// is; preprocessing, pipeline, toJson, as `facet predict`). The
// runtime is onnxruntime-node (no native build needed), or libtorch with runtime 'torch'
// (loaded lazily, only then). The browser gets the same graph, exported once in memory —
// or, given an exported .onnx file (e.g. `facet export onnx --int8`), that file, which
// then also runs server-side.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { Bundle, BundleConfig } from '../infer/bundle.js';
import { exportBundleToOnnx } from '../infer/onnx/export.js';
import { MAX_INPUT_PIXELS } from '../infer/preprocess.js';
import { type AlignMode, type FaceJson, type PredictionJson, Predictor, isFailure, toJson } from '../infer/predict.js';
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

/** One face of `facet predict --json`, plus what an API client wants at a glance. */
export type ServeFaceJson = FaceJson & {
  /** attributes with probability ≥ 0.5, most probable first */
  predicted: string[];
  /** the five most probable attributes */
  top_attributes: Array<{ name: string; probability: number }>;
};

/** `facet predict --json`'s shape (infer/predict.ts toJson) with the faces above, the format and timings. */
export type ServePredictionJson = Omit<PredictionJson, 'faces'> & {
  faces: ServeFaceJson[];
  /** the format the bytes were (sniffed, not the declared type) */
  format: ImageFormat;
  /**
   * reading the header (format, size), the prediction as a whole, and within it decoding,
   * finding the faces (BlazeFace + FaceMesh), aligning them and the model
   */
  timings_ms: { check: number; predict: number; decode: number; detect: number; align: number; model: number };
};

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
  /** the predictor's way in ('detect' unless created otherwise) */
  readonly align: AlignMode;
  /** `align` overrides the predictor's for this image */
  predict(bytes: Uint8Array, format: ImageFormat, maxPixels: number, align?: AlignMode): Promise<ServePredictionJson>;
  dispose(): Promise<void>;
}

export function modelSummary(config: BundleConfig, runtime: ServeRuntime): ModelSummary {
  return {
    description: config.description ?? null,
    method: config.method,
    attributes: config.attributeNames.length,
    regions: config.regionNames.length,
    input: { height: config.height, width: config.width },
    runtime,
  };
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

export interface PredictorOptions {
  runtime?: ServeRuntime;
  /** intra-op threads of onnxruntime (default: cores / concurrency) */
  threads?: number;
  concurrency?: number;
  /** 'detect' (default): find and align the faces; 'aligned': uploads are aligned face crops */
  align?: AlignMode;
}

/** A model bundle (exported in memory for the browser), or an exported .onnx file (onnx runtime only). */
export type ServeModel = { bundle: Bundle } | { onnxFile: string };

export async function createPredictor(model: ServeModel, o: PredictorOptions = {}): Promise<ServePredictor> {
  const runtime = o.runtime ?? 'onnx';
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / (o.concurrency ?? 1)));
  const align = o.align ?? 'detect';
  let onnx: Uint8Array, predictor: Predictor;
  // the same predictor as `facet predict` (preprocessing, runtimes, JSON); one image per call
  if ('onnxFile' in model) {
    if (runtime !== 'onnx') throw new Error(`an ONNX model (--onnx) runs on --runtime onnx, not ${runtime}`);
    try {
      onnx = new Uint8Array(readFileSync(model.onnxFile));
    } catch (e) {
      throw new Error(`${model.onnxFile}: ${(e as Error).message}`, { cause: e });
    }
    predictor = await Predictor.open({ onnxModel: { bytes: onnx, source: model.onnxFile }, runtime, threads, batch: 1, align });
  } else {
    // exported once: the page downloads these bytes and the onnx runtime runs the same ones
    onnx = exportBundleToOnnx(model.bundle);
    predictor =
      runtime === 'onnx'
        ? await Predictor.open({ onnxModel: { bytes: onnx, source: model.bundle.dir }, runtime, threads, batch: 1, align })
        : await Predictor.open({ run: model.bundle.dir, runtime, threads, batch: 1, align });
  }
  const config = predictor.config;
  return {
    config,
    runtime,
    onnx,
    align,
    async predict(bytes, format, maxPixels, mode) {
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
      const t1 = performance.now();
      const [r] = await predictor.predict([{ name: 'upload', data: bytes, header: { width: meta.width, height: meta.height } }], { align: mode ?? align });
      const t2 = performance.now();
      if (!r) throw new Error('the predictor returned no result');
      if (isFailure(r)) throw new HttpError(400, r.error.replace(/^upload: /, ''));
      const json = toJson(r);
      const t = r.timings;
      return {
        ...json,
        faces: json.faces.map((f) => {
          const byProb = Object.entries(f.attributes).sort((x, y) => y[1] - x[1]);
          return {
            ...f,
            predicted: byProb.filter(([, p]) => p >= 0.5).map(([name]) => name),
            top_attributes: byProb.slice(0, 5).map(([name, probability]) => ({ name, probability })),
          };
        }),
        format,
        timings_ms: {
          check: round(t1 - t0),
          predict: round(t2 - t1),
          decode: round(t.decode),
          detect: round(t.detect),
          align: round(t.align),
          model: round(t.model),
        },
      };
    },
    dispose: () => predictor.dispose(),
  };
}
