// The data-parallel estimate's counts against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, randn, setNumThreads } from '@facet/torch';
import { countMacs, scaling, type NetworkCost } from '../src/bench/ddp_estimate.js';

setNumThreads(1);

test('multiply-adds of a conv, a stride-2 transposed conv and a linear layer', () => {
  const conv = new nn.Conv2d(3, 8, 3, { padding: 1 });
  const up = new nn.ConvTranspose2d(8, 4, 2, { stride: 2 });
  const fc = new nn.Linear(4 * 20 * 20, 5);
  const x = randn([2, 3, 10, 10]);
  const macs = countMacs(() => {
    fc.forward(up.forward(conv.forward(x)).flatten(1));
  });
  // conv: 2·10·10 outputs × 8·3·9; transposed: 2·10·10 inputs × 8·4·2·2; linear: 2 rows × 1600·5
  assert.equal(macs, 2 * 100 * 216 + 2 * 100 * 128 + 2 * 8000);
  // the layers are themselves again afterwards
  assert.equal(
    countMacs(() => undefined),
    0,
  );
  assert.equal(conv.forward(x).shape.join(','), '2,8,10,10');
});

test('ring all-reduce time and efficiency', () => {
  const cost: NetworkCost = { network: 'x', params: 25e6, allreduce_mb: 0, train_gmacs_fwd: 0, frozen_gmacs_fwd: 0, gflop_per_image: 10 };
  const s = scaling(cost, { gpus: 8, perGpuBatch: 4, gpuTflops: 5, linkGBs: 10 });
  // compute 4·10 GFLOP / 5 TFLOP/s = 8 ms; all-reduce 2·7/8 · 100 MB / 10 GB/s = 17.5 ms,
  // overlapping backward's 16/3 ms: a step takes 8/3 + 17.5 ms
  assert.equal(s.compute_ms, 8);
  assert.equal(s.allreduce_ms, 17.5);
  assert.equal(s.efficiency_overlapped, Math.round((8 / (8 / 3 + 17.5)) * 1000) / 1000);
  assert.equal(s.efficiency_serial, Math.round((8 / 25.5) * 1000) / 1000);
  assert.equal(scaling(cost, { gpus: 1, perGpuBatch: 4, gpuTflops: 5, linkGBs: 10 }).efficiency_overlapped, 1);
  // a fast link hides the all-reduce behind backward entirely
  assert.equal(scaling(cost, { gpus: 8, perGpuBatch: 4, gpuTflops: 5, linkGBs: 100 }).efficiency_overlapped, 1);
});
