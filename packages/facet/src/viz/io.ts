// Writing figures: every PNG is written atomically (writeFileAtomic), so a reader never
// sees a half-written figure.
import sharp from 'sharp';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { checkRgbImage } from '../model_io/rgb_image.js';

/** Encodes an image (a sharp pipeline) as PNG and writes it atomically. */
export async function writePng(image: sharp.Sharp, path: string): Promise<void> {
  writeFileAtomic(path, await image.png().toBuffer());
}

/** Encodes a packed RGB buffer (height × width × 3) as a PNG buffer. */
export function rgbToPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  checkRgbImage({ data: rgb, width, height }, 'rgbToPng');
  return sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** Writes a packed RGB buffer as a PNG file, atomically. */
export async function writeRgbPng(rgb: Uint8Array, width: number, height: number, path: string): Promise<void> {
  writeFileAtomic(path, await rgbToPng(rgb, width, height));
}

/** A figure cell: packed RGB pixels placed at (left, top) of a canvas, optionally resized first. */
export interface RgbCell {
  rgb: Uint8Array;
  width: number;
  height: number;
  left: number;
  top: number;
  /** size to draw at (defaults to the pixel size); resized with nearest-neighbour when `nearest` */
  drawWidth?: number;
  drawHeight?: number;
  nearest?: boolean;
}

/**
 * Renders an SVG (text, axes, frames) and composites RGB cells over it; writes a PNG
 * atomically. `over`, a transparent SVG of the same size, is drawn on top of the cells
 * (marks on the photos).
 */
export async function renderSvgWithCells(svg: string, cells: readonly RgbCell[], path: string, over?: string): Promise<void> {
  const inputs = await Promise.all(
    cells.map(async (c) => {
      checkRgbImage({ data: c.rgb, width: c.width, height: c.height }, 'renderSvgWithCells');
      let img = sharp(Buffer.from(c.rgb.buffer, c.rgb.byteOffset, c.rgb.byteLength), {
        raw: { width: c.width, height: c.height, channels: 3 },
      });
      const w = c.drawWidth ?? c.width;
      const h = c.drawHeight ?? c.height;
      if (w !== c.width || h !== c.height) {
        img = img.resize(w, h, { fit: 'fill', kernel: c.nearest ? 'nearest' : 'lanczos3' });
      }
      return { input: await img.png().toBuffer(), left: Math.round(c.left), top: Math.round(c.top) };
    }),
  );
  const base = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
  // composite needs the SVG rasterized first when there are many inputs; go through a buffer
  const raster = await base.png().toBuffer();
  if (over) inputs.push({ input: Buffer.from(over), left: 0, top: 0 });
  await writePng(sharp(raster).composite(inputs).removeAlpha(), path);
}
