// The model in the browser: bundle config from /model.json, the graph from /model.onnx,
// run by onnxruntime-web (wasm; threads when the page is cross-origin isolated).
// Preprocessing and output unpacking are src/model_io/'s, as in Node: the fit rule (cover
// H×W, the same whole-pixel centre crop, Lanczos-3 as sharp), normalised per channel, planar 3×H×W.
import * as ort from 'onnxruntime-web/wasm';
import { coverCrop, cropRgb } from '../../src/model_io/fit.js';
import { resizeLanczos3 } from '../../src/model_io/lanczos_resize.js';
import { normalizePlanar } from '../../src/model_io/normalize.js';
import { INPUT_NAME, type RawPrediction, unpackOutputs } from '../../src/model_io/outputs.js';
import type { RgbImage } from '../../src/model_io/rgb_image.js';
import { rgbToImageData } from './rgb.js';
import type { BundleConfig } from '../../src/infer/bundle_config.js';

/** What /model.json serves: the bundle's settings (src/infer/bundle.ts) and the graph's size. */
export type ModelConfig = Pick<BundleConfig, 'height' | 'width' | 'attributeNames' | 'regionNames' | 'normalization' | 'description'> & {
  onnxBytes?: number;
};

export interface Model {
  config: ModelConfig;
  session: ort.InferenceSession;
  threads: number;
}

/** The graph's outputs for one image (as the server's runtimes give them), and the time taken. */
export interface Prediction extends RawPrediction {
  ms: number;
}

async function fetchBytes(url: string, onProgress?: (loaded: number, total: number) => void): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress?.(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function loadModel(onProgress?: (loaded: number, total: number) => void): Promise<Model> {
  const res = await fetch('/model.json');
  if (!res.ok) throw new Error(`/model.json: HTTP ${res.status}`);
  const config = (await res.json()) as ModelConfig;
  ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
  const threads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.wasm.numThreads = threads;
  const bytes = await fetchBytes('/model.onnx', onProgress);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return { config, session, threads };
}

export interface Prepared {
  input: Float32Array;
  /** the H×W RGBA the network saw */
  pixels: ImageData;
}

/**
 * The fit rule (src/model_io/fit.ts): the centred cover crop, resized to W×H with Lanczos-3 as
 * sharp does in Node (src/model_io/lanczos_resize.ts; a W×H image passes unchanged), then
 * planar normalised floats (src/model_io/normalize.ts).
 */
export function preprocess(image: RgbImage, config: ModelConfig): Prepared {
  const { width: W, height: H, normalization: norm } = config;
  const rgb = resizeLanczos3(cropRgb(image, coverCrop(image.width, image.height, W, H)), W, H);
  const input = normalizePlanar(rgb.data, H, W, norm);
  return { input, pixels: rgbToImageData(rgb) };
}

export async function predict(model: Model, input: Float32Array): Promise<Prediction> {
  const { height: H, width: W } = model.config;
  const t0 = performance.now();
  const out = await model.session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [1, 3, H, W]) });
  const ms = performance.now() - t0;
  try {
    const [result] = unpackOutputs((name) => {
      const t = out[name];
      if (!t) throw new Error(`the model has no output '${name}'`);
      return { data: t.data as Float32Array, dims: t.dims };
    }, 1);
    return { ...result!, ms };
  } finally {
    for (const t of Object.values(out)) t.dispose();
  }
}
