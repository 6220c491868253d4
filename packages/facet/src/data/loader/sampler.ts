// The order items are seen in: a fresh permutation per (seed, epoch), read as one
// endless stream, so that the batch at any step is a pure function of (seed, step)
// and a run resumes at any step without replaying the ones before.
import { Rng, mixSeed } from '../synth/prng.js';

export function epochPermutation(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Rng(mixSeed('order', seed, epoch));
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export interface BatchPlan {
  step: number;
  /** item indices, in batch order */
  indices: number[];
  /** mirror each item horizontally */
  flips: boolean[];
  /** epoch of the batch's first item */
  epoch: number;
}

export class Sampler {
  #cache = new Map<number, Uint32Array>();

  constructor(readonly size: number, readonly batchSize: number, readonly seed: number, readonly flip: boolean, readonly shuffle = true) {
    if (size <= 0) throw new Error('Sampler: the split has no items');
  }

  #permutation(epoch: number): Uint32Array {
    let p = this.#cache.get(epoch);
    if (!p) {
      p = this.shuffle ? epochPermutation(this.size, this.seed, epoch) : Uint32Array.from({ length: this.size }, (_, i) => i);
      if (this.#cache.size > 4) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(epoch, p);
    }
    return p;
  }

  plan(step: number): BatchPlan {
    const indices: number[] = [];
    const flips: boolean[] = [];
    const start = step * this.batchSize;
    for (let k = 0; k < this.batchSize; k++) {
      const pos = start + k;
      const epoch = Math.floor(pos / this.size);
      indices.push(this.#permutation(epoch)[pos % this.size]!);
      flips.push(this.flip && (mixSeed('flip', this.seed, pos) & 1) === 1);
    }
    return { step, indices, flips, epoch: Math.floor(start / this.size) };
  }

  stepsPerEpoch(): number {
    return Math.ceil(this.size / this.batchSize);
  }
}
