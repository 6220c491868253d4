// Packed RGB (what src/face/ works on, as sharp gives it in Node) to and from the page's
// canvases. Opaque photos only: alpha is dropped on the way in and set to 255 on the way out.
import type { RgbImage } from '../../src/model_io/rgb_image.js';

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
