/** A contact sheet: a grid of images (and optionally their region maps in colour) as one PNG. */
import sharp from 'sharp';
import { NUM_REGIONS } from '../regions.js';

/** Display colours of the 7 regions. */
export const REGION_COLORS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], [150, 80, 20], [240, 200, 160], [40, 120, 255], [0, 200, 80], [230, 30, 60], [250, 230, 40],
];

export function colorizeRegions(regions: Uint8Array): Uint8Array {
  const out = new Uint8Array(regions.length * 3);
  for (let i = 0; i < regions.length; i++) {
    const c = REGION_COLORS[Math.min(regions[i]!, NUM_REGIONS - 1)]!;
    out[i * 3] = c[0];
    out[i * 3 + 1] = c[1];
    out[i * 3 + 2] = c[2];
  }
  return out;
}

export interface Tile {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Lays tiles (all the same size) out in `cols` columns and writes a PNG. */
export async function writeContactSheet(tiles: Tile[], cols: number, file: string, gap = 2): Promise<void> {
  const w = tiles[0]!.width;
  const h = tiles[0]!.height;
  const rows = Math.ceil(tiles.length / cols);
  const composites = await Promise.all(
    tiles.map(async (t, k) => ({
      input: await sharp(Buffer.from(t.rgb), { raw: { width: t.width, height: t.height, channels: 3 } }).png().toBuffer(),
      left: (k % cols) * (w + gap),
      top: Math.floor(k / cols) * (h + gap),
    })),
  );
  await sharp({ create: { width: cols * (w + gap) - gap, height: rows * (h + gap) - gap, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(composites)
    .png()
    .toFile(file);
}
