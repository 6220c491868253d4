// Worker thread that assembles batches from the cache file, off the training thread.
import { parentPort, workerData } from 'node:worker_threads';
import { StoreReader } from './store.js';
import { assembleBatch, type BatchItems } from './batch.js';
import type { Normalization } from './normalization.js';

export interface BatchRequest extends BatchItems {
  id: number;
}

const { base, normalization } = workerData as { base: string; normalization: Normalization };
const store = new StoreReader(base);

parentPort!.on('message', (req: BatchRequest | 'close') => {
  if (req === 'close') {
    store.close();
    parentPort!.close();
    return;
  }
  try {
    const b = assembleBatch(store, req, normalization);
    const transfer: ArrayBuffer[] = [b.images.buffer as ArrayBuffer];
    if (b.labels) transfer.push(b.labels.buffer as ArrayBuffer);
    parentPort!.postMessage({ id: req.id, batch: b, producedAt: Date.now() }, transfer);
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: (e as Error).message });
  }
});
