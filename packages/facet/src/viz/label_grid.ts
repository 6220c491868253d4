// The label engine's figure: faces in a grid, each as the photo and the generated label
// map over it with the five landmarks marked, so a reader can see at a glance whether
// eyes sit on eyes and the mouth on the mouth.
import { overlay, type Rgb } from './color.js';
import { renderSvgWithCells, type RgbCell } from './io.js';
import { checkRgbImage } from '../model_io/rgb_image.js';
import { svgDoc, swatchLegend, swatchLegendWidth, text } from './svg.js';

export interface LabelGridItem {
  /** the photo, packed RGB */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** class index per pixel (indices into `classNames`) */
  labels: Uint8Array;
  /** five landmarks, x/y interleaved, in continuous image coordinates */
  points?: ArrayLike<number>;
  caption?: string;
}

export interface LabelGridOptions {
  classNames: readonly string[];
  palette: readonly Rgb[];
  /** faces per row (default 4) */
  columns?: number;
  /** drawn height of each image (default: the tallest image, at least 218) */
  cellHeight?: number;
  /** opacity of the class colours (default 0.45); class 0 is never tinted */
  alpha?: number;
  title?: string;
}

const PAD = 8;
const GAP = 2;
const CAPTION = 16;
const TITLE = 28;
const LEGEND = 28;

/** Writes the grid to `path` (PNG, atomically). */
export async function labelGrid(items: readonly LabelGridItem[], path: string, o: LabelGridOptions): Promise<void> {
  if (items.length === 0) throw new Error('labelGrid: no items');
  items.forEach((it, i) => {
    checkRgbImage({ data: it.rgb, width: it.width, height: it.height }, `labelGrid item ${i}`);
    if (it.labels.length !== it.width * it.height) throw new Error(`labelGrid item ${i}: ${it.labels.length} labels for ${it.width}×${it.height} pixels`);
  });
  const cols = Math.max(1, Math.min(o.columns ?? 4, items.length));
  const rows = Math.ceil(items.length / cols);
  const h = o.cellHeight ?? Math.max(218, ...items.map((it) => it.height));
  const w = Math.max(...items.map((it) => Math.round((it.width * h) / it.height)));
  const pairW = 2 * w + GAP;
  const legend = o.classNames.map((name, i) => ({ name, color: o.palette[i] ?? ([128, 128, 128] as const) }));
  const width = Math.max(PAD + cols * (pairW + PAD), swatchLegendWidth(legend) + 2 * PAD);
  const top0 = PAD + (o.title ? TITLE : 0);
  const height = top0 + rows * (h + CAPTION + PAD) + LEGEND;
  const parts: string[] = [];
  if (o.title) parts.push(text(width / 2, PAD + 18, o.title, { size: 15, anchor: 'middle', weight: 'bold' }));
  const cells: RgbCell[] = [];
  // the landmarks are drawn over the photos, after the cells
  const dots: string[] = [];
  items.forEach((it, i) => {
    const left = PAD + (i % cols) * (pairW + PAD);
    const top = top0 + Math.floor(i / cols) * (h + CAPTION + PAD);
    const dw = Math.round((it.width * h) / it.height);
    const nearest = h >= 2 * it.height;
    cells.push({ rgb: it.rgb, width: it.width, height: it.height, left, top, drawWidth: dw, drawHeight: h, nearest });
    const over = overlay(it.rgb, it.labels, o.alpha ?? 0.45, { palette: o.palette });
    cells.push({ rgb: over, width: it.width, height: it.height, left: left + w + GAP, top, drawWidth: dw, drawHeight: h, nearest });
    if (it.points) {
      const s = h / it.height;
      for (let k = 0; k + 1 < it.points.length; k += 2) {
        const x = left + w + GAP + it.points[k]! * s;
        const y = top + it.points[k + 1]! * s;
        dots.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="#ffffff" stroke="#000000" stroke-width="1"/>`);
      }
    }
    if (it.caption) parts.push(text(left + pairW / 2, top + h + 12, it.caption, { size: 11, anchor: 'middle' }));
  });
  const lw = swatchLegendWidth(legend);
  parts.push(swatchLegend(Math.max(PAD, (width - lw) / 2), height - LEGEND / 2 - 2, legend));
  const marks = `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(width)}" height="${Math.round(height)}">${dots.join('')}</svg>`;
  await renderSvgWithCells(svgDoc(width, height, parts.join('')), cells, path, marks);
}
