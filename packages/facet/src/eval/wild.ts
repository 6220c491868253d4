// How well detect-and-align stands in for CelebA's own alignment, measured on CelebA's
// in-the-wild photos (Img/img_celeba) that also have their official aligned crop in a
// CelebA folder (same file name): where the landmarks land in the aligned crop against
// the official crop (the detector run on both), whether the model's decisions agree on
// the two, and the error against the labels for the photo, the official crop and the
// whole photo cover-cropped (what predict did before detection). Over all the photos:
// how often a face is found, the error on the largest face, and the time per photo.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findCelebAFiles, readCelebA } from '../data/celeba.js';
import { loadImage, resizeRgb } from '../data/image.js';
import { alignmentTransform } from '../face/align.js';
import type { FaceDetector, MeshPoint } from '../face/human.js';
import { fivePoints } from '../face/mesh_regions.js';
import { applySimilarity, fitResidual, fitSimilarity } from '../face/similarity.js';
import { detectInPhoto } from '../face/faces_in_photo.js';
import { readPhoto } from '../infer/preprocess.js';
import { type PredictOptions, type PredictionResult, Predictor, isFailure } from '../infer/predict.js';
import { attributeMetrics } from '../metrics/metrics.js';

export interface WildEvalOptions {
  /** a CelebA folder of in-the-wild photos (Img/img_celeba) with attribute labels */
  data: string;
  /** CelebA folders of aligned crops (full or half scale) to pair the photos with by file name */
  crops: string[];
  /** model and runtime, as predict takes them */
  predict?: Omit<PredictOptions, 'align' | 'batch'>;
  /** the first N photos (by name) only */
  limit?: number;
  onProgress?: (done: number, total: number, stage: string) => void;
}

const FRAME = { width: 178, height: 218 };
const POINTS = ['lefteye', 'righteye', 'nose', 'leftmouth', 'rightmouth'] as const;

export interface Summary {
  mean: number;
  median: number;
  p90: number;
  max: number;
}

export interface WildReport {
  model: string;
  runtime: string;
  data: string;
  crops: string[];
  photos: number;
  paired: {
    photos: number;
    /** photos whose official crop's face was among those found */
    matched: number;
    /** paired photos where it was not (no face found in the photo or the crop, or none whose mesh fits the crop's) */
    unmatched: string[];
    /** the five largest landmark distances */
    worst: Array<{ id: string; px: number }>;
    /** of those, how often the matching face was the largest */
    largest: number;
    /** the detector found no face in the official crop */
    cropMissed: number;
    /** five-point distance, aligned crop vs official crop, px in the 178×218 frame (mean over the five points) */
    landmarkPx: Summary;
    perPointPx: Record<string, number>;
    /** the same, without the detector's second pass: the photo's landmarks mapped by the fit, against the official crop's */
    fitPx: { used: number; withNose: number };
    /** share of (photo, attribute) decisions p ≥ 0.5 equal on the aligned face and the official crop */
    decisionAgreement: number;
    /** cover-cropped whole photo against the official crop */
    coverAgreement: number;
    meanAbsDeltaP: { aligned: number; cover: number };
    meanError: { photo: number; officialCrop: number; coverCrop: number };
    /** always answering each attribute's majority on these photos */
    majorityError: number;
  };
  all: {
    photos: number;
    withFace: number;
    faceFoundShare: number;
    multipleFaces: number;
    /** largest face, photos with a face */
    meanError: number;
    /** the whole photo cover-cropped, all photos */
    coverMeanError: number;
    /** the same photos as meanError */
    coverMeanErrorWithFace: number;
    majorityError: number;
    /** photos where no face was found */
    noFace: string[];
  };
  /** mean ms per photo (1 image at a time) */
  ms: { decode: number; detect: number; align: number; modelPerFace: number };
}

function summary(v: number[]): Summary {
  if (v.length === 0) return { mean: NaN, median: NaN, p90: NaN, max: NaN };
  const s = [...v].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, median: q(0.5), p90: q(0.9), max: s[s.length - 1]! };
}

type Rgb = { data: Uint8Array; width: number; height: number };

async function toFrame(img: Rgb): Promise<Rgb> {
  if (img.width === FRAME.width && img.height === FRAME.height) return img;
  return resizeRgb(img, FRAME.width, FRAME.height);
}

/** The detector's face on an aligned 178×218 crop: the one over its centre. */
async function frameFace(detector: FaceDetector, img: Rgb): Promise<{ points: Float32Array; mesh: MeshPoint[] } | null> {
  const faces = await detector.detectFaces(img);
  const f = faces.find(({ box: [x, y, w, h] }) => x <= FRAME.width / 2 && FRAME.width / 2 <= x + w && y <= FRAME.height / 2 && FRAME.height / 2 <= y + h);
  return f ? { points: fivePoints(f.mesh), mesh: f.mesh } : null;
}

/** A photo face is the official crop's when a similarity carries its 468 mesh points onto the crop's this closely (frame px, rms). */
const MATCH_PX = 6;

/**
 * Which face of the photo is the official crop's: the one whose mesh a similarity carries
 * best onto the crop's mesh (the same face fits within 1–2 frame px; another face far
 * worse). Null when none fits within MATCH_PX.
 */
function matchFace(photoMeshes: readonly MeshPoint[][], cropMesh: readonly MeshPoint[]): number | null {
  let best: { i: number; r: number } | null = null;
  for (const [i, m] of photoMeshes.entries()) {
    const n = Math.min(m.length, cropMesh.length);
    const src = m.slice(0, n),
      dst = cropMesh.slice(0, n);
    const r = fitResidual(fitSimilarity(src, dst), src, dst);
    if (!best || r < best.r) best = { i, r };
  }
  return best && best.r < MATCH_PX ? best.i : null;
}

function meanDistance(a: ArrayLike<number>, b: ArrayLike<number>, per?: number[]): number {
  let s = 0;
  for (let k = 0; k < 5; k++) {
    const d = Math.hypot(a[2 * k]! - b[2 * k]!, a[2 * k + 1]! - b[2 * k + 1]!);
    if (per) per[k]! += d;
    s += d;
  }
  return s / 5;
}

function metricsOf(probs: Float32Array[], labels: Uint8Array[], names: readonly string[]): { error: number; majority: number } {
  if (probs.length === 0) return { error: NaN, majority: NaN };
  const A = names.length;
  const p = new Float32Array(probs.length * A),
    l = new Uint8Array(probs.length * A);
  probs.forEach((x, n) => p.set(x, n * A));
  labels.forEach((x, n) => l.set(x, n * A));
  const m = attributeMetrics(p, l, names);
  return { error: m.meanError, majority: m.meanBaselineError };
}
const errorOf = (probs: Float32Array[], labels: Uint8Array[], names: readonly string[]): number => metricsOf(probs, labels, names).error;

function agreement(a: Float32Array[], b: Float32Array[]): { agree: number; meanAbs: number } {
  let same = 0,
    n = 0,
    d = 0;
  a.forEach((x, k) =>
    x.forEach((v, j) => {
      const w = b[k]![j]!;
      same += Number(v >= 0.5 === w >= 0.5);
      d += Math.abs(v - w);
      n++;
    }),
  );
  return { agree: same / n, meanAbs: d / n };
}

function ok(r: PredictionResult | { image: string; error: string }): PredictionResult {
  if (isFailure(r)) throw new Error(r.error);
  return r;
}

export async function evaluateWild(o: WildEvalOptions): Promise<WildReport> {
  const ds = readCelebA(o.data);
  let items = ds
    .items()
    .filter((i) => i.attributes)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  if (o.limit !== undefined) items = items.slice(0, o.limit);
  if (items.length === 0) throw new Error(`${o.data}: no labelled photos`);
  const cropDirs = o.crops.map((d) => {
    const dir = findCelebAFiles(d, false).imageDir;
    if (!dir) throw new Error(`--crops ${d}: no aligned crops (Img/img_align_celeba)`);
    return dir;
  });
  const cropOf = (id: string): string | undefined => cropDirs.map((d) => join(d, id)).find((p) => existsSync(p));
  const predictor = await Predictor.open({ ...o.predict, align: 'detect', batch: 1 });
  const names = predictor.config.attributeNames;
  if (names.join() !== ds.attributeNames.join()) throw new Error(`the model's attributes differ from ${o.data}'s`);
  const detector = await predictor.detector();

  const all = {
    found: [] as Float32Array[],
    labels: [] as Uint8Array[],
    cover: [] as Float32Array[],
    coverLabels: [] as Uint8Array[],
    coverFound: [] as Float32Array[],
    multiple: 0,
    noFace: [] as string[],
  };
  const pair = {
    photos: 0,
    matched: 0,
    largest: 0,
    cropMissed: 0,
    dist: [] as number[],
    per: [0, 0, 0, 0, 0],
    fitUsed: 0,
    fitNose: 0,
    unmatched: [] as string[],
    distIds: [] as string[],
    photo: [] as Float32Array[],
    official: [] as Float32Array[],
    cover: [] as Float32Array[],
    labels: [] as Uint8Array[],
  };
  const ms = { decode: 0, detect: 0, align: 0, model: 0, faces: 0 };
  try {
    for (const [k, it] of items.entries()) {
      const photo = ok((await predictor.predict([it.imagePath]))[0]!);
      const cover = ok((await predictor.predict([it.imagePath], { align: 'aligned' }))[0]!).faces[0]!;
      ms.decode += photo.timings.decode;
      ms.detect += photo.timings.detect;
      ms.align += photo.timings.align;
      ms.model += photo.timings.model;
      ms.faces += photo.faces.length;
      all.cover.push(cover.probabilities);
      all.coverLabels.push(it.attributes!);
      if (photo.faces.length > 1) all.multiple++;
      if (photo.faces.length === 0) all.noFace.push(it.id);
      if (photo.faces.length > 0) {
        all.found.push(photo.faces[0]!.probabilities);
        all.labels.push(it.attributes!);
        all.coverFound.push(cover.probabilities);
      }
      const cropPath = cropOf(it.id);
      if (cropPath) {
        pair.photos++;
        const official = ok((await predictor.predict([cropPath], { align: 'aligned' }))[0]!).faces[0]!;
        const crop = await toFrame(await loadImage(cropPath));
        const cropFace = await frameFace(detector, crop);
        if (!cropFace) pair.cropMissed++;
        // the photo's detections again, with their meshes, in the order predict used them
        const meshes = cropFace ? (await detectInPhoto(detector, await readPhoto(it.imagePath))).slice(0, photo.faces.length).map((d) => d.mesh) : [];
        const i = cropFace ? matchFace(meshes, cropFace.mesh) : null;
        const f = i === null ? null : photo.faces[i]!;
        if (f && cropFace) {
          pair.matched++;
          if (i === 0) pair.largest++;
          pair.photo.push(f.probabilities);
          pair.official.push(official.probabilities);
          pair.cover.push(cover.probabilities);
          pair.labels.push(it.attributes!);
          const again = await frameFace(detector, { data: f.aligned!.rgb, ...FRAME });
          if (again) {
            pair.dist.push(meanDistance(again.points, cropFace.points, pair.per));
            pair.distIds.push(it.id);
            // the fit alone: the photo's landmarks carried into the frame by the transform used, and by one that also fits the nose
            const lm = f.landmarks!;
            const carry = (t: ReturnType<typeof alignmentTransform>) => [0, 1, 2, 3, 4].flatMap((j) => applySimilarity(t, lm[2 * j]!, lm[2 * j + 1]!));
            pair.fitUsed += meanDistance(carry(alignmentTransform(lm)), cropFace.points);
            pair.fitNose += meanDistance(carry(alignmentTransform(lm, undefined, [1, 1, 1, 1, 1])), cropFace.points);
          }
        } else pair.unmatched.push(it.id);
      }
      o.onProgress?.(k + 1, items.length, basename(it.imagePath));
    }
  } finally {
    await predictor.dispose();
  }
  const n = items.length;
  const measured = pair.dist.length;
  const aligned = agreement(pair.photo, pair.official);
  const cover = agreement(pair.cover, pair.official);
  return {
    model: predictor.source,
    runtime: predictor.runtime,
    data: o.data,
    crops: o.crops,
    photos: n,
    paired: {
      photos: pair.photos,
      matched: pair.matched,
      unmatched: pair.unmatched,
      largest: pair.largest,
      cropMissed: pair.cropMissed,
      worst: pair.dist
        .map((px, i) => ({ id: pair.distIds[i]!, px }))
        .sort((a, b) => b.px - a.px)
        .slice(0, 5),
      landmarkPx: summary(pair.dist),
      perPointPx: Object.fromEntries(POINTS.map((p, k) => [p, pair.per[k]! / Math.max(1, measured)])),
      fitPx: { used: pair.fitUsed / Math.max(1, measured), withNose: pair.fitNose / Math.max(1, measured) },
      decisionAgreement: aligned.agree,
      coverAgreement: cover.agree,
      meanAbsDeltaP: { aligned: aligned.meanAbs, cover: cover.meanAbs },
      meanError: {
        photo: errorOf(pair.photo, pair.labels, names),
        officialCrop: errorOf(pair.official, pair.labels, names),
        coverCrop: errorOf(pair.cover, pair.labels, names),
      },
      majorityError: metricsOf(pair.official, pair.labels, names).majority,
    },
    all: {
      photos: n,
      withFace: all.found.length,
      faceFoundShare: all.found.length / n,
      multipleFaces: all.multiple,
      meanError: errorOf(all.found, all.labels, names),
      coverMeanError: errorOf(all.cover, all.coverLabels, names),
      coverMeanErrorWithFace: errorOf(all.coverFound, all.labels, names),
      majorityError: metricsOf(all.cover, all.coverLabels, names).majority,
      noFace: all.noFace,
    },
    ms: { decode: ms.decode / n, detect: ms.detect / n, align: ms.align / n, modelPerFace: ms.faces ? ms.model / ms.faces : NaN },
  };
}

export function formatWildReport(r: WildReport): string {
  const px = (v: number) => v.toFixed(2);
  const pc = (v: number) => `${(100 * v).toFixed(1)} %`;
  const p = r.paired;
  const l = p.landmarkPx;
  return [
    `model ${r.model} [${r.runtime}]; photos ${r.data}; official crops ${r.crops.join(', ')}`,
    `paired photos (an official crop of the same name): ${p.photos}; its face found in ${p.matched} (the largest face in ${p.largest}); official crop without a face found: ${p.cropMissed}`,
    ...(p.unmatched.length ? [`  not found: ${p.unmatched.join(' ')}`] : []),
    `  landmarks, aligned crop vs official crop (detector on both, 178×218 px, mean of 5 points): mean ${px(l.mean)}, median ${px(l.median)}, p90 ${px(l.p90)}, max ${px(l.max)}`,
    `    per point: ${Object.entries(p.perPointPx)
      .map(([k, v]) => `${k} ${px(v)}`)
      .join(', ')}`,
    `    largest: ${p.worst.map((w) => `${w.id} ${px(w.px)}`).join(', ')}`,
    `    the fit alone (photo landmarks carried into the frame): eyes + mouth corners (used) ${px(p.fitPx.used)}, with the nose too ${px(p.fitPx.withNose)}`,
    `  attribute decisions (p ≥ 0.5) equal to the official crop's: aligned face ${pc(p.decisionAgreement)}, whole photo cover-cropped ${pc(p.coverAgreement)}`,
    `  mean |Δp| against the official crop: aligned face ${p.meanAbsDeltaP.aligned.toFixed(4)}, cover-cropped ${p.meanAbsDeltaP.cover.toFixed(4)}`,
    `  mean error against the labels: photo (detect + align) ${pc(p.meanError.photo)}, official crop ${pc(p.meanError.officialCrop)}, photo cover-cropped ${pc(p.meanError.coverCrop)}; majority answer ${pc(p.majorityError)}`,
    `all photos: ${r.all.photos}; a face found in ${r.all.withFace} (${pc(r.all.faceFoundShare)}), several in ${r.all.multipleFaces}${r.all.noFace.length ? `; none in ${r.all.noFace.join(' ')}` : ''}`,
    `  mean error (largest face, photos with a face): ${pc(r.all.meanError)}; whole photo cover-cropped: ${pc(r.all.coverMeanErrorWithFace)} on the same photos, ${pc(r.all.coverMeanError)} on all; majority answer ${pc(r.all.majorityError)}`,
    `ms per photo (one at a time): decode ${r.ms.decode.toFixed(1)}, detection ${r.ms.detect.toFixed(1)}, alignment ${r.ms.align.toFixed(1)}; the model ${r.ms.modelPerFace.toFixed(1)} per face`,
  ].join('\n');
}
