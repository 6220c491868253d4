// The paper's Figure 4: SSP's region weights w[r, a] (softmax over regions per
// attribute, spec §4), averaged over a data set, as an attributes × regions heat map.
import sharp from 'sharp';
import { rgbHex } from './color.js';
import { type Colormap, heatRange, viridis } from './colormap.js';
import { writePng } from './io.js';
import { colorbar, rect, svgDoc, text, textWidth } from './svg.js';

export interface RegionWeightMapOptions {
  /** per attribute, the region where it should live (index into regionNames), or null; outlined in red */
  highlight?: readonly (number | null)[];
  title?: string;
  /** colour scale bounds (default: the matrix's min and max) */
  min?: number;
  max?: number;
  /** print each weight in its cell (default true) */
  showValues?: boolean;
  cellWidth?: number;
  cellHeight?: number;
  colormap?: Colormap;
}

/** Geometry of the heat map, exported so tests can find cells. */
export interface RegionWeightLayout {
  width: number;
  height: number;
  /** top-left of cell (attribute a, region r) */
  cell: (a: number, r: number) => { left: number; top: number; width: number; height: number };
}

const PAD = 10;

export function regionWeightLayout(attributeNames: readonly string[], regionNames: readonly string[], o: RegionWeightMapOptions = {}): RegionWeightLayout {
  const cw = o.cellWidth ?? Math.ceil(Math.max(64, ...regionNames.map((n) => textWidth(n, 12) + 10)));
  const ch = o.cellHeight ?? 20;
  const labelW = Math.ceil(Math.max(...attributeNames.map((n) => textWidth(n, 12))) + 12);
  const left = PAD + labelW;
  const top = PAD + (o.title ? 30 : 0) + 24;
  const width = left + regionNames.length * cw + 90;
  const height = top + attributeNames.length * ch + (o.highlight ? 34 : PAD + 6);
  return { width, height, cell: (a, r) => ({ left: left + r * cw, top: top + a * ch, width: cw, height: ch }) };
}

/** Writes the attributes × regions weight map (`matrix` row-major A×R) to `path` (PNG, atomically). */
export async function regionWeightMap(
  matrix: Float32Array,
  attributeNames: readonly string[],
  regionNames: readonly string[],
  path: string,
  options: RegionWeightMapOptions = {},
): Promise<void> {
  const A = attributeNames.length;
  const R = regionNames.length;
  if (matrix.length !== A * R) throw new Error(`regionWeightMap: ${matrix.length} values for ${A} attributes × ${R} regions`);
  if (options.highlight && options.highlight.length !== A)
    throw new Error(`regionWeightMap: highlight has ${options.highlight.length} entries for ${A} attributes`);
  const cmap = options.colormap ?? viridis;
  const [lo, hi] = heatRange(matrix, options);
  const L = regionWeightLayout(attributeNames, regionNames, options);
  const parts: string[] = [];
  if (options.title) parts.push(text(L.width / 2, PAD + 18, options.title, { size: 16, anchor: 'middle', weight: 'bold' }));
  regionNames.forEach((name, r) => {
    const c = L.cell(0, r);
    parts.push(text(c.left + c.width / 2, c.top - 8, name, { size: 12, anchor: 'middle', weight: 'bold' }));
  });
  const outlines: string[] = [];
  for (let a = 0; a < A; a++) {
    const c0 = L.cell(a, 0);
    parts.push(text(c0.left - 6, c0.top + c0.height / 2, attributeNames[a]!, { size: 12, anchor: 'end', valign: 'middle' }));
    for (let r = 0; r < R; r++) {
      const v = matrix[a * R + r]!;
      const t = hi > lo ? (v - lo) / (hi - lo) : 0;
      const color = Number.isFinite(v) ? cmap(t) : ([200, 200, 200] as const);
      const c = L.cell(a, r);
      parts.push(rect(c.left, c.top, c.width, c.height, rgbHex(color), '#ffffff', 0.5));
      if (options.showValues ?? true) {
        const lum = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
        const label = Number.isFinite(v) ? v.toFixed(2) : '—';
        parts.push(
          text(c.left + c.width / 2, c.top + c.height / 2, label, { size: 11, anchor: 'middle', valign: 'middle', fill: lum > 140 ? '#000000' : '#ffffff' }),
        );
      }
      if (options.highlight?.[a] === r) outlines.push(rect(c.left + 1, c.top + 1, c.width - 2, c.height - 2, 'none', '#ff2020', 2.5));
    }
  }
  parts.push(...outlines);
  const last = L.cell(0, R - 1);
  const barTop = L.cell(0, 0).top;
  const barH = Math.min(A * L.cell(0, 0).height, 300);
  parts.push(colorbar(last.left + last.width + 14, barTop, 16, barH, cmap, lo, hi, 'weight'));
  if (options.highlight) {
    const y = L.height - 16;
    const x = L.cell(0, 0).left;
    parts.push(rect(x, y - 7, 22, 14, 'none', '#ff2020', 2.5));
    parts.push(text(x + 30, y, 'region where the attribute is expected to live', { size: 12, valign: 'middle' }));
  }
  await writePng(sharp(Buffer.from(svgDoc(L.width, L.height, parts.join('')))).flatten({ background: '#ffffff' }), path);
}
