// The region palette and label overlays, shared by the figures, the predict command's
// HTML report and the page (colour maps and heat maps: viz/colormap.ts). Images are
// packed RGB (row-major, 3 bytes per pixel).
import { REGION_COUNT, Region } from '../regions.js';
import { type CoarseLabelSet } from '../data/label_sets.js';

export type Rgb = readonly [number, number, number];

/**
 * The fixed region palette (index = region of spec §1), chosen for mutual contrast
 * and to stand out on skin and hair (Trubetskoy's "distinct colours"):
 * 0 background black (left untinted in overlays), 1 hair red (230,25,75),
 * 2 skin green (60,180,75), 3 eyes blue (0,130,200), 4 eyebrows orange (245,130,48),
 * 5 mouth magenta (240,50,230), 6 nose yellow (255,225,25).
 */
export const REGION_PALETTE: readonly Rgb[] = [
  [0, 0, 0],
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [240, 50, 230],
  [255, 225, 25],
];
if (REGION_PALETTE.length !== REGION_COUNT) throw new Error('REGION_PALETTE: one colour per region');

/**
 * Colours for a coarse label set's classes: a class that covers the background is black
 * (left untinted in overlays, like background), any other takes its first fine region's
 * colour (LFW's skin, which covers the face parts too, is skin green).
 */
export function coarsePalette(set: CoarseLabelSet): Rgb[] {
  // where background alone is a class too (labels settled by `facet resolve-labels`), the
  // class that may still be background is the one left undecided: drawn in UNDECIDED
  const backgroundAlone = set.coarseToFine.some((f) => f.length === 1 && f[0] === Region.background);
  return set.coarseToFine.map((fine) => {
    if (!fine.includes(Region.background)) return REGION_PALETTE[fine[0] ?? 0]!;
    return backgroundAlone && fine.length > 1 ? UNDECIDED : REGION_PALETTE[Region.background]!;
  });
}

/** A class left between background and another region (light slate, apart from the regions' colours). */
export const UNDECIDED: Rgb = [170, 180, 215];

export function rgbHex([r, g, b]: Rgb): string {
  return '#' + [r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
}

/** Label map → RGB image in the palette; labels outside the palette (e.g. 255 = ignore) are grey. */
export function labelsToRgb(labels: Uint8Array, palette: readonly Rgb[] = REGION_PALETTE, unknown: Rgb = [128, 128, 128]): Uint8Array {
  const out = new Uint8Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) {
    const c = palette[labels[i]!] ?? unknown;
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}

export interface OverlayOptions {
  palette?: readonly Rgb[];
  /** labels drawn untinted (default [0]: background shows the photo as is) */
  skip?: readonly number[];
}

/**
 * Blends a label map over a photo: out = round((1 − alpha)·photo + alpha·palette[label]).
 * Pixels whose label is in `skip` (default background) or outside the palette (e.g. 255)
 * keep the photo's value.
 */
export function overlay(rgb: Uint8Array, labels: Uint8Array, alpha = 0.5, options: OverlayOptions = {}): Uint8Array {
  if (rgb.length !== labels.length * 3) throw new Error(`overlay: ${rgb.length} RGB bytes for ${labels.length} labels`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlay: alpha ${alpha} outside [0, 1]`);
  const palette = options.palette ?? REGION_PALETTE;
  const skip = new Set(options.skip ?? [0]);
  const out = new Uint8Array(rgb);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    const c = palette[l];
    if (!c || skip.has(l)) continue;
    for (let k = 0; k < 3; k++) out[3 * i + k] = Math.round((1 - alpha) * rgb[3 * i + k]! + alpha * c[k]!);
  }
  return out;
}
