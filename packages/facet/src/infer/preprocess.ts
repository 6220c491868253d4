// Image → network input, without the native engine: EXIF orientation applied, then the
// fit rule of data/fit.ts (cover H×W, centre crop), by the same sharp calls as the
// training store (data/image.ts fitImage), so a model sees the same pixels in both;
// then normalised per channel. An aligned face (face/align.ts) goes through the same fit
// from its 178×218 frame.
import sharp from 'sharp';
import { type UprightImage, decodeUpright, fitRgb } from '../data/image.js';
import { decodeFailure } from '../data/decode_error.js';

export interface PreparedImage {
  /** 3×H×W planar float32, normalised */
  input: Float32Array;
  /** the H×W RGB the network saw (for overlays) */
  rgb: Uint8Array;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
}

export const MAX_INPUT_PIXELS = 50_000_000;

type Norm = { mean: readonly number[]; std: readonly number[] };

/**
 * A file or encoded bytes decoded whole and upright; errors name the file (bytes are
 * named '<upload>'): unreadable, no size, or undecodable.
 */
export async function readPhoto(source: string | Uint8Array): Promise<UprightImage> {
  const name = typeof source === 'string' ? source : '<upload>';
  let meta: sharp.Metadata;
  try {
    meta = await sharp(source, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (e) {
    throw new Error(`${name}: not a readable image (${decodeFailure(source, e)})`);
  }
  if (!meta.width || !meta.height) throw new Error(`${name}: image has no size`);
  try {
    return await decodeUpright(source, MAX_INPUT_PIXELS);
  } catch (e) {
    throw new Error(`${name}: cannot decode (${decodeFailure(source, e)})`);
  }
}

/** Decoded RGB (a photo, or an aligned face) → the network's input by the fit rule. */
export async function prepareRgb(image: UprightImage, height: number, width: number, norm: Norm): Promise<PreparedImage> {
  const { rgb } = await fitRgb(image, width, height);
  return { input: normalizePlanar(rgb, height, width, norm), rgb, width, height, originalWidth: image.width, originalHeight: image.height };
}

export async function prepareImage(source: string | Uint8Array, height: number, width: number, norm: Norm): Promise<PreparedImage> {
  return prepareRgb(await readPhoto(source), height, width, norm);
}

export function normalizePlanar(rgb: Uint8Array, height: number, width: number, norm: Norm): Float32Array {
  const plane = height * width;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = (rgb[p * 3 + c]! - norm.mean[c]!) / norm.std[c]!;
  }
  return out;
}
