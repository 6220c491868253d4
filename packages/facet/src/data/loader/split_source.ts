// One split of a data set, decoded at the network's size into the cache, ready for a DataLoader.
import { openDataset } from '../detect.js';
import type { DatasetFormat, FaceDataset, FaceItem, Split } from '../types.js';
import { ensureStore, StoreReader, type StoreHeader } from './store.js';

export interface SplitSource {
  dataset: FaceDataset;
  split: Split;
  items: FaceItem[];
  /** cache file base */
  store: string;
  header: StoreHeader;
}

export interface SplitOptions {
  height: number;
  width: number;
  format?: DatasetFormat;
  cacheDir?: string;
  /** keep only items with attribute labels / masks */
  require?: 'attributes' | 'masks';
  /** the first N items (after filtering) */
  limit?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function openSplit(dir: string, split: Split, options: SplitOptions): Promise<SplitSource> {
  const dataset = openDataset(dir, options.format ? { format: options.format } : {});
  let items = dataset.items(split);
  if (options.require === 'attributes') items = items.filter((i) => i.attributes);
  if (options.require === 'masks') items = items.filter((i) => i.mask);
  if (options.limit && options.limit > 0) items = items.slice(0, options.limit);
  if (items.length === 0) {
    const what = options.require ? ` with ${options.require}` : '';
    throw new Error(`${dir}: the ${split} split has no items${what} (splits here: ${dataset.splits.join(', ') || 'none'})`);
  }
  const store = await ensureStore(items, { height: options.height, width: options.width, cacheDir: options.cacheDir, onProgress: options.onProgress });
  const reader = new StoreReader(store);
  const header = reader.header;
  reader.close();
  return { dataset, split, items, store, header };
}
