// The paper's Figure 5: for a few faces, the strongest channels of the last conv layer
// (conv62, 14×12 at 218×178), upsampled and overlaid on the photo, for two (or more)
// methods side by side — e.g. global average pooling vs SSP.
import { type Colormap, type FloatMap, overlayHeat, turbo } from './colormap.js';
import { renderSvgWithCells, type RgbCell } from './io.js';
import { checkRgbImage } from '../model_io/rgb_image.js';
import { svgDoc, text, line } from './svg.js';

/** One channel's activation map on the conv grid. */
export interface ActivationMap extends FloatMap {
  /** channel index in the layer */
  channel: number;
  /** the score it was chosen by (e.g. mean activation), printed under the cell when given */
  score?: number;
}

export interface ActivationComparisonItem {
  /** the photo, packed RGB, height × width × 3 */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** maps[m] = the channels shown for method m (same order as `methods`), strongest first */
  maps: readonly (readonly ActivationMap[])[];
  caption?: string;
}

export interface ActivationComparisonInput {
  /** method names, e.g. ['Avg. Pooling', 'SSP'] */
  methods: readonly string[];
  items: readonly ActivationComparisonItem[];
}

export interface ActivationComparisonOptions {
  /** opacity of the heat colours (default 0.55) */
  alpha?: number;
  /** drawn height of each cell (default: image height, at least 128) */
  cellHeight?: number;
  title?: string;
  colormap?: Colormap;
}

/**
 * The k strongest channels of a C×h×w activation (row-major), by mean (default) or max
 * activation over the grid, strongest first; ties keep the lower channel first.
 */
export function strongestChannels(
  activations: Float32Array,
  channels: number,
  height: number,
  width: number,
  k: number,
  by: 'mean' | 'max' = 'mean',
): ActivationMap[] {
  const hw = height * width;
  if (activations.length !== channels * hw) throw new Error(`strongestChannels: ${activations.length} values for ${channels}×${height}×${width}`);
  const scores = Array.from({ length: channels }, (_, c) => {
    let s = by === 'max' ? -Infinity : 0;
    for (let i = c * hw; i < (c + 1) * hw; i++) s = by === 'max' ? Math.max(s, activations[i]!) : s + activations[i]!;
    return { c, s: by === 'max' ? s : s / hw };
  });
  scores.sort((a, b) => b.s - a.s || a.c - b.c);
  return scores.slice(0, Math.min(k, channels)).map(({ c, s }) => ({
    channel: c,
    score: s,
    height,
    width,
    data: activations.slice(c * hw, (c + 1) * hw),
  }));
}

const PAD = 8;
const GAP = 18; // between method groups

export interface CellRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface ActivationLayout {
  width: number;
  height: number;
  /** channels shown per method (the most any item has) */
  perMethod: number[];
  /** x of each method group's first column */
  groupX: number[];
  photo: (item: number) => CellRect;
  map: (item: number, method: number, k: number) => CellRect;
}

const HEADER = 44;
const SUB = 18;

/** Where everything goes in Figure 5 (exported for tests). */
export function activationComparisonLayout(input: ActivationComparisonInput, options: ActivationComparisonOptions = {}): ActivationLayout {
  const { methods, items } = input;
  const perMethod = methods.map((_, m) => Math.max(0, ...items.map((it) => it.maps[m]?.length ?? 0)));
  const cellH = options.cellHeight ?? Math.max(128, ...items.map((it) => it.height));
  const cellW = Math.max(...items.map((it) => Math.round((it.width * cellH) / it.height)));
  const captionW = items.some((it) => it.caption) ? 22 : 0;
  const titleH = options.title ? 30 : 0;
  const rowH = cellH + SUB + PAD;
  const photoX = PAD + captionW;
  const groupX: number[] = [];
  let x = photoX + cellW + GAP;
  for (const k of perMethod) {
    groupX.push(x);
    x += Math.max(1, k) * (cellW + PAD) - PAD + GAP;
  }
  const top = (i: number): number => PAD + titleH + HEADER + i * rowH;
  const dw = (i: number): number => Math.round((items[i]!.width * cellH) / items[i]!.height);
  return {
    width: x - GAP + PAD,
    height: PAD + titleH + HEADER + items.length * rowH,
    perMethod,
    groupX,
    photo: (i) => ({ left: photoX, top: top(i), width: dw(i), height: cellH }),
    map: (i, m, k) => ({ left: groupX[m]! + k * (cellW + PAD), top: top(i), width: dw(i), height: cellH }),
  };
}

/**
 * Writes Figure 5 to `path` (PNG, atomically): one row per item, the photo, then each
 * method's channel maps, each map min–max normalized on its own, coloured (turbo) and blended.
 */
export async function activationComparison(input: ActivationComparisonInput, path: string, options: ActivationComparisonOptions = {}): Promise<void> {
  const { methods, items } = input;
  if (items.length === 0) throw new Error('activationComparison: no items');
  if (methods.length === 0) throw new Error('activationComparison: no methods');
  items.forEach((it, i) => {
    checkRgbImage({ data: it.rgb, width: it.width, height: it.height }, `activationComparison item ${i}`);
    if (it.maps.length !== methods.length) throw new Error(`activationComparison item ${i}: ${it.maps.length} map lists for ${methods.length} methods`);
    it.maps.flat().forEach((m) => {
      if (m.data.length !== m.height * m.width)
        throw new Error(`activationComparison item ${i}: channel ${m.channel} has ${m.data.length} values for ${m.height}×${m.width}`);
    });
  });
  const alpha = options.alpha ?? 0.55;
  const L = activationComparisonLayout(input, options);
  const W = L.width;
  const H = L.height;
  const cellW = L.photo(0).width;
  const titleH = options.title ? 30 : 0;
  const parts: string[] = [];
  const cells: RgbCell[] = [];
  if (options.title) parts.push(text(W / 2, PAD + 18, options.title, { size: 16, anchor: 'middle', weight: 'bold' }));
  const headTop = PAD + titleH;
  const p0 = L.photo(0);
  parts.push(text(p0.left + p0.width / 2, headTop + 34, 'Photo', { size: 13, anchor: 'middle', weight: 'bold' }));
  methods.forEach((name, m) => {
    const k = L.perMethod[m]!;
    const gw = Math.max(1, k) * (cellW + PAD) - PAD;
    const gx = L.groupX[m]!;
    parts.push(text(gx + gw / 2, headTop + 16, name, { size: 14, anchor: 'middle', weight: 'bold' }));
    parts.push(line(gx, headTop + 24, gx + gw, headTop + 24, '#888888'));
    for (let j = 0; j < k; j++) {
      parts.push(text(gx + j * (cellW + PAD) + cellW / 2, headTop + 38, `#${j + 1}`, { size: 11, anchor: 'middle', fill: '#555555' }));
    }
    if (m > 0) parts.push(line(gx - GAP / 2, headTop, gx - GAP / 2, H - PAD, '#cccccc', 1, '4 3'));
  });
  items.forEach((it, i) => {
    const ph = L.photo(i);
    if (it.caption) parts.push(text(PAD + 11, ph.top + ph.height / 2, it.caption, { size: 12, anchor: 'middle', rotate: -90, valign: 'middle' }));
    cells.push({ rgb: it.rgb, width: it.width, height: it.height, left: ph.left, top: ph.top, drawWidth: ph.width, drawHeight: ph.height });
    it.maps.forEach((maps, m) => {
      maps.forEach((map, k) => {
        const c = L.map(i, m, k);
        const rgb = overlayHeat(it.rgb, it.width, it.height, map, { alpha, colormap: options.colormap ?? turbo });
        cells.push({ rgb, width: it.width, height: it.height, left: c.left, top: c.top, drawWidth: c.width, drawHeight: c.height });
        const label = `ch ${map.channel}` + (map.score !== undefined ? ` (${Number(map.score.toPrecision(3))})` : '');
        parts.push(text(c.left + c.width / 2, c.top + c.height + 13, label, { size: 11, anchor: 'middle', fill: '#333333' }));
      });
    });
  });
  await renderSvgWithCells(svgDoc(W, H, parts.join('')), cells, path);
}
