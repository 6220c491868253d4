// The bytes of request bodies held in memory by all requests together, bounded. A
// request takes its share as it reads (its declared Content-Length at once) and gives
// it back when its response ends, so slow or stalled uploads cannot grow the server
// without bound: past the limit a request is answered 503 instead of read.
export class ByteBudget {
  #held = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`byte budget must be a positive integer, got ${limit}`);
  }

  /** bytes held now by all leases */
  get held(): number {
    return this.#held;
  }

  /** One request's share: take() as it reads, release() once when it is over. */
  lease(): ByteLease {
    let mine = 0;
    return {
      take: (n: number): boolean => {
        if (this.#held + n > this.limit) return false;
        this.#held += n;
        mine += n;
        return true;
      },
      release: (): void => {
        this.#held -= mine;
        mine = 0;
      },
      get held() {
        return mine;
      },
    };
  }
}

export interface ByteLease {
  /** takes n more bytes if they fit under the limit (false: nothing taken) */
  take(n: number): boolean;
  /** gives back everything taken; idempotent */
  release(): void;
  readonly held: number;
}
