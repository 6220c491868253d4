// `facet bench --photos DIR`: what finding and aligning the faces of a photo costs beside
// the model, through the same Predictor as `facet predict` (detect mode, the shipped model
// unless --run): per photo, decoding, the detector's first look (BlazeFace + FaceMesh on
// the photo, its shrink or ×2 retry included), the second look (FaceMesh again on each
// face's first aligned crop), the warps into CelebA's frame, and the network on the faces.
// One photo first, untimed, loads the detector and the model. Prints one JSON line.
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isFailure, Predictor, type Runtime } from '../infer/predict.js';
import { round3 } from './model_bench.js';

export interface DetectBenchOptions {
  /** a folder of photos (JPEG or PNG); the first `count` by name are timed */
  photos: string;
  count: number;
  runtime: Runtime;
  threads: number;
  /** a model bundle directory (default: the shipped model) */
  run?: string;
}

export interface DetectBenchResult {
  engine: string;
  case: 'detect-align';
  runtime: Runtime;
  threads: number;
  photos: number;
  faces: number;
  photos_without_face: number;
  unreadable: number;
  mean_pixels: number;
  /** ms per photo */
  decode_ms: number;
  detect_mesh_ms: number;
  second_look_ms: number;
  warp_ms: number;
  model_ms: number;
  /** ms per face */
  model_ms_per_face: number;
  /** photos per second, all steps */
  photo_s: number;
}

const PHOTO_EXT = new Set(['.jpg', '.jpeg', '.png']);

export async function benchDetect(o: DetectBenchOptions): Promise<DetectBenchResult> {
  if (!Number.isInteger(o.count) || o.count < 1) throw new Error(`bench --photos: --count must be an integer ≥ 1, got ${o.count}`);
  let files: string[];
  try {
    files = readdirSync(o.photos)
      .filter((f) => PHOTO_EXT.has(extname(f).toLowerCase()))
      .sort();
  } catch (e) {
    throw new Error(`bench --photos ${o.photos}: cannot list the folder (${(e as Error).message})`);
  }
  if (files.length < 2) throw new Error(`bench --photos ${o.photos}: ${files.length} JPEG/PNG file(s); at least 2 are needed (one warms up)`);
  const timed = files.slice(1, 1 + o.count).map((f) => join(o.photos, f));
  const predictor = await Predictor.open({ ...(o.run ? { run: o.run } : {}), runtime: o.runtime, threads: o.threads, batch: 1, align: 'detect' });
  try {
    await predictor.predict([join(o.photos, files[0]!)]);
    const { FaceDetector } = await import('../face/human.js');
    const detector = await FaceDetector.load();
    const engine = `human-${detector.humanVersion}-tfjs-${detector.tfjsVersion}-${detector.backend}${detector.simd ? '-simd' : ''}`;
    detector.dispose();
    const sum = { decode: 0, detect: 0, refine: 0, align: 0, model: 0, pixels: 0 };
    let faces = 0,
      noFace = 0,
      unreadable = 0;
    const t0 = performance.now();
    for (const file of timed) {
      const [r] = await predictor.predict([file]);
      if (!r || isFailure(r)) {
        unreadable++;
        continue;
      }
      sum.decode += r.timings.decode;
      sum.detect += r.timings.detect - r.timings.refine;
      sum.refine += r.timings.refine;
      sum.align += r.timings.align;
      sum.model += r.timings.model;
      sum.pixels += r.size.width * r.size.height;
      faces += r.faces.length;
      if (r.faces.length === 0) noFace++;
    }
    const wall = performance.now() - t0;
    const n = Math.max(1, timed.length - unreadable);
    return {
      engine,
      case: 'detect-align',
      runtime: o.runtime,
      threads: o.threads,
      photos: timed.length,
      faces,
      photos_without_face: noFace,
      unreadable,
      mean_pixels: Math.round(sum.pixels / n),
      decode_ms: round3(sum.decode / n),
      detect_mesh_ms: round3(sum.detect / n),
      second_look_ms: round3(sum.refine / n),
      warp_ms: round3(sum.align / n),
      model_ms: round3(sum.model / n),
      model_ms_per_face: round3(sum.model / Math.max(1, faces)),
      photo_s: round3(timed.length / (wall / 1000)),
    };
  } finally {
    await predictor.dispose();
  }
}
