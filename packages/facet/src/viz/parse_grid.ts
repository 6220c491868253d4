// The paper's Figure 3: for each face, the photo, the predicted parse over it, and the
// ground truth over it when there is one, with the region palette as a legend.
import { REGION_NAMES } from '../regions.js';
import { REGION_PALETTE, overlay, type Rgb } from './color.js';
import { renderSvgWithCells, type RgbCell } from './io.js';
import { checkRgbImage } from '../model_io/rgb_image.js';
import { rect, svgDoc, swatchLegend, swatchLegendWidth, text, textWidth } from './svg.js';

export interface ParseGridItem {
  /** the photo, packed RGB, height × width × 3 */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** predicted region per pixel (0–6, spec §1), height × width */
  pred: Uint8Array;
  /** ground-truth regions (255 = unlabelled, drawn untinted), when known */
  truth?: Uint8Array;
  /** a short caption drawn left of the row (e.g. the file name) */
  caption?: string;
}

export interface ParseGridOptions {
  /** opacity of the region colours (default 0.55); background is never tinted */
  alpha?: number;
  /** drawn height of each cell in pixels (default: the image height, at least 160) */
  cellHeight?: number;
  title?: string;
  palette?: readonly Rgb[];
  classNames?: readonly string[];
}

export interface GridCell {
  row: number;
  col: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface GridLayout {
  width: number;
  height: number;
  cells: GridCell[];
  columns: string[];
}

const PAD = 8;
const HEADER = 28;
const LEGEND = 30;
const TITLE = 30;

/** Where each cell of the grid goes (exported for tests and for callers placing captions). */
export function parseGridLayout(items: readonly ParseGridItem[], options: ParseGridOptions = {}): GridLayout {
  const hasTruth = items.some((it) => it.truth);
  const columns = ['Photo', 'Predicted parse', ...(hasTruth ? ['Ground truth'] : [])];
  const captionW = items.some((it) => it.caption) ? 24 : 0;
  const sizes = items.map((it) => {
    const h = options.cellHeight ?? Math.max(it.height, 160);
    return { h, w: Math.round((it.width * h) / it.height) };
  });
  const colW = Math.max(...sizes.map((s) => s.w), 1);
  const cells: GridCell[] = [];
  let top = PAD + (options.title ? TITLE : 0) + HEADER;
  items.forEach((_, row) => {
    const s = sizes[row]!;
    columns.forEach((__, col) => {
      cells.push({ row, col, left: PAD + captionW + col * (colW + PAD), top, width: s.w, height: s.h });
    });
    top += s.h + PAD;
  });
  const legendW = swatchLegendWidth((options.classNames ?? REGION_NAMES).map((name) => ({ name }))) + 2 * PAD;
  const width = Math.ceil(Math.max(PAD + captionW + columns.length * (colW + PAD), legendW));
  return { width, height: top + LEGEND, cells, columns };
}

/** Writes Figure 3 for `items` to `path` (PNG, atomically). */
export async function parseGrid(items: readonly ParseGridItem[], path: string, options: ParseGridOptions = {}): Promise<void> {
  if (items.length === 0) throw new Error('parseGrid: no items');
  const alpha = options.alpha ?? 0.55;
  const palette = options.palette ?? REGION_PALETTE;
  const names = options.classNames ?? REGION_NAMES;
  items.forEach((it, i) => {
    checkRgbImage({ data: it.rgb, width: it.width, height: it.height }, `parseGrid item ${i}`);
    const n = it.width * it.height;
    if (it.pred.length !== n) throw new Error(`parseGrid item ${i}: prediction has ${it.pred.length} labels for ${n} pixels`);
    if (it.truth && it.truth.length !== n) throw new Error(`parseGrid item ${i}: truth has ${it.truth.length} labels for ${n} pixels`);
  });
  const layout = parseGridLayout(items, options);
  const parts: string[] = [];
  const top0 = PAD + (options.title ? TITLE : 0);
  if (options.title) parts.push(text(layout.width / 2, PAD + 18, options.title, { size: 16, anchor: 'middle', weight: 'bold' }));
  const cellRgb: RgbCell[] = [];
  for (const c of layout.cells) {
    const it = items[c.row]!;
    if (c.row === 0) parts.push(text(c.left + c.width / 2, top0 + 18, layout.columns[c.col]!, { size: 13, anchor: 'middle', weight: 'bold' }));
    if (c.col === 0 && it.caption) {
      const cap = it.caption.length > Math.floor(c.height / 7.5) ? it.caption.slice(0, Math.floor(c.height / 7.5) - 1) + '…' : it.caption;
      parts.push(text(PAD + 12, c.top + c.height / 2, cap, { size: 12, anchor: 'middle', rotate: -90, valign: 'middle' }));
    }
    let rgb: Uint8Array | null = it.rgb;
    if (c.col === 1) rgb = overlay(it.rgb, it.pred, alpha, { palette });
    if (c.col === 2) rgb = it.truth ? overlay(it.rgb, it.truth, alpha, { palette }) : null;
    if (rgb) {
      cellRgb.push({ rgb, width: it.width, height: it.height, left: c.left, top: c.top, drawWidth: c.width, drawHeight: c.height });
    } else {
      parts.push(rect(c.left, c.top, c.width, c.height, '#eeeeee', '#cccccc'));
      parts.push(text(c.left + c.width / 2, c.top + c.height / 2, 'no ground truth', { size: 12, anchor: 'middle', valign: 'middle', fill: '#777777' }));
    }
  }
  const entries = names.map((name, i) => ({ name, color: palette[i] ?? ([128, 128, 128] as const) }));
  const legendW = entries.reduce((s, e) => s + 12 + 5 + textWidth(e.name, 12) + 14, 0);
  parts.push(swatchLegend(Math.max(PAD, (layout.width - legendW) / 2), layout.height - LEGEND / 2 - 2, entries));
  await renderSvgWithCells(svgDoc(layout.width, layout.height, parts.join('')), cellRgb, path);
}
