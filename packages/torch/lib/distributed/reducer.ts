// Gradient averaging as DistributedDataParallel does it: parameters in buckets (reverse
// order, the order backward produces their gradients); when a bucket's last gradient
// is accumulated, a hook inside backward starts that bucket's all-reduce, so
// communication overlaps the rest of backward. finish() waits and writes averages.
import type { Tensor } from '../tensor.js';
import { dist, type ReducerHandle } from './native_dist.js';
import type { ProcessGroup } from './process_group.js';

/** DDP's bucket_cap_mb default: 25 MiB. */
export const DEFAULT_BUCKET_BYTES = 25 * 2 ** 20;

export class GradReducer {
  #handle: ReducerHandle | null;

  constructor(
    readonly group: ProcessGroup,
    params: Tensor[],
    bucketBytes = DEFAULT_BUCKET_BYTES,
  ) {
    this.#handle = dist().distNewReducer(
      group.handle,
      params.map((p) => p.handle),
      bucketBytes,
    );
  }

  get buckets(): number {
    return dist().distReducerBuckets(this.handle);
  }

  private get handle(): ReducerHandle {
    if (!this.#handle) throw new Error('GradReducer: used after dispose()');
    return this.#handle;
  }

  /** Before backward: arms the hooks for one step. */
  prepare(): void {
    dist().distReducerPrepare(this.handle);
  }

  /**
   * After backward: resolves when every parameter's .grad holds the average over ranks
   * (a parameter without a gradient counts as zeros), with the number of buckets whose
   * all-reduce had started inside backward.
   */
  finish(): Promise<number> {
    return dist().distReducerFinish(this.handle);
  }

  dispose(): void {
    if (this.#handle) dist().distReducerDispose(this.#handle);
    this.#handle = null;
  }
}
