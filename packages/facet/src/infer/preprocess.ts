// Image → network input, without the native engine. The rule for any image: scale it
// to cover H×W keeping its aspect ratio, then crop the centre (CelebA's aligned faces,
// 178×218, pass unchanged); then normalise per channel with the bundle's statistics.
import sharp from 'sharp';

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

export async function prepareImage(
  source: string | Uint8Array,
  height: number,
  width: number,
  norm: { mean: readonly number[]; std: readonly number[] },
): Promise<PreparedImage> {
  const name = typeof source === 'string' ? source : '<upload>';
  let meta: sharp.Metadata;
  try {
    meta = await sharp(source, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (e) {
    throw new Error(`${name}: not a readable image (${(e as Error).message})`);
  }
  if (!meta.width || !meta.height) throw new Error(`${name}: image has no size`);
  let data: Buffer;
  try {
    data = await sharp(source, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: 'cover', position: 'centre' })
      .raw()
      .toBuffer();
  } catch (e) {
    throw new Error(`${name}: cannot decode (${(e as Error).message})`);
  }
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
  // EXIF orientations 5–8 turn the stored image a quarter: report the size as seen.
  const turned = (meta.orientation ?? 1) >= 5;
  return {
    input: normalizePlanar(rgb, height, width, norm), rgb, width, height,
    originalWidth: turned ? meta.height : meta.width, originalHeight: turned ? meta.width : meta.height,
  };
}

export function normalizePlanar(rgb: Uint8Array, height: number, width: number, norm: { mean: readonly number[]; std: readonly number[] }): Float32Array {
  const plane = height * width;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = (rgb[p * 3 + c]! - norm.mean[c]!) / norm.std[c]!;
  }
  return out;
}
