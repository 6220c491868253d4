// The order items are seen in: a fresh permutation per (seed, epoch), read as one
// endless stream, so that the batch at any step is a pure function of (seed, step)
// and a run resumes at any step without replaying the ones before.
import { Rng, mixSeed } from '../synth/prng.js';
import { drawWarp, type Jitter, type Warp } from './jitter.js';

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
  /** each item's geometric jitter (null: none asked) */
  warps: Warp[] | null;
  /** epoch of the batch's first item */
  epoch: number;
}

/** Data-parallel training: this process is rank `rank` of `worldSize`. */
export interface Shard {
  rank: number;
  worldSize: number;
}

/**
 * With a shard, batchSize is the global batch: each step's batch (the same positions
 * as without a shard) is cut into worldSize equal slices, and rank r reads slice r. The
 * ranks' slices are disjoint and together the unsharded batch, flips included, so the
 * data stream does not depend on the number of ranks (a run resumes with any).
 */
export class Sampler {
  #cache = new Map<number, Uint32Array>();
  readonly #first: number;
  readonly #count: number;

  constructor(
    readonly size: number,
    readonly batchSize: number,
    readonly seed: number,
    readonly flip: boolean,
    readonly shuffle = true,
    readonly shard: Shard = { rank: 0, worldSize: 1 },
    /** scale / shift / rotation jitter, drawn per stream position like the flips (warps need the image size) */
    readonly jitter: { jitter: Jitter; height: number; width: number } | null = null,
  ) {
    if (size <= 0) throw new Error('Sampler: the split has no items');
    const { rank, worldSize } = shard;
    if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new Error(`Sampler: rank ${rank} of world size ${worldSize} is not a rank`);
    }
    if (batchSize % worldSize !== 0) throw new Error(`--batch ${batchSize} does not split evenly over ${worldSize} ranks (the batch is the global one)`);
    this.#count = batchSize / worldSize;
    this.#first = rank * this.#count;
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
    const j = this.jitter;
    const warps: Warp[] | null = j ? [] : null;
    const start = step * this.batchSize;
    for (let k = this.#first; k < this.#first + this.#count; k++) {
      const pos = start + k;
      const epoch = Math.floor(pos / this.size);
      indices.push(this.#permutation(epoch)[pos % this.size]!);
      flips.push(this.flip && (mixSeed('flip', this.seed, pos) & 1) === 1);
      if (j) warps!.push(drawWarp(j.jitter, this.seed, pos, j.height, j.width));
    }
    return { step, indices, flips, warps, epoch: Math.floor(start / this.size) };
  }

  stepsPerEpoch(): number {
    return Math.ceil(this.size / this.batchSize);
  }
}
