// A c10d process group and its collectives, shaped like torch.distributed: every call
// starts the operation and returns a Work at once; the tensors hold the result after
// `await work.wait()`. Every wait is bounded by the group's timeout: a peer that dies or
// never comes rejects it with c10d's message.
import type { Tensor } from '../tensor.js';
import { dist, type GroupHandle, type WorkHandle } from './native_dist.js';
import { Store } from './store.js';

export type Backend = 'gloo' | 'nccl';
export type ReduceOp = 'sum' | 'avg' | 'product' | 'min' | 'max';

/** One collective in flight. */
export class Work {
  constructor(readonly handle: WorkHandle) {}

  /** Resolves when done (tensors updated), rejects on a failure or the group's timeout. */
  wait(): Promise<void> {
    return dist().distWorkWait(this.handle);
  }

  /** The same, blocking the JS thread (at most the group's timeout). */
  waitSync(): void {
    dist().distWorkWaitSync(this.handle);
  }

  isCompleted(): boolean {
    return dist().distWorkIsCompleted(this.handle);
  }
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: Backend;
  readonly timeoutMs: number;
  #handle: GroupHandle | null;

  constructor(
    handle: GroupHandle,
    readonly store: Store,
  ) {
    this.#handle = handle;
    const info = dist().distGroupInfo(handle);
    this.rank = info.rank;
    this.worldSize = info.worldSize;
    this.backend = info.backend as Backend;
    this.timeoutMs = info.timeoutMs;
  }

  get handle(): GroupHandle {
    if (!this.#handle) throw new Error('ProcessGroup: used after destroy()');
    return this.#handle;
  }

  /** Makes a group over an existing store: every rank calls it; resolves once all have (rendezvous). */
  static async create(store: Store, o: { backend?: Backend; rank: number; worldSize: number; timeoutMs: number }): Promise<ProcessGroup> {
    return new ProcessGroup(await dist().distNewGroup(store.handle, o.backend ?? 'gloo', o.rank, o.worldSize, o.timeoutMs), store);
  }

  /** Reduces each tensor over all ranks, in place ('avg': the sum / worldSize, floating tensors). */
  allReduce(tensors: Tensor | Tensor[], op: ReduceOp = 'sum'): Work {
    return new Work(
      dist().distAllReduce(
        this.handle,
        list(tensors).map((t) => t.handle),
        op,
      ),
    );
  }

  /** Copies root's tensors into every rank's, in place. */
  broadcast(tensors: Tensor | Tensor[], root = 0): Work {
    return new Work(
      dist().distBroadcast(
        this.handle,
        list(tensors).map((t) => t.handle),
        root,
      ),
    );
  }

  /** Completes once every rank has called it. */
  barrier(): Work {
    return new Work(dist().distBarrier(this.handle));
  }

  /** Drops the group (its threads end when pending work has). Idempotent. */
  destroy(): void {
    if (this.#handle) dist().distDestroyGroup(this.#handle);
    this.#handle = null;
  }
}

function list(tensors: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(tensors) ? tensors : [tensors];
}
