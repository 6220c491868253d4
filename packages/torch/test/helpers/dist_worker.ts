// One rank of a distributed test (test/distributed.test.ts spawns 2 or 3 of these on
// 127.0.0.1). argv: scenario rank worldSize port timeoutMs, where a path instead of a
// port means a FileStore there. Prints one JSON line with
// what it saw; on an error prints {"error": message} and exits 1.
import * as T from '../../lib/index.js';
import { distributed as D } from '../../lib/index.js';

const [scenario, rankS, worldS, portS, timeoutS] = process.argv.slice(2);
const rank = Number(rankS),
  worldSize = Number(worldS),
  port = Number(portS),
  timeoutMs = Number(timeoutS);
T.setNumThreads(1);

/** rank r holds (r+1)·(0, 1, 2, …) in the given dtype and shape. */
function ramp(shape: number[], dtype: T.DType, r: number): T.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return T.arange(0, n, 1, 'float64')
    .mul(r + 1)
    .reshape(shape)
    .to(dtype);
}

const values = (t: T.Tensor): number[] => Array.from(t.to('float64').reshape([-1]).data() as Float64Array);

async function collectives(pg: D.ProcessGroup): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const cases: Array<[T.DType, number[]]> = [
    ['float32', [2, 3]],
    ['float64', [5]],
    ['int64', [2, 2, 2]],
    ['int32', [7]],
    ['float32', []],
  ];
  for (const [dtype, shape] of cases) {
    const key = `${dtype}[${shape.join(',')}]`;
    const sum = ramp(shape, dtype, pg.rank),
      max = ramp(shape, dtype, pg.rank),
      bcast = ramp(shape, dtype, pg.rank);
    const works = [pg.allReduce(sum, 'sum'), pg.allReduce(max, 'max'), pg.broadcast(bcast, worldSize - 1)];
    let avg: T.Tensor | null = null;
    if (dtype.startsWith('float')) {
      avg = ramp(shape, dtype, pg.rank);
      works.push(pg.allReduce(avg, 'avg'));
    }
    await Promise.all(works.map((w) => w.wait()));
    out[key] = { sum: values(sum), max: values(max), broadcast: values(bcast), avg: avg ? values(avg) : null, dtype: sum.dtype, shape: sum.shape };
  }
  // one call, a list of tensors of two dtypes and shapes; waited on synchronously
  const a = ramp([3], 'float32', pg.rank),
    b = ramp([2, 2], 'int64', pg.rank);
  pg.allReduce([a, b], 'sum').waitSync();
  out.list = { a: values(a), b: values(b) };
  // the store: a counter every rank adds to, a key one rank sets and the others wait for
  pg.store.add('facet-test-count', 1);
  if (pg.rank === 0) pg.store.set('facet-test-hello', 'from rank 0');
  out.hello = await pg.store.get('facet-test-hello');
  await pg.barrier().wait();
  out.count = await pg.store.get('facet-test-count');
  // a parameter (a leaf that requires grad) receives a broadcast in place
  const leaf = ramp([3], 'float32', pg.rank).requiresGrad_(true);
  await pg.broadcast(leaf, 0).wait();
  out.leaf = values(leaf.detach());
  await pg.barrier().wait();
  return out;
}

async function reducer(pg: D.ProcessGroup): Promise<Record<string, unknown>> {
  // loss_r = (r+1)·(Σw + 2·Σb + 3·Σc): gradients (r+1), 2(r+1), 3(r+1); `unused` gets none.
  const w = T.zeros([3]).requiresGrad_(true).keep(),
    b = T.zeros([2, 2]).requiresGrad_(true).keep();
  const c = T.zeros([5], 'float64').requiresGrad_(true).keep(),
    unused = T.zeros([2]).requiresGrad_(true).keep();
  // 16-byte buckets: several buckets, launched from inside backward
  const red = new D.GradReducer(pg, [w, b, c, unused], 16);
  const steps: unknown[] = [];
  for (let step = 0; step < 2; step++) {
    for (const p of [w, b, c, unused]) p.zeroGrad();
    red.prepare();
    T.tidy(() =>
      w
        .sum()
        .add(b.sum().mul(2))
        .add(c.sum().mul(3).to('float32'))
        .mul(pg.rank + 1)
        .backward(),
    );
    const startedInBackward = await red.finish();
    steps.push({ startedInBackward, w: values(w.grad!), b: values(b.grad!), c: values(c.grad!), unused: values(unused.grad!), cDtype: c.grad!.dtype });
  }
  return { buckets: red.buckets, steps };
}

async function main(): Promise<void> {
  if (scenario === 'never-comes') {
    // worldSize 2 but only this rank is started
    await D.initProcessGroup({ rank, worldSize, masterAddr: '127.0.0.1', masterPort: port, timeoutMs });
    throw new Error('initProcessGroup returned without the other rank');
  }
  const pg = await D.initProcessGroup({
    rank,
    worldSize,
    timeoutMs,
    ...(portS!.startsWith('/') ? { storePath: portS } : { masterAddr: '127.0.0.1', masterPort: port }),
  });
  let result: Record<string, unknown>;
  if (scenario === 'collectives') result = await collectives(pg);
  else if (scenario === 'reducer') result = await reducer(pg);
  else if (scenario === 'peer-dies') {
    await pg.barrier().wait();
    if (rank === 1) process.exit(0); // leaves without a word: the others' next collective must fail
    await new Promise((r) => setTimeout(r, 300));
    const t = T.ones([4]);
    await pg.allReduce(t).wait();
    throw new Error('allReduce completed although rank 1 is gone');
  } else throw new Error(`unknown scenario ${scenario}`);
  console.log(JSON.stringify({ rank: pg.rank, worldSize: pg.worldSize, ...result }));
  pg.destroy();
}

// `node --test dist/test/` runs every file under test/, this one too, without arguments.
if (scenario !== undefined) {
  main().then(
    () => process.exit(0),
    (e: Error) => {
      console.log(JSON.stringify({ error: e.message }));
      process.exit(1);
    },
  );
}
