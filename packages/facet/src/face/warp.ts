/**
 * Resampling a photo into a frame under a similarity transform, in plain TypeScript over
 * packed RGB bytes (no canvas, no native code: the same numbers everywhere).
 *
 * Coordinates are continuous, 0 = the image's left/top edge, so pixel (i, j) is the unit
 * square whose centre is (i + ½, j + ½). Each frame pixel's centre is mapped into the
 * photo and the photo is sampled there bilinearly. Where the frame reaches past the photo
 * the photo's edge pixels are repeated outwards (edge replication): CelebA's own aligned
 * crops of faces near a photo's border show the same streaks, and a neutral fill would
 * put a hard edge into the face frame that the networks never saw in training.
 *
 * Shrinking: where one frame pixel spans k ≥ 2 photo pixels, bilinear sampling alone
 * would skip pixels and alias, so the part of the photo under the frame is first averaged
 * over k×k blocks (k = ⌊photo pixels per frame pixel⌋) and then sampled bilinearly.
 */
import { type Similarity, applySimilarity, composeSimilarity, similarityScale } from './similarity.js';
import { type RgbImage, checkRgbImage } from '../model_io/rgb_image.js';

/** A rectangle of whole pixels. */
interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The photo pixels under the frame (with a margin for the filters), clipped to the photo; never empty. */
function footprint(frameToPhoto: Similarity, width: number, height: number, photo: RgbImage, margin: number): Rect {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const [fx, fy] of [
    [0, 0],
    [width, 0],
    [0, height],
    [width, height],
  ] as const) {
    const [x, y] = applySimilarity(frameToPhoto, fx, fy);
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const clampX = (v: number) => Math.min(Math.max(v, 0), photo.width - 1);
  const clampY = (v: number) => Math.min(Math.max(v, 0), photo.height - 1);
  const left = clampX(Math.floor(x0 - margin));
  const top = clampY(Math.floor(y0 - margin));
  const right = Math.max(left + 1, clampX(Math.ceil(x1 + margin)) + 1);
  const bottom = Math.max(top + 1, clampY(Math.ceil(y1 + margin)) + 1);
  return { left, top, width: right - left, height: bottom - top };
}

/** Means over k×k blocks of a rectangle of the photo (the last row and column of blocks may be partial). */
export function boxShrink(photo: RgbImage, rect: Rect, k: number): RgbImage {
  const w = Math.ceil(rect.width / k);
  const h = Math.ceil(rect.height / k);
  const out = new Uint8Array(w * h * 3);
  const sums = new Float64Array(w * 3);
  const counts = new Float64Array(w);
  for (let by = 0; by < h; by++) {
    sums.fill(0);
    counts.fill(0);
    const yEnd = Math.min(rect.top + (by + 1) * k, rect.top + rect.height);
    for (let y = rect.top + by * k; y < yEnd; y++) {
      const row = y * photo.width;
      for (let x = 0; x < rect.width; x++) {
        const bx = (x / k) | 0;
        const s = (row + rect.left + x) * 3;
        sums[bx * 3] += photo.data[s]!;
        sums[bx * 3 + 1] += photo.data[s + 1]!;
        sums[bx * 3 + 2] += photo.data[s + 2]!;
        counts[bx]! += 1;
      }
    }
    for (let bx = 0; bx < w; bx++) {
      const o = (by * w + bx) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(sums[bx * 3 + c]! / counts[bx]!);
    }
  }
  return { data: out, width: w, height: h };
}

/** Bilinear samples of `src` at each frame pixel's centre mapped by `frameToSrc`, edges replicated. */
function sampleBilinear(src: RgbImage, frameToSrc: Similarity, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const { data, width: sw, height: sh } = src;
  const { a, b, tx, ty } = frameToSrc;
  for (let j = 0; j < height; j++) {
    const fy = j + 0.5;
    for (let i = 0; i < width; i++) {
      const fx = i + 0.5;
      // the source point, in pixel-index units (centres at integers)
      const u = a * fx - b * fy + tx - 0.5;
      const v = b * fx + a * fy + ty - 0.5;
      const uc = Math.min(Math.max(u, 0), sw - 1);
      const vc = Math.min(Math.max(v, 0), sh - 1);
      const x0 = Math.floor(uc),
        y0 = Math.floor(vc);
      const x1 = Math.min(x0 + 1, sw - 1),
        y1 = Math.min(y0 + 1, sh - 1);
      const wx = uc - x0,
        wy = vc - y0;
      const p00 = (y0 * sw + x0) * 3,
        p01 = (y0 * sw + x1) * 3,
        p10 = (y1 * sw + x0) * 3,
        p11 = (y1 * sw + x1) * 3;
      const o = (j * width + i) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[p00 + c]! + (data[p01 + c]! - data[p00 + c]!) * wx;
        const bottom = data[p10 + c]! + (data[p11 + c]! - data[p10 + c]!) * wx;
        out[o + c] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}

/**
 * The width×height frame whose pixel centres `frameToPhoto` maps into the photo: RGB,
 * bilinear, edges replicated, box-averaged first when shrinking by 2× or more.
 */
export function warpSimilarity(photo: RgbImage, frameToPhoto: Similarity, width: number, height: number): Uint8Array {
  checkRgbImage(photo, 'warpSimilarity');
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new Error(`warpSimilarity: bad frame size ${width}×${height}`);
  const k = Math.floor(similarityScale(frameToPhoto));
  if (k < 2) return sampleBilinear(photo, frameToPhoto, width, height);
  const rect = footprint(frameToPhoto, width, height, photo, 2 * k + 2);
  const small = boxShrink(photo, rect, k);
  // photo → the shrunk rectangle: shift to its corner, then 1/k
  const toSmall: Similarity = { a: 1 / k, b: 0, tx: -rect.left / k, ty: -rect.top / k };
  return sampleBilinear(small, composeSimilarity(frameToPhoto, toSmall), width, height);
}
