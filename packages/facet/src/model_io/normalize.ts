// Pixels → the network's input: packed RGB bytes to planar 3×H×W floats, (v − mean) / std
// per channel. One function for training's batches, predict (torch and ONNX) and the web
// page, so every runtime sees the same float32 values: the order of operations decides
// the last bit (training's batches used to multiply by 1/std).

/** Per-channel mean and std of 0–255 pixels (a run's training statistics). */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * Writes H×W packed RGB into out[offset …] as planar normalised channels, mirrored left
 * to right when `flip` (training's augmentation). rgb may be longer (a store record carries
 * the mask after the pixels): only its first H×W×3 bytes are read.
 */
export function normalizeInto(out: Float32Array, offset: number, rgb: Uint8Array, height: number, width: number, stats: ChannelStats, flip = false): void {
  const plane = height * width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = y * width + (flip ? width - 1 - x : x);
      const dst = offset + y * width + x;
      for (let c = 0; c < 3; c++) out[dst + c * plane] = (rgb[src * 3 + c]! - stats.mean[c]!) / stats.std[c]!;
    }
  }
}

/** H×W packed RGB → a new 3×H×W normalised input. */
export function normalizePlanar(rgb: Uint8Array, height: number, width: number, stats: ChannelStats): Float32Array {
  const out = new Float32Array(3 * height * width);
  normalizeInto(out, 0, rgb, height, width, stats);
  return out;
}
