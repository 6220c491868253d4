// One attribute's localization map (spec §10) over the photo it was computed for.
import { type FloatMap, type HeatOverlayOptions, heatRange, overlayHeat, turbo } from './colormap.js';
import { renderSvgWithCells, writeRgbPng } from './io.js';
import { checkRgbImage } from '../model_io/rgb_image.js';
import { colorbar, svgDoc, text } from './svg.js';

export interface HeatmapOverlayOptions extends HeatOverlayOptions {
  /** title drawn above the image (e.g. the attribute name and its probability) */
  title?: string;
  /**
   * true (default): the overlay scaled to at least 256 pixels high, a title and a colour bar.
   * false: exactly the width × height blended pixels, nothing else.
   */
  decorate?: boolean;
}

/**
 * Writes the heat map `heat` (its own grid, e.g. 14×12) upsampled bilinearly to the
 * photo, min–max normalized (or over `min`/`max`), coloured with turbo and blended
 * at `alpha` (default 0.5), to `path` (PNG, atomically).
 */
export async function heatmapOverlay(
  rgb: Uint8Array,
  width: number,
  height: number,
  heat: FloatMap,
  path: string,
  options: HeatmapOverlayOptions = {},
): Promise<void> {
  checkRgbImage({ data: rgb, width, height }, 'heatmapOverlay');
  if (heat.data.length !== heat.height * heat.width) throw new Error(`heatmapOverlay: ${heat.data.length} values for a ${heat.height}×${heat.width} map`);
  const blended = overlayHeat(rgb, width, height, heat, options);
  if (options.decorate === false) return writeRgbPng(blended, width, height, path);
  const scale = Math.max(1, 256 / height);
  const dw = Math.round(width * scale);
  const dh = Math.round(height * scale);
  const pad = 10;
  const titleH = options.title ? 28 : 0;
  const W = pad + dw + 70;
  const H = pad + titleH + dh + pad;
  const [lo, hi] = heatRange(heat.data, options);
  const parts = [
    options.title ? text(pad, pad + 17, options.title, { size: 14, weight: 'bold' }) : '',
    colorbar(pad + dw + 12, pad + titleH + 14, 14, dh - 14, options.colormap ?? turbo, lo, hi),
  ];
  await renderSvgWithCells(svgDoc(W, H, parts.join('')), [{ rgb: blended, width, height, left: pad, top: pad + titleH, drawWidth: dw, drawHeight: dh }], path);
}
