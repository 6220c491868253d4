// Thread counts: one bound (lib/threads.ts) for setNumThreads and every --threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { setNumThreads, getNumThreads, maxThreads, THREADS_PER_CORE } from '../lib/index.js';

test('setNumThreads accepts 1 … 4 × cores and refuses the rest, leaving the count as it was', () => {
  assert.equal(maxThreads(), THREADS_PER_CORE * availableParallelism());
  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  for (const bad of [0, -1, 1.5, NaN, maxThreads() + 1, 5000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 2]) {
    assert.throws(
      () => setNumThreads(bad),
      (e: unknown) => e instanceof RangeError && new RegExp(`setNumThreads: threads must be an integer from 1 to ${maxThreads()} .*got ${bad}`).test(e.message),
    );
    assert.equal(getNumThreads(), 1, `${bad} changed the thread count`);
  }
  setNumThreads(2);
  assert.equal(getNumThreads(), 2);
  setNumThreads(1);
});
