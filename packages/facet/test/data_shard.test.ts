// The sampler's data-parallel shards: per step, the ranks' slices are disjoint and
// together the unsharded batch (indices and flips), for any world size dividing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sampler } from '../src/data/loader/sampler.js';

test('the shards of each step make up the unsharded batch, across epoch ends', () => {
  const whole = new Sampler(37, 12, 4, true);
  for (const worldSize of [1, 2, 3, 4, 6, 12]) {
    const shards = Array.from({ length: worldSize }, (_, rank) => new Sampler(37, 12, 4, true, true, { rank, worldSize }));
    for (let step = 0; step < 10; step++) {
      const plans = shards.map((s) => s.plan(step));
      for (const p of plans) assert.equal(p.indices.length, 12 / worldSize);
      const w = whole.plan(step);
      assert.deepEqual(
        plans.flatMap((p) => p.indices),
        w.indices,
        `world ${worldSize} step ${step}`,
      );
      assert.deepEqual(
        plans.flatMap((p) => p.flips),
        w.flips,
      );
      assert.equal(plans[worldSize - 1]!.epoch, w.epoch);
    }
  }
});

test('a batch that does not split over the ranks, or a rank outside the world, is refused', () => {
  assert.throws(() => new Sampler(37, 10, 4, true, true, { rank: 0, worldSize: 3 }), /--batch 10 does not split evenly over 3 ranks/);
  assert.throws(() => new Sampler(37, 12, 4, true, true, { rank: 3, worldSize: 3 }), /rank 3 of world size 3 is not a rank/);
});
