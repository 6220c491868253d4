// CelebA's 5 landmarks at the network's input size, mirrored with the image where it was.
import type { Landmarks } from '../models/bbox.js';
import { toInputPixels } from '../model_io/fit.js';

/** Landmarks (x,y interleaved, source pixels) → network pixels by the fit rule, mirrored when flip. */
export function landmarksAtInput(raw: Float32Array, source: [number, number], height: number, width: number, flip: boolean): Landmarks[number] {
  const pts = [0, 1, 2, 3, 4].map((k) => toInputPixels(raw[2 * k]!, raw[2 * k + 1]!, source[0], source[1], width, height));
  if (!flip) return pts as Landmarks[number];
  const m = pts.map(([x, y]) => [width - 1 - x, y] as [number, number]);
  // Mirroring swaps left and right: eyes (0, 1) and mouth corners (3, 4).
  return [m[1]!, m[0]!, m[2]!, m[4]!, m[3]!];
}
