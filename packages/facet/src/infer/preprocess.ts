// Image → network input, without the native engine: EXIF orientation applied, then the
// fit rule of model_io/fit.ts (cover H×W, centre crop), by the same sharp calls as the
// training store (data/image.ts fitImage), so a model sees the same pixels in both;
// then normalised per channel (model_io/normalize.ts, as training's batches). An aligned
// face (face/align.ts) goes through the same fit from its 178×218 frame.
import sharp from 'sharp';
import { type UprightImage, decodeUpright, fitRgb } from '../data/image.js';
import { decodeFailure } from '../data/decode_error.js';
import { type ChannelStats, normalizePlanar } from '../model_io/normalize.js';

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

/**
 * A file or encoded bytes decoded whole and upright; errors name the file (bytes are
 * named '<upload>'): unreadable, no size, or undecodable. `header`: the size the caller
 * has already read from the header (serve's pixel limit), which is then not read again.
 */
export async function readPhoto(source: string | Uint8Array, header?: { width: number; height: number }): Promise<UprightImage> {
  const name = typeof source === 'string' ? source : '<upload>';
  let size = header;
  if (!size) {
    try {
      const meta = await sharp(source, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
      size = { width: meta.width ?? 0, height: meta.height ?? 0 };
    } catch (e) {
      throw new Error(`${name}: not a readable image (${decodeFailure(source, e)})`);
    }
  }
  if (!size.width || !size.height) throw new Error(`${name}: image has no size`);
  try {
    return await decodeUpright(source, MAX_INPUT_PIXELS);
  } catch (e) {
    throw new Error(`${name}: cannot decode (${decodeFailure(source, e)})`);
  }
}

/** Decoded RGB (a photo, or an aligned face) → the network's input by the fit rule. */
export async function prepareRgb(image: UprightImage, height: number, width: number, norm: ChannelStats): Promise<PreparedImage> {
  const { rgb } = await fitRgb(image, width, height);
  return { input: normalizePlanar(rgb, height, width, norm), rgb, width, height, originalWidth: image.width, originalHeight: image.height };
}

export async function prepareImage(source: string | Uint8Array, height: number, width: number, norm: ChannelStats): Promise<PreparedImage> {
  return prepareRgb(await readPhoto(source), height, width, norm);
}
