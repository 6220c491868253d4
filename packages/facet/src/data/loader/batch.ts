// Assembles one batch from stored records: warp where asked (jitter.ts), normalise to
// float32 N×3×H×W (planar, as predict does: model_io/normalize.ts), mirror where asked,
// labels N×H×W. Pure TS, so it runs in a worker thread as well.
import type { StoreReader } from './store.js';
import type { Normalization } from './normalization.js';
import { normalizeInto } from '../../model_io/normalize.js';
import { warpRecord, type Warp } from './jitter.js';

export interface AssembledBatch {
  images: Float32Array;
  labels: Uint8Array | null;
  count: number;
  height: number;
  width: number;
  /** wall-clock time (ms since the epoch) when the batch was ready, for benchmarks */
  producedAt?: number;
}

/** The items of a batch and what to do to each (a BatchPlan's fields). */
export interface BatchItems {
  indices: readonly number[];
  flips: readonly boolean[];
  warps: readonly Warp[] | null;
}

export function assembleBatch(store: StoreReader, items: BatchItems, norm: Normalization): AssembledBatch {
  const { indices, flips, warps } = items;
  const { height: h, width: w, hasMasks } = store.header;
  const plane = h * w;
  const images = new Float32Array(indices.length * 3 * plane);
  const labels = hasMasks ? new Uint8Array(indices.length * plane) : null;
  const stored = new Uint8Array(plane * 4);
  const rec = warps ? new Uint8Array(plane * 4) : stored;
  indices.forEach((index, n) => {
    store.read(index, stored);
    if (warps) warpRecord(stored, rec, h, w, warps[n]!, hasMasks);
    const flip = flips[n]!;
    normalizeInto(images, n * 3 * plane, rec, h, w, norm, flip);
    if (!labels) return;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) labels[n * plane + y * w + x] = rec[3 * plane + y * w + (flip ? w - 1 - x : x)]!;
    }
  });
  return { images, labels, count: indices.length, height: h, width: w, producedAt: Date.now() };
}
