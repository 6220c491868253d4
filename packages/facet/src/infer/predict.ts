// The prediction API: photos (paths or bytes) → per photo its faces, each with the
// attribute probabilities, the parse (7 regions), SSP's region weights and each
// attribute's localization heat map (spec §10), on libtorch or on onnxruntime. Used by
// `facet predict` and the HTTP server.
//
// Two ways in (`align`): 'detect' (default) finds the faces of any photo and aligns each
// as CelebA's crops are aligned (face/faces_in_photo.ts) before the network sees it;
// 'aligned' takes the image as an already aligned crop and brings it to the input by the
// fit rule (cover + centre crop), one "face" per image. A photo without a face gets no
// prediction: an empty face list and a note.
//
// This module loads no runtime itself: the torch pipeline (and with it the native
// libtorch addon), the onnx pipeline and the face detector are imported lazily, only when
// asked for, so that `--runtime onnx` never loads libtorch.
import { PRECISIONS, isPrecision, type Precision } from '../models/precision.js';
import { stat } from 'node:fs/promises';
import { checkThreads } from '@facet/torch/threads';
import type { UprightImage } from '../data/image.js';
import type { Landmarks } from '../data/types.js';
import type { FaceDetector } from '../face/human.js';
import { DEFAULT_MAX_FACES, detectorMaxFaces } from '../face/find_faces.js';
import { boxShrink } from '../face/warp.js';
import { type BundleConfig, readBundle } from './bundle.js';
import { coverCrop, inputToSource } from '../model_io/fit.js';
import { resolveModelDir } from './default_model.js';
import { type RawPrediction, nonFiniteOutput } from '../model_io/outputs.js';
import { argmaxRegions, regionFractions } from '../model_io/parse_labels.js';
import { composeAffine, drawParsesOnPhoto, previewSize } from './photo_parse.js';
import type { Affine } from '../model_io/fit.js';
import { MAX_INPUT_PIXELS, prepareRgb, readPhoto } from './preprocess.js';

export { type FaceJson, type PredictionJson, type PhotoParseJson, heatmapOf, toJson } from './prediction_json.js';

export const RUNTIMES = ['torch', 'onnx'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const ALIGN_MODES = ['detect', 'aligned'] as const;
/** 'detect': find and align every face of any photo; 'aligned': the image already is an aligned face crop (CelebA's) */
export type AlignMode = (typeof ALIGN_MODES)[number];

export { DEFAULT_MAX_FACES } from '../face/find_faces.js';

export interface PredictOptions {
  /** a model bundle directory (bundle.json + weights.safetensors); default: the shipped model */
  run?: string;
  /** 'torch' (libtorch, default) or 'onnx' (onnxruntime-node; libtorch is never loaded) */
  runtime?: Runtime;
  /** runtime 'onnx': an exported model (`facet export onnx`) instead of exporting `run` in memory */
  onnx?: string;
  /** runtime 'onnx': an exported model already in memory (serve exports or reads it once), named by source */
  onnxModel?: { bytes: Uint8Array; source: string };
  /** intra-op threads of the runtime (default: its own choice) */
  threads?: number;
  /** runtime 'torch': fp32 (default) or bf16 (models/precision.ts) */
  precision?: Precision;
  /** faces per forward pass (default 8) */
  batch?: number;
  /** 'detect' (default): find and align the faces of any photo; 'aligned': inputs are aligned crops */
  align?: AlignMode;
  /** most faces predicted per photo, largest first (default 8) */
  maxFaces?: number;
  /** runtime 'torch': cpu (default), cuda, cuda:N or auto */
  device?: string;
}

/**
 * A path, raw bytes (named image-1, image-2, … by position) or named bytes (e.g. an upload);
 * `header`: the bytes' size as their header gives it, when the caller has read it already
 * (serve, to check its pixel limit), so that it is not read twice.
 */
export type ImageInput = string | Uint8Array | { name: string; data: Uint8Array; header?: ImageSize };

export interface ImageSize {
  width: number;
  height: number;
}

/** x, y (top-left corner), width, height in photo pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One face's prediction, on the network's input (the aligned crop brought to the input size). */
export interface FacePrediction {
  /** detect: the detector's box; aligned: the part of the image the network saw (the cover crop) */
  box: Box;
  /** detect: Human's face score (0..1); aligned: null */
  score: number | null;
  /** detect: CelebA's five landmarks in photo pixels (continuous coordinates, CelebA's order); aligned: null */
  landmarks: Landmarks | null;
  /** detect: the face in CelebA's 178×218 frame, as cut from the photo; aligned: null */
  aligned: { rgb: Uint8Array; width: number; height: number } | null;
  /** the network's input pixels → photo pixels (continuous coordinates), to draw results back */
  inputToPhoto: Affine;
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
  /** H×W×3 RGB the network saw, for overlays */
  rgb: Uint8Array;
}

export interface PredictionResult {
  /** the path, or the name given with the bytes */
  image: string;
  runtime: Runtime;
  align: AlignMode;
  /** the image's size as seen (after its EXIF orientation) */
  size: ImageSize;
  /** the model's input */
  inputSize: ImageSize;
  attributeNames: readonly string[];
  regionNames: readonly string[];
  /** largest first; empty when no face was found (detect) */
  faces: FacePrediction[];
  /** why there is no prediction (no face found); absent otherwise */
  note?: string;
  /** the photo reduced by a whole factor (`scale`) to a long side of at most 512 px, for reports */
  preview: { rgb: Uint8Array; width: number; height: number; scale: number };
  /** region index per preview pixel: each face's parse drawn back onto the photo, background elsewhere */
  photoLabels: Uint8Array;
  /** ms: decode, detect (BlazeFace + FaceMesh), of which refine (the second looks, on each face's first aligned crop), align (warps), model (this photo's share of its forward passes) */
  timings: { decode: number; detect: number; refine: number; align: number; model: number };
}

export interface PredictionFailure {
  image: string;
  error: string;
}

export function isFailure(r: PredictionResult | PredictionFailure): r is PredictionFailure {
  return 'error' in r;
}

export const NO_FACE_NOTE = "no face found: nothing was predicted (pass --aligned if the image is an aligned face crop, as CelebA's)";

interface Engine {
  run(inputs: Float32Array[]): Promise<RawPrediction[]>;
  dispose(): Promise<void>;
}

/** A photo ready for the network: its faces' inputs and where they came from. */
interface PreparedPhoto {
  photo: UprightImage;
  faces: Array<
    Omit<FacePrediction, 'probabilities' | 'regionWeights' | 'labels' | 'regionFractions' | 'heatmaps' | 'gridHeight' | 'gridWidth'> & { input: Float32Array }
  >;
  timings: PredictionResult['timings'];
}

const SIM_TO_AFFINE = (s: { a: number; b: number; tx: number; ty: number }): Affine => ({ a: s.a, b: -s.b, c: s.b, d: s.a, tx: s.tx, ty: s.ty });

/** A loaded model on one runtime; predict() as often as wanted, then dispose(). */
export class Predictor {
  #detector: Promise<FaceDetector> | null = null;

  private constructor(
    readonly config: BundleConfig,
    readonly runtime: Runtime,
    /** where the model came from (bundle directory or .onnx file) */
    readonly source: string,
    private readonly engine: Engine,
    private readonly batch: number,
    readonly align: AlignMode,
    readonly maxFaces: number,
  ) {}

  static async open(options: PredictOptions = {}): Promise<Predictor> {
    const runtime = options.runtime ?? (options.onnx !== undefined || options.onnxModel !== undefined ? 'onnx' : 'torch');
    if (!(RUNTIMES as readonly string[]).includes(runtime)) throw new Error(`runtime must be one of ${RUNTIMES.join(', ')}, got '${runtime}'`);
    const align = options.align ?? 'detect';
    if (!(ALIGN_MODES as readonly string[]).includes(align)) throw new Error(`align must be one of ${ALIGN_MODES.join(', ')}, got '${align}'`);
    const batch = options.batch ?? 8;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be an integer ≥ 1, got ${batch}`);
    const maxFaces = options.maxFaces ?? DEFAULT_MAX_FACES;
    if (!Number.isInteger(maxFaces) || maxFaces < 1) throw new Error(`maxFaces must be an integer ≥ 1, got ${maxFaces}`);
    const threads = options.threads;
    const precision = options.precision ?? 'fp32';
    if (!isPrecision(precision)) throw new Error(`precision must be one of ${PRECISIONS.join(', ')}, got '${String(precision)}'`);
    if (runtime === 'onnx' && precision !== 'fp32')
      throw new Error(`precision ${precision} runs on the torch runtime; onnx runs the float graph (facet export onnx --int8 for int8)`);
    if (threads !== undefined) checkThreads(threads, 'threads');
    const make = (config: BundleConfig, source: string, engine: Engine) => new Predictor(config, runtime, source, engine, batch, align, maxFaces);
    let p: Predictor;
    if (runtime === 'onnx') {
      if ((options.device ?? 'cpu') !== 'cpu')
        throw new Error(`--device ${options.device}: only --runtime torch runs on a chosen device (onnxruntime-node here runs on the CPU)`);
      const { OnnxPipeline } = await import('./onnx/onnx_pipeline.js');
      const o = threads === undefined ? {} : { threads };
      if (options.onnxModel !== undefined) {
        const { bytes, source } = options.onnxModel;
        const pipe = await OnnxPipeline.fromBytes(bytes, o).catch((e: Error) => {
          throw new Error(`${source}: ${e.message}`, { cause: e });
        });
        p = make(pipe.config, source, { run: (x) => pipe.run(x), dispose: () => pipe.dispose() });
      } else if (options.onnx !== undefined) {
        if (options.run !== undefined) throw new Error('give either --run DIR or --onnx FILE, not both');
        const pipe = await OnnxPipeline.fromFile(options.onnx, o);
        p = make(pipe.config, options.onnx, { run: (x) => pipe.run(x), dispose: () => pipe.dispose() });
      } else {
        const dir = resolveModelDir(options.run);
        const bundle = readBundle(dir);
        const pipe = await OnnxPipeline.fromBundle(bundle, o);
        p = make(bundle.config, dir, { run: (x) => pipe.run(x), dispose: () => pipe.dispose() });
      }
    } else {
      if (options.onnx !== undefined || options.onnxModel !== undefined) throw new Error('an ONNX model (--onnx) runs on --runtime onnx, not torch');
      // before the bundle is read: a CUDA request this libtorch cannot serve fails at once
      const { resolveDevice } = await import('../runs/device.js');
      const device = resolveDevice(options.device);
      const dir = resolveModelDir(options.run);
      const bundle = readBundle(dir);
      const torch = await import('@facet/torch');
      const { TorchPipeline } = await import('./torch_pipeline.js');
      if (threads !== undefined) torch.setNumThreads(threads);
      const pipe = new TorchPipeline(bundle, { device, precision });
      p = make(bundle.config, dir, { run: async (x) => pipe.run(x), dispose: async () => pipe.dispose() });
    }
    if (align === 'detect') {
      // load the detector now, so that a broken install fails at once rather than per photo
      try {
        await p.detector();
      } catch (e) {
        await p.dispose();
        throw e;
      }
    }
    return p;
  }

  /** The face detector (BlazeFace + FaceMesh on wasm), loaded on first use; Human's models are shared per process. */
  detector(): Promise<FaceDetector> {
    this.#detector ??= (async () => {
      const { FaceDetector } = await import('../face/human.js');
      return FaceDetector.load({ maxFaces: detectorMaxFaces(this.maxFaces) });
    })();
    this.#detector.catch(() => (this.#detector = null));
    return this.#detector;
  }

  /**
   * One result per input, in order; an unreadable image gives a PredictionFailure, not a
   * throw, and a photo without a face a result with no faces and a note. `align`
   * overrides the predictor's mode for this call.
   */
  async predict(inputs: readonly ImageInput[], options: { align?: AlignMode } = {}): Promise<Array<PredictionResult | PredictionFailure>> {
    const align = options.align ?? this.align;
    if (!(ALIGN_MODES as readonly string[]).includes(align)) throw new Error(`align must be one of ${ALIGN_MODES.join(', ')}, got '${align}'`);
    const detector = align === 'detect' ? await this.detector() : null;
    const out: Array<PredictionResult | PredictionFailure> = [];
    for (let start = 0; start < inputs.length; start += this.batch) {
      const part = inputs.slice(start, start + this.batch);
      const prepareOne = async (input: ImageInput, i: number) => {
        const name = imageName(input, start + i);
        try {
          return { name, photo: await this.prepare(input, name, detector) };
        } catch (e) {
          return { name, error: (e as Error).message };
        }
      };
      // detections run one at a time (Human's state is shared), so photos are prepared in
      // turn and each one's detect time is its own, not its wait; aligned crops in parallel
      const prepared: Array<Awaited<ReturnType<typeof prepareOne>>> = [];
      if (detector) for (const [i, input] of part.entries()) prepared.push(await prepareOne(input, i));
      else prepared.push(...(await Promise.all(part.map(prepareOne))));
      // every face of the part through the network, `batch` at a time
      const queue = prepared.flatMap((p, k) => ('photo' in p ? p.photo!.faces.map((f) => ({ k, input: f.input })) : []));
      const raw: RawPrediction[] = [];
      const modelMs = new Float64Array(prepared.length);
      for (let s = 0; s < queue.length; s += this.batch) {
        const chunk = queue.slice(s, s + this.batch);
        const t0 = performance.now();
        const got = await this.engine.run(chunk.map((q) => q.input));
        got.forEach((g, i) => {
          const bad = nonFiniteOutput(g);
          if (bad)
            throw new Error(
              `${this.source}: the model's output for ${prepared[chunk[i]!.k]!.name} is not finite (${bad}); its weights or normalisation are broken`,
            );
        });
        raw.push(...got);
        const each = (performance.now() - t0) / chunk.length;
        for (const q of chunk) modelMs[q.k]! += each;
      }
      let r = 0;
      for (const [k, p] of prepared.entries()) {
        if ('error' in p) {
          out.push({ image: p.name, error: p.error! });
          continue;
        }
        const photo = p.photo!;
        photo.timings.model = modelMs[k]!;
        out.push(this.result(p.name, align, photo, raw.slice(r, r + photo.faces.length)));
        r += photo.faces.length;
      }
    }
    return out;
  }

  async dispose(): Promise<void> {
    const d = this.#detector;
    this.#detector = null;
    if (d) (await d.catch(() => null))?.dispose();
    await this.engine.dispose();
  }

  private async decode(input: ImageInput, name: string): Promise<UprightImage> {
    if (typeof input === 'string') {
      let s;
      try {
        s = await stat(input);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(`${input}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      if (!s.isFile()) throw new Error(`${input}: not a file`);
      return readPhoto(input);
    }
    const [data, header] = input instanceof Uint8Array ? [input, undefined] : [input.data, input.header];
    try {
      return await readPhoto(data, header);
    } catch (e) {
      // preprocess names bytes '<upload>'; name them as the caller did
      throw new Error((e as Error).message.replace(/^<upload>/, name));
    }
  }

  private async prepare(input: ImageInput, name: string, detector: FaceDetector | null): Promise<PreparedPhoto> {
    const c = this.config;
    const t0 = performance.now();
    const photo = await this.decode(input, name);
    const timings = { decode: performance.now() - t0, detect: 0, refine: 0, align: 0, model: 0 };
    if (!detector) {
      // the image is the face: the fit rule, as training's store
      const img = await prepareRgb(photo, c.height, c.width, c.normalization);
      const toPhoto = inputToSource(photo.width, photo.height, c.width, c.height);
      const crop = coverCrop(photo.width, photo.height, c.width, c.height);
      return {
        photo,
        timings,
        faces: [
          {
            box: { x: crop.left, y: crop.top, width: crop.width, height: crop.height },
            score: null,
            landmarks: null,
            aligned: null,
            inputToPhoto: toPhoto,
            rgb: img.rgb,
            input: img.input,
          },
        ],
      };
    }
    const { facesInImage } = await import('../face/faces_in_photo.js');
    const found = await facesInImage(photo, { detector, maxFaces: this.maxFaces });
    timings.detect = found.detectMs;
    timings.refine = found.refineMs;
    timings.align = found.alignMs;
    const faces = await Promise.all(
      found.faces.map(async (f) => {
        const a = f.aligned;
        const img = await prepareRgb({ data: a.rgb, width: a.width, height: a.height }, c.height, c.width, c.normalization);
        const [x, y, w, h] = f.box;
        return {
          box: { x, y, width: w, height: h },
          score: f.score,
          landmarks: f.landmarks,
          aligned: { rgb: a.rgb, width: a.width, height: a.height },
          // input → frame (the fit rule) → photo
          inputToPhoto: composeAffine(inputToSource(a.width, a.height, c.width, c.height), SIM_TO_AFFINE(a.frameToPhoto)),
          rgb: img.rgb,
          input: img.input,
        };
      }),
    );
    return { photo, faces, timings };
  }

  private result(name: string, align: AlignMode, prepared: PreparedPhoto, raws: RawPrediction[]): PredictionResult {
    const c = this.config;
    const A = c.attributeNames.length;
    const R = c.regionNames.length;
    const plane = c.height * c.width;
    const faces = prepared.faces.map((f, i): FacePrediction => {
      const raw = raws[i]!;
      if (raw.probabilities.length !== A) throw new Error(`model: ${raw.probabilities.length} probabilities for ${A} attribute names`);
      if (raw.regionWeights.length !== R * A) throw new Error(`model: ${raw.regionWeights.length} region weights, ${R}×${A} expected`);
      if (raw.parse.length !== R * plane) throw new Error(`model: parse of ${raw.parse.length} values, ${R}×${c.height}×${c.width} expected`);
      const labels = argmaxRegions(raw.parse, R, plane);
      const { input: _input, ...rest } = f;
      return {
        ...rest,
        probabilities: raw.probabilities,
        regionWeights: raw.regionWeights,
        labels,
        regionFractions: regionFractions(labels, R),
        heatmaps: raw.heatmaps,
        gridHeight: raw.gridHeight,
        gridWidth: raw.gridWidth,
      };
    });
    const { photo } = prepared;
    const size = previewSize(photo.width, photo.height);
    const small = size.scale === 1 ? photo : boxShrink(photo, { left: 0, top: 0, width: photo.width, height: photo.height }, size.scale);
    const preview = { rgb: small.data, width: small.width, height: small.height, scale: size.scale };
    const result: PredictionResult = {
      image: name,
      runtime: this.runtime,
      align,
      size: { width: photo.width, height: photo.height },
      inputSize: { width: c.width, height: c.height },
      attributeNames: c.attributeNames,
      regionNames: c.regionNames,
      faces,
      preview,
      photoLabels: drawParsesOnPhoto(faces, { width: c.width, height: c.height }, preview),
      timings: prepared.timings,
    };
    if (faces.length === 0) result.note = NO_FACE_NOTE;
    return result;
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

export { MAX_INPUT_PIXELS };
