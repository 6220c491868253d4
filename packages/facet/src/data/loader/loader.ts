// Batches for training and evaluation: a deterministic order per seed and epoch
// (Sampler), records from the decoded cache (store.ts), assembled in worker threads
// ahead of the step that needs them. No tensors here: to_tensors.ts makes them.
import { Worker } from 'node:worker_threads';
import { Sampler, type BatchPlan, type Shard } from './sampler.js';
import { StoreReader } from './store.js';
import { assembleBatch, type AssembledBatch } from './batch.js';
import type { Normalization } from './normalization.js';
import type { BatchRequest } from './worker.js';
import { isJitterOff, type Jitter } from './jitter.js';

export interface LoaderOptions {
  /** cache file base (ensureStore) */
  store: string;
  batchSize: number;
  seed: number;
  normalization: Normalization;
  /** random horizontal flips (training) */
  flip?: boolean;
  /** random scale / shift / rotation (training; jitter.ts) */
  jitter?: Jitter;
  shuffle?: boolean;
  /** per item: attribute targets 0/1 (null where unlabelled) */
  attributes?: ReadonlyArray<Uint8Array | null | undefined>;
  /** worker threads (0: assemble on the calling thread) */
  workers?: number;
  /** batches requested ahead */
  prefetch?: number;
  /** data-parallel training: this rank's slice of each (global) batch */
  shard?: Shard;
}

export interface HostBatch extends AssembledBatch {
  plan: BatchPlan;
  /** N×A, 0/1, or null when the items have no attributes */
  targets: Float32Array | null;
}

export class DataLoader {
  readonly sampler: Sampler;
  readonly #store: StoreReader;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Promise<AssembledBatch>>();
  readonly #waiting = new Map<number, { resolve: (b: AssembledBatch) => void; reject: (e: Error) => void }>();
  readonly #prefetch: number;
  #nextWorker = 0;
  #closed = false;

  constructor(readonly options: LoaderOptions) {
    this.#store = new StoreReader(options.store);
    const { count, height, width } = this.#store.header;
    const jitter = options.jitter && !isJitterOff(options.jitter) ? { jitter: options.jitter, height, width } : null;
    this.sampler = new Sampler(count, options.batchSize, options.seed, options.flip ?? false, options.shuffle ?? true, options.shard, jitter);
    this.#prefetch = options.prefetch ?? 2;
    for (let i = 0; i < (options.workers ?? 1); i++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: { base: options.store, normalization: options.normalization },
      });
      worker.on('message', (msg: { id: number; batch?: AssembledBatch; error?: string; producedAt?: number }) => {
        const w = this.#waiting.get(msg.id);
        if (!w) return;
        this.#waiting.delete(msg.id);
        if (msg.error) w.reject(new Error(`loader: ${msg.error}`));
        else w.resolve({ ...msg.batch!, producedAt: msg.producedAt });
      });
      worker.on('error', (e) => {
        for (const w of this.#waiting.values()) w.reject(e);
        this.#waiting.clear();
      });
      this.#workers.push(worker);
    }
  }

  get size(): number {
    return this.#store.header.count;
  }

  get header() {
    return this.#store.header;
  }

  #request(step: number): Promise<AssembledBatch> {
    let p = this.#pending.get(step);
    if (p) return p;
    const plan = this.sampler.plan(step);
    if (this.#workers.length === 0) {
      p = Promise.resolve(assembleBatch(this.#store, plan, this.options.normalization));
    } else {
      const worker = this.#workers[this.#nextWorker++ % this.#workers.length]!;
      p = new Promise<AssembledBatch>((resolve, reject) => {
        this.#waiting.set(step, { resolve, reject });
        worker.postMessage({ id: step, indices: plan.indices, flips: plan.flips, warps: plan.warps } satisfies BatchRequest);
      });
    }
    this.#pending.set(step, p);
    return p;
  }

  /** Asks for the batches of these steps now, without waiting (benchmarks flood the workers this way). */
  request(steps: Iterable<number>): Array<Promise<AssembledBatch>> {
    return [...steps].map((s) => this.#request(s));
  }

  /** The batch at a step (and requests the next ones). Steps may be asked in any order. */
  async batch(step: number): Promise<HostBatch> {
    if (this.#closed) throw new Error('loader: closed');
    const current = this.#request(step);
    for (let k = 1; k <= this.#prefetch; k++) void this.#request(step + k).catch(() => undefined);
    const b = await current;
    this.#pending.delete(step);
    for (const s of this.#pending.keys()) if (s < step) this.#pending.delete(s);
    const plan = this.sampler.plan(step);
    return { ...b, plan, targets: this.#targets(plan.indices) };
  }

  #targets(indices: readonly number[]): Float32Array | null {
    const attrs = this.options.attributes;
    if (!attrs) return null;
    const first = attrs[indices[0]!];
    if (!first) return null;
    const a = first.length;
    const out = new Float32Array(indices.length * a);
    indices.forEach((i, n) => {
      const row = attrs[i];
      if (!row) throw new Error(`loader: item ${i} has no attribute labels`);
      for (let k = 0; k < a; k++) out[n * a + k] = row[k]!;
    });
    return out;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#pending.values()]);
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#store.close();
  }
}
