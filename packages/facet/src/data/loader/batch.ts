// Assembles one batch from stored records: normalise to float32 N×3×H×W (planar),
// mirror where asked, labels N×H×W. Pure TS, so it runs in a worker thread as well.
import type { StoreReader } from './store.js';
import type { Normalization } from './normalization.js';

export interface AssembledBatch {
  images: Float32Array;
  labels: Uint8Array | null;
  count: number;
  height: number;
  width: number;
  /** wall-clock time (ms since the epoch) when the batch was ready, for benchmarks */
  producedAt?: number;
}

export function assembleBatch(store: StoreReader, indices: readonly number[], flips: readonly boolean[], norm: Normalization): AssembledBatch {
  const { height: h, width: w, hasMasks } = store.header;
  const plane = h * w;
  const images = new Float32Array(indices.length * 3 * plane);
  const labels = hasMasks ? new Uint8Array(indices.length * plane) : null;
  const rec = new Uint8Array(plane * 4);
  const scale = norm.std.map((s) => 1 / s);
  indices.forEach((index, n) => {
    store.read(index, rec);
    const flip = flips[n]!;
    const base = n * 3 * plane;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = (y * w + (flip ? w - 1 - x : x));
        const dst = y * w + x;
        for (let c = 0; c < 3; c++) images[base + c * plane + dst] = (rec[src * 3 + c]! - norm.mean[c]!) * scale[c]!;
        if (labels) labels[n * plane + dst] = rec[3 * plane + src]!;
      }
    }
  });
  return { images, labels, count: indices.length, height: h, width: w, producedAt: Date.now() };
}
