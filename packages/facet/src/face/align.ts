/**
 * Aligning a face the way CelebA's crops are aligned: the similarity transform (rotation,
 * uniform scale, shift; no reflection) that best carries the face's detected landmarks
 * onto the template's (face/celeba_template.ts, measured on CelebA's own aligned faces),
 * then the photo warped into the template's 178×218 frame (face/warp.ts: bilinear, edges
 * replicated), and the inverse (frame → photo) for drawing results back onto the photo.
 */
import type { Landmarks } from '../data/types.js';
import { CELEBA_TEMPLATE } from './celeba_template.js';
import { type Point, type Similarity, fitResidual, fitSimilarity, invertSimilarity } from './similarity.js';
import { warpSimilarity } from './warp.js';
import type { RgbImage } from '../model_io/rgb_image.js';

export interface TemplatePoint {
  /** CelebA's landmark name (data/types.ts LANDMARK_NAMES without _x/_y) */
  name: string;
  /** mean position in the frame, continuous coordinates (0 = the frame's left/top edge) */
  x: number;
  y: number;
  /** standard deviation over the faces measured */
  sdX: number;
  sdY: number;
}

/** Where landmarks sit in an aligned frame. */
export interface AlignTemplate {
  frame: { width: number; height: number };
  /** CelebA's five landmarks in CelebA's order: left eye, right eye, nose, left and right mouth corner (left = the image's left) */
  points: readonly TemplatePoint[];
  /** how the numbers were obtained */
  measured: { faces: number; source: string; date: string; detector: string };
}

/**
 * How much each of the five points counts in the fit: eyes and mouth corners 1, the nose
 * 0. CelebA's crops do not follow the nose: in its aligned train faces the nose's x
 * spreads 7.2 px (sd, yaw) while the eyes' midpoint does not move with it (slope −0.01
 * over 300 faces). Fitting the nose as well pulls a turned face sideways: on the 403 wild
 * photos with an official crop, the photo's five points carried into the frame land
 * 1.55 px (mean) from where the detector finds them in the official crop without the
 * nose, 2.18 px with it (`facet eval-wild`, "the fit alone"; the detector's own noise
 * between two images of a face is about 1 px). The nose stays in the template for checks.
 */
export const ALIGN_WEIGHTS: readonly number[] = [1, 1, 0, 1, 1];

export function templatePoints(t: AlignTemplate = CELEBA_TEMPLATE): Point[] {
  return t.points.map((p) => [p.x, p.y] as const);
}

/** Five landmarks (10 numbers, x y pairs) as points. */
export function landmarkPoints(landmarks: Landmarks | readonly number[]): Point[] {
  if (landmarks.length !== 10) throw new Error(`five landmarks are 10 numbers (x, y each); got ${landmarks.length}`);
  return Array.from({ length: 5 }, (_, k) => [landmarks[2 * k]!, landmarks[2 * k + 1]!] as const);
}

/** The photo → frame transform of a face with these five landmarks (photo pixels, continuous coordinates). */
export function alignmentTransform(
  landmarks: Landmarks | readonly number[],
  template: AlignTemplate = CELEBA_TEMPLATE,
  weights: readonly number[] = ALIGN_WEIGHTS,
): Similarity {
  return fitSimilarity(landmarkPoints(landmarks), templatePoints(template), weights);
}

export interface AlignedFace {
  /** the face in the template's frame, packed RGB */
  rgb: Uint8Array;
  width: number;
  height: number;
  photoToFrame: Similarity;
  /** for drawing frame results (boxes, parses) back onto the photo */
  frameToPhoto: Similarity;
  /** root-mean-square distance (frame pixels) between the fitted landmarks and the template's, over the points that count */
  residual: number;
}

/** The face with these landmarks, warped from the photo into the template's frame. */
export function alignFace(
  photo: RgbImage,
  landmarks: Landmarks | readonly number[],
  template: AlignTemplate = CELEBA_TEMPLATE,
  weights: readonly number[] = ALIGN_WEIGHTS,
): AlignedFace {
  const photoToFrame = alignmentTransform(landmarks, template, weights);
  const frameToPhoto = invertSimilarity(photoToFrame);
  const { width, height } = template.frame;
  const rgb = warpSimilarity(photo, frameToPhoto, width, height);
  const residual = fitResidual(photoToFrame, landmarkPoints(landmarks), templatePoints(template), weights);
  return { rgb, width, height, photoToFrame, frameToPhoto, residual };
}
