// Leak check: 10,000 small training steps (conv + linear + BCE with logits + backward +
// a manual SGD update under noGrad, each step in tidy) must leave the number of live
// tensor handles unchanged and the process RSS within a small bound.
//
// The loop yields to the event loop every 100 steps, as a real trainer does (data
// loading is async). It has to: Node 20 runs N-API finalizers from a SetImmediate,
// so each tensor handle's External bookkeeping (~200 bytes, freed by dispose() on the
// libtorch side already) is only reclaimed once the loop turns. A fully synchronous
// loop grows by that much per op until it yields (measured: ~1 KB/step here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '../lib/index.js';
import { Tensor, tidy, noGrad, nn, liveTensors, manualSeed } from '../lib/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

class Tiny extends nn.Module {
  readonly conv = this.registerModule('conv', new nn.Conv2d(2, 3, 3, { padding: 1 }));
  readonly bn = this.registerModule('bn', new nn.BatchNorm2d(3));
  readonly fc = this.registerModule('fc', new nn.Linear(3 * 4 * 4, 1));
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.bn.forward(this.conv.forward(x)).relu().flatten(1));
  }
}

function rssMiB(): number {
  gc();
  return process.memoryUsage().rss / 2 ** 20;
}

test('10,000 training steps leak no tensors and no memory', async (t) => {
  manualSeed(0);
  const start = liveTensors();
  const model = new Tiny();
  const params = model.parameters();
  const x = T.randn([4, 2, 4, 4]).keep();
  const y = T.tensor([[1], [0], [1], [0]]).keep();
  const step = (): number =>
    tidy(() => {
      const loss = nn.functional.binaryCrossEntropyWithLogits(model.forward(x), y);
      loss.backward();
      noGrad(() => {
        for (const p of params) {
          const g = p.grad!;
          p.sub_(g, 0.05);
          p.zeroGrad();
        }
      });
      return loss.item();
    });

  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const first = step();
  for (let i = 1; i < 1000; i++) {
    step();
    if (i % 100 === 0) await turn();
  }
  await turn();
  const liveAfterWarmup = liveTensors();
  const rssAfterWarmup = rssMiB();
  let last = first;
  for (let i = 0; i < 9000; i++) {
    last = step();
    if (i % 100 === 0) await turn();
  }
  await turn();
  const rssEnd = rssMiB();
  t.diagnostic(`RSS after warm-up ${rssAfterWarmup.toFixed(1)} MiB, after 10,000 steps ${rssEnd.toFixed(1)} MiB`);
  assert.equal(liveTensors(), liveAfterWarmup, 'live tensors after warm-up vs after 10,000 steps');
  assert.ok(last < first, `training makes progress (loss ${first} -> ${last})`);
  assert.equal(model.bn.numBatchesTracked.item(), 10000);
  assert.ok(rssEnd - rssAfterWarmup < 20, `RSS grew ${(rssEnd - rssAfterWarmup).toFixed(1)} MiB over 9,000 steps`);

  model.dispose();
  x.dispose();
  y.dispose();
  assert.equal(liveTensors(), start, 'everything freed after dispose');
});

test('ops that return several tensors, and grads read back, leak nothing', () => {
  const start = liveTensors();
  for (let i = 0; i < 2000; i++) {
    tidy(() => {
      const a = T.randn([3, 4], 'float32').requiresGrad_();
      const [v] = a.maxDim(1);
      const parts = a.split(2, 1);
      const s = T.cat(parts, 0).sum().add(v!.sum()).add(a.sort(1)[0]!.mean());
      s.backward();
      a.grad!.toList();
      a.grad!.toList(); // each .grad read is a new handle; tidy frees both
    });
  }
  assert.equal(liveTensors(), start);
});
