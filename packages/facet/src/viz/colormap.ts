// Colour maps and heat-map colouring: turbo and viridis, min–max ranges, bilinear
// upsampling of a float map, blending over a photo. Shared by the figures, the page and
// the predict command's HTML report, whose inline script is this module's compiled source
// (infer/report_html.ts): so it imports nothing at run time. Images are packed RGB
// (row-major, 3 bytes per pixel).
import type { Rgb } from './color.js';

/** Blends two RGB images: out = round((1 − alpha)·a + alpha·b), per pixel when alpha is an array. */
export function blend(a: Uint8Array, b: Uint8Array, alpha: number | Float32Array): Uint8Array {
  if (a.length !== b.length) throw new Error(`blend: ${a.length} vs ${b.length} bytes`);
  if (typeof alpha !== 'number' && alpha.length * 3 !== a.length) throw new Error('blend: one alpha per pixel');
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const t = typeof alpha === 'number' ? alpha : alpha[(i / 3) | 0]!;
    out[i] = Math.round((1 - t) * a[i]! + t * b[i]!);
  }
  return out;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Turbo (Mikhailov 2019, polynomial approximation): blue → green → yellow → red. t in [0, 1]. */
export function turbo(t: number): Rgb {
  const x = clamp01(t);
  const r = 0.13572138 + x * (4.6153926 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943))));
  const g = 0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604))));
  const b = 0.1066733 + x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))));
  return [Math.round(255 * clamp01(r)), Math.round(255 * clamp01(g)), Math.round(255 * clamp01(b))];
}

/** Viridis (polynomial approximation): dark purple → teal → yellow. t in [0, 1]. */
export function viridis(t: number): Rgb {
  const x = clamp01(t);
  const c = [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
  ];
  const ch = (k: number): number => {
    let v = 0;
    for (let i = c.length - 1; i >= 0; i--) v = v * x + c[i]![k]!;
    return Math.round(255 * clamp01(v));
  };
  return [ch(0), ch(1), ch(2)];
}

export type Colormap = (t: number) => Rgb;

export interface HeatRange {
  /** value mapped to the colour map's start (default: the map's minimum) */
  min?: number;
  /** value mapped to the colour map's end (default: the map's maximum) */
  max?: number;
}

/** The [min, max] a heat map is drawn over: the given bounds, else the finite extremes of the data. */
export function heatRange(heat: ArrayLike<number>, range: HeatRange = {}): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < heat.length; i++) {
    const v = heat[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) lo = hi = 0;
  return [range.min ?? lo, range.max ?? hi];
}

/** Normalizes values to [0, 1] over `range` (default min–max); a flat map becomes all 0; NaN → 0. */
export function normalizeHeat(heat: ArrayLike<number>, range: HeatRange = {}): Float32Array {
  const [lo, hi] = heatRange(heat, range);
  const out = new Float32Array(heat.length);
  const span = hi - lo;
  for (let i = 0; i < heat.length; i++) {
    const v = heat[i]!;
    out[i] = span > 0 && Number.isFinite(v) ? clamp01((v - lo) / span) : 0;
  }
  return out;
}

export interface ColorizeOptions extends HeatRange {
  colormap?: Colormap;
}

/**
 * A heat map (any length, one value per pixel) → packed RGB through a colour map
 * (default turbo), after min–max normalization (or the given range).
 */
export function colorizeHeat(heat: ArrayLike<number>, options: ColorizeOptions = {}): Uint8Array {
  const cmap = options.colormap ?? turbo;
  const t = normalizeHeat(heat, options);
  const out = new Uint8Array(t.length * 3);
  for (let i = 0; i < t.length; i++) {
    const c = cmap(t[i]!);
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}

/** A float map on a grid, row-major (e.g. a 14×12 localization map or channel activation). */
export interface FloatMap {
  data: Float32Array;
  height: number;
  width: number;
}

/**
 * Bilinear resize of a row-major h×w map to outH×outW, with half-pixel centres
 * (the convention of PyTorch's interpolate(mode='bilinear', align_corners=False)):
 * output pixel (y, x) samples the source at ((y + 0.5)·h/outH − 0.5, (x + 0.5)·w/outW − 0.5),
 * clamped to the border.
 */
export function bilinearResize(map: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  if (map.length !== h * w) throw new Error(`bilinearResize: ${map.length} values for ${h}×${w}`);
  if (!(outH > 0 && outW > 0)) throw new Error(`bilinearResize: bad output size ${outH}×${outW}`);
  const out = new Float32Array(outH * outW);
  const sy = h / outH;
  const sx = w / outW;
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const fxs = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x]! + 1, w - 1);
    fxs[x] = fx - x0s[x]!;
  }
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < outW; x++) {
      const x0 = x0s[x]!;
      const x1 = x1s[x]!;
      const tx = fxs[x]!;
      const top = map[y0 * w + x0]! * (1 - tx) + map[y0 * w + x1]! * tx;
      const bot = map[y1 * w + x0]! * (1 - tx) + map[y1 * w + x1]! * tx;
      out[y * outW + x] = top * (1 - ty) + bot * ty;
    }
  }
  return out;
}

export interface HeatOverlayOptions extends ColorizeOptions {
  /** opacity of the heat colours over the photo (default 0.5) */
  alpha?: number;
}

/**
 * A localization map (spec §10) over a photo: the map is upsampled bilinearly to the
 * photo's size, normalized (min–max unless a range is given), coloured, and blended.
 */
export function overlayHeat(rgb: Uint8Array, width: number, height: number, heat: FloatMap, options: HeatOverlayOptions = {}): Uint8Array {
  if (rgb.length !== width * height * 3) throw new Error(`overlayHeat: ${rgb.length} RGB bytes for ${width}×${height}`);
  const up = bilinearResize(heat.data, heat.height, heat.width, height, width);
  // the range comes from the grid values so that upsampling does not change it
  const [min, max] = heatRange(heat.data, options);
  return blend(rgb, colorizeHeat(up, { ...options, min, max }), options.alpha ?? 0.5);
}
