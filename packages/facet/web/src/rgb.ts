// Packed RGB (what src/face/ works on, as sharp gives it in Node) to and from the page's
// canvases. Opaque photos only: alpha is dropped on the way in and set to 255 on the way out.
import type { RgbImage } from '../../src/face/warp.js';

function context(width: number, height: number): OffscreenCanvasRenderingContext2D {
  return new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
}

function fromRgba(rgba: Uint8ClampedArray, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; q < data.length; p += 4, q += 3) {
    data[q] = rgba[p]!;
    data[q + 1] = rgba[p + 1]!;
    data[q + 2] = rgba[p + 2]!;
  }
  return { data, width, height };
}

/** A decoded photo's pixels, as drawn at its own size. */
export function rgbFromBitmap(bitmap: ImageBitmap): RgbImage {
  const ctx = context(bitmap.width, bitmap.height);
  ctx.drawImage(bitmap, 0, 0);
  return fromRgba(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, bitmap.width, bitmap.height);
}

export function rgbToImageData(img: RgbImage): ImageData {
  const out = new ImageData(img.width, img.height);
  for (let p = 0, q = 0; q < img.data.length; p += 4, q += 3) {
    out.data[p] = img.data[q]!;
    out.data[p + 1] = img.data[q + 1]!;
    out.data[p + 2] = img.data[q + 2]!;
    out.data[p + 3] = 255;
  }
  return out;
}

/** The image on a canvas of its own size (something drawImage and preprocess take). */
export function rgbToCanvas(img: RgbImage): OffscreenCanvas {
  const ctx = context(img.width, img.height);
  ctx.putImageData(rgbToImageData(img), 0, 0);
  return ctx.canvas;
}

/**
 * Resized to width×height, aspect not kept: the detector's copy of a photo too large or too
 * small for it (src/face/find_faces.ts). Node uses sharp's Lanczos here; the browser's
 * high-quality smoothing is close, not equal, so on such photos the page's landmarks may
 * differ from `facet predict`'s by a fraction of a pixel.
 */
export async function resizeRgbCanvas(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  const ctx = context(width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(rgbToCanvas(img), 0, 0, width, height);
  return fromRgba(ctx.getImageData(0, 0, width, height).data, width, height);
}
