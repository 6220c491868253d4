/**
 * Decoding images and masks (sharp), resizing to a network's input size and
 * horizontal flipping: what a loader needs from the data layer.
 */
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { DataError } from './errors.js';
import { REGION_COUNT } from '../regions.js';
import { CELEBAMASK_PARTS, CELEBAMASK_TO_REGION, HELEN_TO_REGION, type CoarseLabelSet } from './label_sets.js';
import type { FaceItem, LabelMap, MaskSource, RawImage } from './types.js';
import { type Crop, coverCrop } from '../model_io/fit.js';
import { decodeFailure } from './decode_error.js';

function listedAt(item?: FaceItem): string {
  if (!item) return '';
  const s = item.source;
  return ` (listed at ${s.file}${s.line !== undefined ? ':' + s.line : ''})`;
}

function missing(path: string, what: string, item?: FaceItem): DataError {
  return new DataError({ file: path }, `missing ${what}${listedAt(item)}`);
}

/** RGB-ify raw pixels with 1, 2 or 4 channels. */
function toRgb(data: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  if (channels === 3) return data;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels <= 2) {
      const g = data[i * channels]!;
      out[i * 3] = g;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = g;
    } else {
      out[i * 3] = data[i * channels]!;
      out[i * 3 + 1] = data[i * channels + 1]!;
      out[i * 3 + 2] = data[i * channels + 2]!;
    }
  }
  return out;
}

/** Decodes an image file to RGB. A missing, unreadable or truncated file is a DataError naming it. */
export async function loadImage(path: string, item?: FaceItem): Promise<RawImage> {
  if (!existsSync(path)) throw missing(path, 'image', item);
  try {
    const { data, info } = await sharp(path, { failOn: 'truncated' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const u8 = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { data: toRgb(u8, info.width, info.height, info.channels), width: info.width, height: info.height, channels: 3 };
  } catch (e) {
    throw new DataError({ file: path }, `cannot decode image: ${decodeFailure(path, e)}${listedAt(item)}`, { cause: e });
  }
}

/** Decodes a file to one gray channel (the first channel of whatever is stored). */
async function loadGray(path: string, item?: FaceItem): Promise<RawImage> {
  if (!existsSync(path)) throw missing(path, 'mask', item);
  try {
    const { data, info } = await sharp(path, { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true });
    const c = info.channels;
    const n = info.width * info.height;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = data[i * c]!;
    return { data: out, width: info.width, height: info.height, channels: 1 };
  } catch (e) {
    throw new DataError({ file: path }, `cannot decode mask: ${decodeFailure(path, e)}${listedAt(item)}`, { cause: e });
  }
}

async function loadColorMask(path: string, labels: CoarseLabelSet, item?: FaceItem): Promise<LabelMap> {
  if (!existsSync(path)) throw missing(path, 'mask', item);
  let data: Buffer;
  let info: sharp.OutputInfo;
  try {
    ({ data, info } = await sharp(path, { failOn: 'truncated' }).removeAlpha().raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new DataError({ file: path }, `cannot decode mask: ${decodeFailure(path, e)}${listedAt(item)}`, { cause: e });
  }
  const colors = labels.colors!;
  const keys = colors.map(([r, g, b]) => (r << 16) | (g << 8) | b);
  const c = info.channels;
  const n = info.width * info.height;
  const out = new Uint8Array(n);
  let lastKey = -1;
  let lastIdx = 0;
  for (let i = 0; i < n; i++) {
    const r = data[i * c]!;
    const g = c >= 3 ? data[i * c + 1]! : r;
    const b = c >= 3 ? data[i * c + 2]! : r;
    const key = (r << 16) | (g << 8) | b;
    if (key !== lastKey) {
      lastIdx = keys.indexOf(key);
      lastKey = key;
      if (lastIdx < 0) {
        const x = i % info.width;
        const y = Math.floor(i / info.width);
        throw new DataError(
          { file: path },
          `unknown mask colour (${r},${g},${b}) at pixel x=${x} y=${y}; expected ${labels.names.map((nm, k) => `${nm}=(${colors[k]!.join(',')})`).join(' ')}${listedAt(item)}`,
        );
      }
    }
    out[i] = lastIdx;
  }
  return { data: out, width: info.width, height: info.height, channels: 1, kind: 'coarse', coarseLabels: labels };
}

/** Decodes a mask source to a label map (regions 0..6, or coarse indices). */
export async function loadMaskSource(src: MaskSource, item?: FaceItem): Promise<LabelMap> {
  switch (src.kind) {
    case 'index-png': {
      const g = await loadGray(src.path, item);
      for (let i = 0; i < g.data.length; i++) {
        if (g.data[i]! >= REGION_COUNT) {
          throw new DataError(
            { file: src.path },
            `unknown label value ${g.data[i]} at pixel x=${i % g.width} y=${Math.floor(i / g.width)} (regions are 0..${REGION_COUNT - 1})${listedAt(item)}`,
          );
        }
      }
      return { ...g, channels: 1, kind: 'regions' };
    }
    case 'helen': {
      const maps = await Promise.all(src.paths.map((p) => loadGray(p, item)));
      const { width, height } = maps[0]!;
      maps.forEach((m, k) => {
        if (m.width !== width || m.height !== height) {
          throw new DataError({ file: src.paths[k]! }, `label map is ${m.width}x${m.height} but ${src.paths[0]} is ${width}x${height}${listedAt(item)}`);
        }
      });
      const n = width * height;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        let bv = maps[0]!.data[i]!;
        for (let k = 1; k < maps.length; k++) {
          const v = maps[k]!.data[i]!;
          if (v > bv) {
            bv = v;
            best = k;
          }
        }
        out[i] = HELEN_TO_REGION[best]!;
      }
      return { data: out, width, height, channels: 1, kind: 'regions' };
    }
    case 'celebamask-hq': {
      const size = src.size ?? 512;
      const out = new Uint8Array(size * size);
      const byPart = new Map(src.parts.map((p) => [p.part, p.path]));
      for (const part of CELEBAMASK_PARTS) {
        const p = byPart.get(part);
        if (!p) continue;
        const g = await loadGray(p, item);
        if (g.width !== size || g.height !== size) {
          throw new DataError({ file: p }, `part mask is ${g.width}x${g.height}, expected ${size}x${size}${listedAt(item)}`);
        }
        const r = CELEBAMASK_TO_REGION[part];
        for (let i = 0; i < out.length; i++) if (g.data[i]! > 127) out[i] = r;
      }
      return { data: out, width: size, height: size, channels: 1, kind: 'regions' };
    }
    case 'coarse-color':
      return loadColorMask(src.path, src.labels, item);
    case 'coarse-index-png': {
      const g = await loadGray(src.path, item);
      const n = src.labels.names.length;
      for (let i = 0; i < g.data.length; i++) {
        // 255: a pixel the labeller left unlabelled (face/mesh_regions.ts foreheadBand)
        if (g.data[i]! >= n && g.data[i]! !== 255) {
          throw new DataError(
            { file: src.path },
            `unknown label value ${g.data[i]} at pixel x=${i % g.width} y=${Math.floor(i / g.width)} (classes are 0..${n - 1}: ${src.labels.names.join(', ')}, 255 unlabelled)${listedAt(item)}`,
          );
        }
      }
      return { ...g, channels: 1, kind: 'coarse', coarseLabels: src.labels };
    }
  }
}

/** The item's mask, or undefined when it has none. */
export async function loadMask(item: FaceItem): Promise<LabelMap | undefined> {
  return item.mask ? loadMaskSource(item.mask, item) : undefined;
}

function maskFile(src: MaskSource): string {
  switch (src.kind) {
    case 'helen':
      return src.paths[0]!;
    case 'celebamask-hq':
      return src.parts[0]?.path ?? '(no part files)';
    default:
      return src.path;
  }
}

/**
 * A mask must cover its image: the same size, or (CelebAMask-HQ: 512² masks
 * for 1024² images) the same aspect ratio.
 */
export function checkMaskSize(item: FaceItem, img: { width: number; height: number }, mask: { width: number; height: number }): void {
  const sameAspect = mask.width * img.height === mask.height * img.width;
  const ok = item.mask?.kind === 'celebamask-hq' ? sameAspect : mask.width === img.width && mask.height === img.height;
  if (!ok) {
    throw new DataError(
      { file: item.mask ? maskFile(item.mask) : item.imagePath },
      `mask is ${mask.width}x${mask.height} but image ${item.imagePath} is ${img.width}x${img.height}${listedAt(item)}`,
    );
  }
}

/**
 * Nearest-neighbour resize of a label map (labels stay exact), optionally of a
 * crop of it; `crop` is in the map's own pixels.
 */
export function resizeLabels(mask: LabelMap, tw: number, th: number, crop?: Crop): LabelMap {
  const c = crop ?? { left: 0, top: 0, width: mask.width, height: mask.height };
  if (c.left === 0 && c.top === 0 && c.width === tw && c.height === th && mask.width === tw && mask.height === th) {
    return { ...mask, data: mask.data.slice() };
  }
  const out = new Uint8Array(tw * th);
  const xs = new Int32Array(tw);
  for (let x = 0; x < tw; x++) xs[x] = Math.min(mask.width - 1, c.left + Math.floor(((x + 0.5) * c.width) / tw));
  for (let y = 0; y < th; y++) {
    const sy = Math.min(mask.height - 1, c.top + Math.floor(((y + 0.5) * c.height) / th));
    const row = sy * mask.width;
    const o = y * tw;
    for (let x = 0; x < tw; x++) out[o + x] = mask.data[row + xs[x]!]!;
  }
  const res: LabelMap = { data: out, width: tw, height: th, channels: 1, kind: mask.kind };
  if (mask.coarseLabels) res.coarseLabels = mask.coarseLabels;
  return res;
}

/** Mirror left↔right (any channel count). Returns a new image. */
export function flipHorizontal<T extends RawImage>(img: T): T {
  const { width, height, channels } = img;
  const out = new Uint8Array(img.data.length);
  const rowLen = width * channels;
  for (let y = 0; y < height; y++) {
    const o = y * rowLen;
    for (let x = 0; x < width; x++) {
      const s = o + x * channels;
      const d = o + (width - 1 - x) * channels;
      for (let k = 0; k < channels; k++) out[d + k] = img.data[s + k]!;
    }
  }
  return { ...img, data: out };
}

export interface DecodedItem {
  image: RawImage;
  mask?: LabelMap;
  /** the file's own size, before resizing (landmarks are in its pixels) */
  source?: { width: number; height: number };
}

/** Flip image and mask together (the 7 regions are left/right symmetric). */
export function flipDecoded(d: DecodedItem): DecodedItem {
  const out: DecodedItem = { image: flipHorizontal(d.image) };
  if (d.source) out.source = d.source;
  if (d.mask) out.mask = flipHorizontal(d.mask);
  return out;
}

export interface DecodeOptions {
  /** target size; default: the image's own size */
  width?: number;
  height?: number;
  /** also decode the mask (default: when the item has one) */
  mask?: boolean;
  /** mirror image and mask */
  flip?: boolean;
}

/**
 * Decodes an item to RGB at a target size by the fit rule (model_io/fit.ts: cover, centre
 * crop; the same pixels as predict's prepareImage), and its mask with the same crop,
 * resized by nearest neighbour so labels stay exact.
 */
export async function decodeItem(item: FaceItem, opts: DecodeOptions = {}): Promise<DecodedItem> {
  const path = item.imagePath;
  if (!existsSync(path)) throw missing(path, 'image', item);
  let fitted: FittedImage;
  try {
    fitted = await fitImage(path, opts.width, opts.height);
  } catch (e) {
    throw new DataError({ file: path }, `cannot decode image: ${decodeFailure(path, e)}${listedAt(item)}`, { cause: e });
  }
  const { width: w, height: h, crop } = fitted;
  const tw = opts.width ?? w;
  const th = opts.height ?? h;
  const image: RawImage = { data: fitted.rgb, width: tw, height: th, channels: 3 };
  const out: DecodedItem = { image, source: { width: w, height: h } };
  if (item.mask && opts.mask !== false) {
    const m = await loadMaskSource(item.mask, item);
    checkMaskSize(item, { width: w, height: h }, m);
    const sx = m.width / w;
    const sy = m.height / h;
    const mc: Crop = {
      left: Math.round(crop.left * sx),
      top: Math.round(crop.top * sy),
      width: Math.round(crop.width * sx),
      height: Math.round(crop.height * sy),
    };
    out.mask = resizeLabels(m, tw, th, mc);
  }
  return opts.flip ? flipDecoded(out) : out;
}

export interface FittedImage {
  /** RGB at the target size */
  rgb: Uint8Array;
  /** the image's size as seen (EXIF orientation applied) */
  width: number;
  height: number;
  /** the part of it that was kept */
  crop: Crop;
}

/** An image decoded whole and upright: EXIF orientation applied, sRGB, alpha dropped, packed RGB. */
export interface UprightImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes a file or encoded bytes whole and upright (EXIF orientation applied), in sRGB
 * without alpha. What predict's fit rule and its face detection both start from.
 */
export async function decodeUpright(source: string | Uint8Array, limitInputPixels?: number): Promise<UprightImage> {
  const options = { failOn: 'truncated' as const, ...(limitInputPixels ? { limitInputPixels } : {}) };
  const { data, info } = await sharp(source, options).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return {
    data: toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels),
    width: info.width,
    height: info.height,
  };
}

/** Decoded RGB resized to width×height by sharp (its default Lanczos), aspect not kept. */
export async function resizeRgb(image: UprightImage, width: number, height: number): Promise<UprightImage> {
  const out = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(out.buffer, out.byteOffset, out.length), width, height };
}

/**
 * The fit rule's pixels (model_io/fit.ts) from decoded RGB: the cover crop cut out, resized
 * to tw×th (default: the image's own size) by sharp.
 */
export async function fitRgb(image: UprightImage, tw?: number, th?: number): Promise<{ rgb: Uint8Array; crop: Crop }> {
  const { width: w, height: h } = image;
  const crop = coverCrop(w, h, tw ?? w, th ?? h);
  let rgb = image.data;
  if (crop.width !== w || crop.height !== h || (tw ?? w) !== w || (th ?? h) !== h) {
    let p = sharp(rgb, { raw: { width: w, height: h, channels: 3 } });
    if (crop.width !== w || crop.height !== h) p = p.extract(crop);
    if (crop.width !== (tw ?? w) || crop.height !== (th ?? h)) p = p.resize(tw ?? w, th ?? h, { fit: 'fill' });
    const out = await p.raw().toBuffer();
    rgb = new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  return { rgb, crop };
}

/**
 * The fit rule's pixels (model_io/fit.ts): decoded upright (EXIF orientation), sRGB, the
 * cover crop cut out, resized to tw×th (default: the image's own size). Training's
 * store and predict both call this, so a model sees the same pixels in both.
 */
export async function fitImage(source: string | Uint8Array, tw?: number, th?: number, limitInputPixels?: number): Promise<FittedImage> {
  // decoded whole first: with extract/resize chained, libvips may shrink JPEGs on load,
  // which would make a file and its raw pixels (an upload, a browser canvas) differ
  const image = await decodeUpright(source, limitInputPixels);
  const { rgb, crop } = await fitRgb(image, tw, th);
  return { rgb, width: image.width, height: image.height, crop };
}

/** Runs fn over items with at most `limit` in flight; results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
