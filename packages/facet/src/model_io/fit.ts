// The one rule that brings any image to a network's input size, shared by training
// (the decoded-image store), predict (torch and ONNX), the web page and the BBox
// landmarks: scale to cover H×W keeping the aspect ratio, then crop the centre. An
// image of the input's aspect (CelebA's aligned 178×218, and its exact half) keeps
// every pixel. Free of Node and sharp imports: the browser bundle uses it too (sharp
// resizes in Node, model_io/lanczos_resize.ts in the page).
import type { RgbImage } from './rgb_image.js';

/** An affine map x' = a·x + b·y + tx, y' = c·x + d·y + ty (continuous coordinates, 0 = the left/top edge). */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  tx: number;
  ty: number;
}

export const FIT_RULE = 'cover-centre';
export type FitRule = typeof FIT_RULE;

/** Rectangle in source pixels. */
export interface Crop {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The centred crop of a w×h source with the target's aspect ratio, in whole pixels. */
export function coverCrop(w: number, h: number, tw: number, th: number): Crop {
  const scale = Math.max(tw / w, th / h);
  const cw = Math.min(w, Math.round(tw / scale));
  const ch = Math.min(h, Math.round(th / scale));
  return { left: Math.floor((w - cw) / 2), top: Math.floor((h - ch) / 2), width: cw, height: ch };
}

/** A point in source pixels → the same point in the tw×th input made by coverCrop. */
export function toInputPixels(x: number, y: number, w: number, h: number, tw: number, th: number): [number, number] {
  const c = coverCrop(w, h, tw, th);
  return [((x - c.left) * tw) / c.width, ((y - c.top) * th) / c.height];
}

/** The fit rule backwards, as a map: input pixels → source pixels (the crop, scaled per axis). */
export function inputToSource(w: number, h: number, tw: number, th: number): Affine {
  const c = coverCrop(w, h, tw, th);
  return { a: c.width / tw, b: 0, c: 0, d: c.height / th, tx: c.left, ty: c.top };
}

/** The crop cut out of packed RGB; the image itself when the crop is all of it. */
export function cropRgb(image: RgbImage, crop: Crop): RgbImage {
  if (crop.left === 0 && crop.top === 0 && crop.width === image.width && crop.height === image.height) return image;
  const data = new Uint8Array(crop.width * crop.height * 3);
  for (let y = 0; y < crop.height; y++) {
    const from = ((crop.top + y) * image.width + crop.left) * 3;
    data.set(image.data.subarray(from, from + crop.width * 3), y * crop.width * 3);
  }
  return { data, width: crop.width, height: crop.height };
}
