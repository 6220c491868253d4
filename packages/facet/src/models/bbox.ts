// BBox baseline (spec §6): SSP whose regions are 16 landmark boxes instead of 7 masks.
import { type Tensor, tensor } from '@facet/torch';
import { AttributeNet, type AttributeNetOptions } from './attribute_net.js';

/** Five CelebA landmarks per image, (x, y) in pixels of the network's input. */
export type Landmarks = Array<[[number, number], [number, number], [number, number], [number, number], [number, number]]>;

export const BOX_COUNT = 16;

export interface BoxOptions {
  /** Area of every box, in input pixels (default (0.2·W)²). */
  area?: number;
  /** where the masks are made (the images' device; default cpu) */
  device?: string;
}

/**
 * For each landmark, boxes of aspect (w:h) 1:1, 1:2 and 2:1 with a fixed area, centred
 * on it, plus the whole image: 16 binary masks at half the input resolution (the scale
 * SSP's masks come at), N×16×⌈H/2⌉×⌈W/2⌉.
 */
export function boxMasks(landmarks: Landmarks, height: number, width: number, options: BoxOptions = {}): Tensor {
  const area = options.area ?? (0.2 * width) ** 2;
  const h2 = Math.ceil(height / 2),
    w2 = Math.ceil(width / 2);
  const s = Math.sqrt(area);
  const shapes: Array<[number, number]> = [
    [s, s],
    [s / Math.SQRT2, s * Math.SQRT2],
    [s * Math.SQRT2, s / Math.SQRT2],
  ];
  const out = new Float32Array(landmarks.length * BOX_COUNT * h2 * w2);
  landmarks.forEach((points, n) => {
    let r = 0;
    const fill = (x0: number, y0: number, x1: number, y1: number): void => {
      const base = (n * BOX_COUNT + r) * h2 * w2;
      // Half-resolution pixel (i, j) covers input rows 2i…2i+1: test its centre.
      for (let i = 0; i < h2; i++) {
        const y = 2 * i + 1;
        if (y < y0 || y > y1) continue;
        for (let j = 0; j < w2; j++) {
          const x = 2 * j + 1;
          if (x >= x0 && x <= x1) out[base + i * w2 + j] = 1;
        }
      }
      r++;
    };
    for (const [px, py] of points) {
      for (const [bw, bh] of shapes) fill(px - bw / 2, py - bh / 2, px + bw / 2, py + bh / 2);
    }
    fill(-Infinity, -Infinity, Infinity, Infinity);
  });
  return tensor(out, [landmarks.length, BOX_COUNT, h2, w2], { device: options.device ?? 'cpu' });
}

/** SSP over boxes: boxes shrink to the feature grid by average pooling (coverage). */
export function createBBoxNet(options: Omit<AttributeNetOptions, 'head' | 'maxPooled'> = {}): AttributeNet {
  return new AttributeNet({ ...options, head: 'ssp', maxPooled: [] });
}
