// Data-parallel training over a c10d process group, as PyTorch's DDP does it: the same
// weights everywhere (broadcast from rank 0), gradients averaged by bucketed all-reduce
// started from inside backward, BatchNorm's statistics computed per rank on its slice
// and its running buffers taken from rank 0 before each step (DDP's broadcast_buffers).
import { type Tensor, tensor, type nn, distributed as D } from '@facet/torch';

export class DataParallel {
  readonly #reducer: D.GradReducer;
  readonly #buffers: Tensor[];

  private constructor(
    readonly group: D.ProcessGroup,
    readonly model: nn.Module,
    trainable: Tensor[],
    bucketBytes: number,
  ) {
    this.#buffers = [...model.namedBuffers()].map(([, b]) => b);
    this.#reducer = new D.GradReducer(group, trainable, bucketBytes);
  }

  get rank(): number {
    return this.group.rank;
  }
  get worldSize(): number {
    return this.group.worldSize;
  }
  get buckets(): number {
    return this.#reducer.buckets;
  }

  /** Every rank calls it with the same model; resolves once all hold rank 0's parameters and buffers. */
  static async wrap(group: D.ProcessGroup, model: nn.Module, trainable: Tensor[], bucketBytes = D.DEFAULT_BUCKET_BYTES): Promise<DataParallel> {
    const dp = new DataParallel(group, model, trainable, bucketBytes);
    await dp.#collective('broadcasting the initial weights', () => group.broadcast([...model.parameters(), ...dp.#buffers], 0).wait());
    return dp;
  }

  /** Before the forward pass: BatchNorm's running buffers from rank 0. */
  async syncBuffers(): Promise<void> {
    if (this.#buffers.length && this.worldSize > 1) await this.#collective('broadcasting buffers', () => this.group.broadcast(this.#buffers, 0).wait());
  }

  /** Just before backward: arms the bucket hooks for this step. */
  prepareBackward(): void {
    this.#reducer.prepare();
  }

  /** After backward: resolves when every gradient is the average over the ranks (with the number of buckets started inside backward). */
  finishGradients(): Promise<number> {
    return this.#collective('averaging gradients', () => this.#reducer.finish());
  }

  /** The mean of a number over the ranks (the step's loss over the global batch). */
  async mean(x: number): Promise<number> {
    const t = tensor(new Float64Array([x]));
    try {
      await this.#collective('averaging the loss', () => this.group.allReduce(t, 'avg').wait());
      return t.item();
    } finally {
      t.dispose();
    }
  }

  /** Fails unless every rank holds the same value (e.g. the step a resumed run starts from). */
  async agree(what: string, x: number): Promise<void> {
    const lo = tensor(new Float64Array([x])),
      hi = tensor(new Float64Array([x]));
    try {
      await this.#collective(`comparing ${what}`, () => Promise.all([this.group.allReduce(lo, 'min').wait(), this.group.allReduce(hi, 'max').wait()]));
      if (lo.item() !== hi.item())
        throw new Error(`data-parallel: the ranks disagree on ${what} (from ${lo.item()} to ${hi.item()}); every rank must see the same run directory`);
    } finally {
      lo.dispose();
      hi.dispose();
    }
  }

  dispose(): void {
    this.#reducer.dispose();
  }

  /** A failed collective names this rank and what it was doing, and says how to go on. */
  async #collective<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new Error(
        `data-parallel rank ${this.rank} of ${this.worldSize}: ${what} failed: ${(e as Error).message} ` +
          `(a rank that dies, or does not answer within ${Math.round(this.group.timeoutMs / 1000)} s, ends the run this way; resume it from its last checkpoint with --resume)`,
      );
    }
  }
}
