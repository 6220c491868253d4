// One split of a data set, decoded at the network's size into the cache, ready for a DataLoader.
import { findCelebAFiles } from '../celeba.js';
import { detectFormat, openDataset } from '../detect.js';
import type { DatasetFormat, FaceDataset, FaceItem, Split } from '../types.js';
import { alignPhotoItems } from './aligned_photos.js';
import { defaultCacheDir, ensureStore, StoreReader, type StoreHeader } from './store.js';

export interface SplitSource {
  /** the (first) data set; attribute names and mask kind are the same in every one */
  dataset: FaceDataset;
  /** every data set whose items are here, in order */
  datasets: FaceDataset[];
  split: Split;
  items: FaceItem[];
  /** cache file base */
  store: string;
  header: StoreHeader;
  /** CelebA in-the-wild photos read as their aligned faces (0 for aligned data) */
  photos: number;
  /** of those, the ones left out because no face was found in them (ids) */
  noFace: string[];
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
  /** told why an existing decoded cache is built again (default: a line on stderr) */
  onRebuild?: (message: string) => void;
}

/** The items of one split of one folder, filtered as asked (none: an empty list). */
function splitItems(dataset: FaceDataset, split: Split, options: SplitOptions): FaceItem[] {
  let items = dataset.items(split);
  if (options.require === 'attributes') items = items.filter((i) => i.attributes);
  if (options.require === 'masks') items = items.filter((i) => i.mask);
  return items;
}

function noItems(dirs: readonly string[], split: Split, options: SplitOptions, datasets: FaceDataset[]): Error {
  const what = options.require ? ` with ${options.require}` : '';
  const splits = datasets.map((d) => d.splits.join(', ') || 'none').join('; ');
  return new Error(`${dirs.join(', ')}: the ${split} split has no items${what} (splits here: ${splits})`);
}

/** One split of one folder, decoded at the network's size. */
export async function openSplit(dir: string, split: Split, options: SplitOptions): Promise<SplitSource> {
  return openSplits([dir], split, options);
}

/**
 * One split of several folders (any image sizes, each read by its own reader) as one
 * source: their items in the order given, brought to the network's size by the one fit
 * rule. Folders without that split add nothing; attribute data must name the same
 * attributes in the same order.
 */
export async function openSplits(dirs: readonly string[], split: Split, options: SplitOptions): Promise<SplitSource> {
  if (dirs.length === 0) throw new Error('no data folder given');
  const datasets = dirs.map((dir) => openDataset(dir, options.format ? { format: options.format } : {}));
  const first = datasets[0]!;
  if (options.require === 'attributes') {
    datasets.forEach((d, k) => {
      if (d.attributeNames.join() !== first.attributeNames.join()) {
        throw new Error(
          `${dirs[k]}: its attributes (${d.attributeNames.length}) differ from ${dirs[0]}'s (${first.attributeNames.length}): attribute data sets trained together must name the same attributes in the same order`,
        );
      }
    });
  }
  // CelebA's in-the-wild photos are read as their faces aligned (data/loader/aligned_photos.ts)
  const wild = dirs.map((dir) => (options.format ?? detectFormat(dir)) === 'celeba' && findCelebAFiles(dir).layout === 'in-the-wild');
  const used = datasets.map((d, k) => ({ dataset: d, wild: wild[k]!, items: splitItems(d, split, options) })).filter((u) => u.items.length > 0);
  let items = used.flatMap((u) => u.items);
  if (options.limit && options.limit > 0) items = items.slice(0, options.limit);
  if (items.length === 0) throw noItems(dirs, split, options, datasets);
  const photos = new Set(used.filter((u) => u.wild).flatMap((u) => u.items));
  let noFace: string[] = [];
  const photoCount = items.filter((i) => photos.has(i)).length;
  if (photoCount > 0) {
    const wildItems = items.filter((i) => photos.has(i));
    const r = await alignPhotoItems(wildItems, options.cacheDir ?? defaultCacheDir());
    const alignedOf = new Map(wildItems.map((i, k) => [i, r.items[k]!]));
    items = items.flatMap((i) => {
      if (!photos.has(i)) return [i];
      const a = alignedOf.get(i);
      return a ? [a] : [];
    });
    noFace = r.noFace;
    if (items.length === 0) throw new Error(`${dirs.join(', ')}: no face found in any photo of the ${split} split`);
  }
  const store = await ensureStore(items, {
    height: options.height,
    width: options.width,
    cacheDir: options.cacheDir,
    onProgress: options.onProgress,
    onRebuild: options.onRebuild,
  });
  const reader = new StoreReader(store);
  const header = reader.header;
  reader.close();
  return { dataset: used[0]!.dataset, datasets: used.map((u) => u.dataset), split, items, store, header, photos: photoCount, noFace };
}
