// Pixels for the views: the parse as a transparent overlay in the region palette, the
// localization map (spec §10) upsampled and coloured with turbo, all on canvases.
// The palette and colour helpers are facet's own (src/viz/color.ts, src/viz/colormap.ts),
// shared with the CLI figures and the HTML report.
import { REGION_PALETTE } from '../../src/viz/color.js';
import { bilinearResize, heatRange, turbo } from '../../src/viz/colormap.js';

export { REGION_PALETTE, turbo };

export function rgbCss(c: readonly [number, number, number]): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

function context(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  return canvas.getContext('2d', { willReadFrequently: true })!;
}

export function drawPixels(canvas: HTMLCanvasElement, pixels: ImageData): void {
  context(canvas, pixels.width, pixels.height).putImageData(pixels, 0, 0);
}

/** Region labels (model_io/parse_labels.ts) coloured; background (region 0) stays transparent. */
export function drawParse(canvas: HTMLCanvasElement, labels: Uint8Array, height: number, width: number): void {
  const ctx = context(canvas, width, height);
  const img = ctx.createImageData(width, height);
  for (let p = 0; p < labels.length; p++) {
    const best = labels[p]!;
    if (best === 0) continue;
    const c = REGION_PALETTE[best] ?? [128, 128, 128];
    img.data[4 * p] = c[0];
    img.data[4 * p + 1] = c[1];
    img.data[4 * p + 2] = c[2];
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Attribute a's map (A×gh×gw), bilinear to H×W, min–max over the grid, turbo. */
export function drawHeat(canvas: HTMLCanvasElement, heatmaps: Float32Array, a: number, gh: number, gw: number, height: number, width: number): void {
  const grid = heatmaps.subarray(a * gh * gw, (a + 1) * gh * gw);
  const up = bilinearResize(grid, gh, gw, height, width);
  const [lo, hi] = heatRange(grid);
  const span = hi - lo;
  const ctx = context(canvas, width, height);
  const img = ctx.createImageData(width, height);
  for (let p = 0; p < up.length; p++) {
    const t = span > 0 ? (up[p]! - lo) / span : 0;
    const c = turbo(t);
    img.data[4 * p] = c[0];
    img.data[4 * p + 1] = c[1];
    img.data[4 * p + 2] = c[2];
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

export function clear(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}
