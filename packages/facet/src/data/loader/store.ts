// Decoded items at the network's size, as fixed-size records: H·W·3 RGB bytes, then
// H·W label bytes (255 where an item has no mask). Kept in a cache file that batches
// read by position, so epoch 2 onward never decodes and memory stays bounded.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { homedir } from 'node:os';
import type { FaceItem } from '../types.js';
import { decodeItem, mapLimit } from '../image.js';
import { NormalizationAccumulator, type Normalization } from './normalization.js';
import { fingerprintMismatch, itemFingerprint } from './fingerprint.js';

export const NO_LABEL = 255;
// 3: images fit by the cover rule (model_io/fit.ts) rather than stretched
const CACHE_VERSION = 3;

export interface StoreHeader {
  version: number;
  count: number;
  height: number;
  width: number;
  hasMasks: boolean;
  ids: string[];
  /** each item's size before resizing, [width, height] */
  sourceSizes: Array<[number, number]>;
  /** statistics of the stored images (the loader uses the training split's) */
  normalization: Normalization;
  /** each item's files as they were when decoded (fingerprint.ts); absent in older caches */
  fingerprints?: string[];
}

export function recordBytes(h: number, w: number): number {
  return h * w * 4;
}

export function defaultCacheDir(): string {
  return process.env.FACET_CACHE ?? join(homedir(), '.cache', 'facet');
}

function cacheKey(items: readonly FaceItem[], height: number, width: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: CACHE_VERSION, height, width }));
  for (const it of items) h.update(`${it.imagePath}\0${it.mask ? JSON.stringify(it.mask) : ''}\n`);
  return h.digest('hex').slice(0, 24);
}

export interface BuildOptions {
  height: number;
  width: number;
  cacheDir?: string;
  /** decodes in flight (sharp runs them on libuv threads) */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** told why an existing cache is decoded again (default: a line on stderr) */
  onRebuild?: (message: string) => void;
}

/** Why the cache at base cannot serve these items (null: it can). */
function staleReason(base: string, items: readonly FaceItem[], fingerprints: readonly string[]): string | null {
  let header: StoreHeader;
  try {
    header = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as StoreHeader;
  } catch (e) {
    return `its header is unreadable (${(e as Error).message})`;
  }
  if (header.version !== CACHE_VERSION) return `it is cache version ${header.version}, not ${CACHE_VERSION}`;
  return fingerprintMismatch(items, header.fingerprints, fingerprints);
}

/**
 * Returns the path of the cache file for these items at this size, decoding them
 * into it first when it is not there yet, or when their files changed since it was
 * built (written to a temp file, then renamed over the old one).
 */
export async function ensureStore(items: readonly FaceItem[], options: BuildOptions): Promise<string> {
  const dir = options.cacheDir ?? defaultCacheDir();
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `decoded-${cacheKey(items, options.height, options.width)}`);
  // taken before decoding: a file changed while it is decoded is seen as changed next time
  const fingerprints = items.map(itemFingerprint);
  if (existsSync(`${base}.bin`) && existsSync(`${base}.json`)) {
    const reason = staleReason(base, items, fingerprints);
    if (reason === null) return base;
    (options.onRebuild ?? ((m) => process.stderr.write(`${m}\n`)))(`decoded cache ${base}: decoding again: ${reason}`);
  }
  const { height: h, width: w } = options;
  const size = recordBytes(h, w);
  const tmp = `${base}.bin.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  const stats = new NormalizationAccumulator();
  let done = 0;
  let hasMasks = false;
  const sourceSizes: Array<[number, number]> = new Array(items.length);
  try {
    await mapLimit(items, options.concurrency ?? 2, async (item, i) => {
      const d = await decodeItem(item, { width: w, height: h });
      const rec = Buffer.alloc(size, NO_LABEL);
      rec.set(d.image.data, 0);
      if (d.mask) {
        rec.set(d.mask.data, h * w * 3);
        hasMasks = true;
      }
      stats.add(d.image.data);
      sourceSizes[i] = [d.source!.width, d.source!.height];
      writeSync(fd, rec, 0, size, i * size);
      options.onProgress?.(++done, items.length);
    });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const header: StoreHeader = {
    version: CACHE_VERSION,
    count: items.length,
    height: h,
    width: w,
    hasMasks,
    ids: items.map((it) => it.id),
    sourceSizes,
    normalization: stats.result(),
    fingerprints,
  };
  // records first, header last: a crash between the two leaves the old header, whose
  // fingerprints no longer match, so the next run decodes again
  renameSync(tmp, `${base}.bin`);
  writeFileSync(`${base}.json.${process.pid}.tmp`, JSON.stringify(header));
  renameSync(`${base}.json.${process.pid}.tmp`, `${base}.json`);
  return base;
}

/** Reads records by index from a cache file. */
export class StoreReader {
  readonly header: StoreHeader;
  readonly #fd: number;
  readonly #size: number;

  constructor(readonly base: string) {
    this.header = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as StoreHeader;
    if (this.header.version !== CACHE_VERSION) throw new Error(`${base}.json: cache version ${this.header.version}, expected ${CACHE_VERSION}`);
    this.#size = recordBytes(this.header.height, this.header.width);
    this.#fd = openSync(`${base}.bin`, 'r');
  }

  read(index: number, into: Uint8Array = new Uint8Array(this.#size)): Uint8Array {
    if (index < 0 || index >= this.header.count) throw new RangeError(`store: index ${index} outside 0…${this.header.count - 1}`);
    const n = readSync(this.#fd, into, 0, this.#size, index * this.#size);
    if (n !== this.#size) throw new Error(`${this.base}.bin: truncated at record ${index}`);
    return into;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** Pixels per label 0…classes-1 over every stored mask (unlabelled pixels left out). */
export function labelHistogram(base: string, classes: number): Float64Array {
  const reader = new StoreReader(base);
  try {
    const { count, height, width } = reader.header;
    const hist = new Float64Array(classes);
    const rec = new Uint8Array(recordBytes(height, width));
    const start = height * width * 3;
    for (let i = 0; i < count; i++) {
      reader.read(i, rec);
      for (let p = start; p < rec.length; p++) if (rec[p]! < classes) hist[rec[p]!]! += 1;
    }
    return hist;
  } finally {
    reader.close();
  }
}

/** SegNet's median-frequency balancing: weight_c = median(freq) / freq_c (absent classes: 1). */
export function medianFrequencyWeights(hist: Float64Array): number[] {
  const total = hist.reduce((a, b) => a + b, 0);
  const present = [...hist]
    .filter((h) => h > 0)
    .map((h) => h / total)
    .sort((a, b) => a - b);
  if (present.length === 0) return [...hist].map(() => 1);
  const mid = present.length >> 1;
  const median = present.length % 2 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2;
  return [...hist].map((h) => (h > 0 ? median / (h / total) : 1));
}
