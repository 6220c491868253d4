// A bounded work queue: at most `concurrency` jobs run at once, at most `maxQueued` wait;
// one more is refused at once (QueueFullError → 503 with Retry-After). A waiting job whose
// signal aborts (its client went away) leaves the queue without running.

export class QueueFullError extends Error {
  constructor(
    readonly running: number,
    readonly queued: number,
  ) {
    super(`the server is busy (${running} running, ${queued} waiting); try again shortly`);
    this.name = 'QueueFullError';
  }
}

export class AbortedError extends Error {
  constructor() {
    super('the request was aborted');
    this.name = 'AbortedError';
  }
}

interface Waiter {
  start: () => void;
  cancel: () => void;
}

export class WorkQueue {
  private active = 0;
  private readonly waiting: Waiter[] = [];
  /** jobs finished (ok or not) and refused, for /healthz and tests */
  completed = 0;
  rejected = 0;

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be an integer ≥ 1, got ${concurrency}`);
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new Error(`queue must be an integer ≥ 0, got ${maxQueued}`);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `job` when a slot is free; throws QueueFullError when the queue is full, AbortedError when `signal` aborts first. */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new AbortedError();
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) {
        this.rejected++;
        throw new QueueFullError(this.active, this.waiting.length);
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => waiter.cancel();
        const waiter: Waiter = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          cancel: () => {
            const i = this.waiting.indexOf(waiter);
            if (i >= 0) this.waiting.splice(i, 1);
            signal?.removeEventListener('abort', onAbort);
            reject(new AbortedError());
          },
        };
        this.waiting.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.active++;
    }
    // here this job holds a slot (a waiter is handed the slot of the job that finished)
    try {
      return await job();
    } finally {
      this.completed++;
      const next = this.waiting.shift();
      if (next) next.start();
      else this.active--;
    }
  }
}
