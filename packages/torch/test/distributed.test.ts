// torch.distributed over c10d's Gloo: 2 and 3 ranks as processes on 127.0.0.1. Each
// rank r holds (r+1)·(0, 1, 2, …); the sums, averages, maxima and broadcasts are known
// in closed form. A peer that never comes or dies must end in an error, not a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distributed as D, native } from '../lib/index.js';
import { freePort, runRanks } from './helpers/ranks.js';

const worker = fileURLToPath(new URL('./helpers/dist_worker.js', import.meta.url));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const TIMEOUT_MS = 20_000;

async function run(scenario: string, worldSize: number, ranks = range(worldSize), timeoutMs = TIMEOUT_MS, store?: string) {
  const where = store ?? String(await freePort());
  return runRanks(worker, ranks, (r) => [scenario, String(r), String(worldSize), where, String(timeoutMs)]);
}

test('the addon was built with Gloo', () => {
  assert.equal(D.isAvailable(), true, 'rebuild the addon with libgloo-dev installed');
});

for (const worldSize of [2, 3]) {
  test(`collectives on ${worldSize} ranks: sum, avg, max, broadcast, lists, barrier, the store`, { timeout: 120_000 }, async () => {
    const results = await run('collectives', worldSize);
    const tri = (worldSize * (worldSize + 1)) / 2; // Σ (r+1)
    for (const r of results) {
      assert.equal(r.code, 0, `rank ${r.rank}: ${JSON.stringify(r.json)} ${r.stderr}`);
      const j = r.json as Record<string, any>;
      assert.equal(j.rank, r.rank);
      assert.equal(j.worldSize, worldSize);
      for (const [key, shape] of [
        ['float32[2,3]', [2, 3]],
        ['float64[5]', [5]],
        ['int64[2,2,2]', [2, 2, 2]],
        ['int32[7]', [7]],
        ['float32[]', []],
      ] as const) {
        const n = shape.reduce((a: number, b: number) => a * b, 1);
        const base = range(n);
        const got = j[key];
        assert.deepEqual(got.shape, shape, key);
        assert.equal(got.dtype, key.split('[')[0], key);
        assert.deepEqual(
          got.sum,
          base.map((i) => i * tri),
          `${key} sum`,
        );
        assert.deepEqual(
          got.max,
          base.map((i) => i * worldSize),
          `${key} max`,
        );
        assert.deepEqual(
          got.broadcast,
          base.map((i) => i * worldSize),
          `${key} broadcast from the last rank`,
        );
        if (key.startsWith('float')) {
          got.avg.forEach((v: number, i: number) => assert.ok(Math.abs(v - (i * tri) / worldSize) < 1e-5, `${key} avg[${i}] = ${v}`));
        } else assert.equal(got.avg, null);
      }
      assert.deepEqual(
        j.list.a,
        range(3).map((i) => i * tri),
      );
      assert.deepEqual(
        j.list.b,
        range(4).map((i) => i * tri),
      );
      assert.deepEqual(j.leaf, [0, 1, 2], 'rank 0 broadcast into a leaf that requires grad');
      assert.equal(j.hello, 'from rank 0');
      assert.equal(j.count, String(worldSize), 'every rank added 1 to the store counter');
    }
  });
}

test('a FileStore rendezvous (one machine, no port): the same collectives on 2 ranks', { timeout: 120_000 }, async () => {
  const results = await run('collectives', 2, [0, 1], TIMEOUT_MS, join(mkdtempSync(join(tmpdir(), 'facet-filestore-')), 'store'));
  for (const r of results) {
    assert.equal(r.code, 0, `rank ${r.rank}: ${JSON.stringify(r.json)} ${r.stderr}`);
    const j = r.json as Record<string, any>;
    assert.deepEqual(j['float64[5]'].sum, [0, 3, 6, 9, 12]);
    assert.deepEqual(j['int32[7]'].broadcast, [0, 2, 4, 6, 8, 10, 12]);
  }
});

test('without Gloo compiled in, the API throws saying what to install', async () => {
  const saved = native.distInfo;
  native.distInfo = () => ({ gloo: false, nccl: false });
  try {
    assert.equal(D.isAvailable(), false);
    await assert.rejects(
      D.initProcessGroup({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: 1234 }),
      /^Error: @facet\/torch: this addon was built without torch\.distributed.*apt-get install libgloo-dev/,
    );
  } finally {
    native.distInfo = saved;
  }
  assert.equal(D.isAvailable(), true);
});

test('the gradient reducer averages gradients in several buckets, started inside backward', { timeout: 120_000 }, async () => {
  const worldSize = 3;
  const results = await run('reducer', worldSize);
  const mean = (worldSize + 1) / 2; // mean of (r+1)
  for (const r of results) {
    assert.equal(r.code, 0, `rank ${r.rank}: ${JSON.stringify(r.json)} ${r.stderr}`);
    const j = r.json as Record<string, any>;
    // reversed 16-byte buckets: [unused] [c] [b] [w]; all but unused's start inside backward
    assert.equal(j.buckets, 4);
    for (const s of j.steps) {
      assert.equal(s.startedInBackward, 3);
      assert.deepEqual(s.w, [mean, mean, mean]);
      assert.deepEqual(s.b, [2 * mean, 2 * mean, 2 * mean, 2 * mean]);
      assert.deepEqual(s.c, Array(5).fill(3 * mean));
      assert.equal(s.cDtype, 'float64');
      assert.deepEqual(s.unused, [0, 0], 'a parameter without a gradient counts as zeros');
    }
  }
});

test('a peer that never comes: initProcessGroup rejects within the timeout', { timeout: 60_000 }, async () => {
  const [r] = await run('never-comes', 2, [0], 2000);
  assert.equal(r!.code, 1);
  const msg = String(r!.json?.error);
  assert.match(msg, /rank 0 of 2 did not meet all the other ranks at 127.0.0.1:\d+ within 2 s/);
  assert.match(msg, /[Tt]imed? ?out|timeout/);
});

test("a peer that dies: the survivor's collective rejects with an error, no hang", { timeout: 60_000 }, async () => {
  const [r0, r1] = await run('peer-dies', 2);
  assert.equal(r1!.code, 0);
  assert.equal(r0!.code, 1, JSON.stringify(r0!.json));
  assert.match(String(r0!.json?.error), /allReduce: /);
});

test('bad arguments are named', async () => {
  await assert.rejects(D.initProcessGroup({ rank: 2, worldSize: 2, masterAddr: '127.0.0.1', masterPort: 1 }), /rank must be an integer in \[0, 2\)/);
  await assert.rejects(D.initProcessGroup({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: 70000 }), /masterPort must be a port number/);
  assert.throws(() => D.envInitOptions({ WORLD_SIZE: '2', RANK: 'x' }), /RANK must be an integer/);
  assert.deepEqual(D.envInitOptions({ WORLD_SIZE: '2', RANK: '1', MASTER_ADDR: 'h', MASTER_PORT: '1234' }), {
    rank: 1,
    worldSize: 2,
    masterAddr: 'h',
    masterPort: 1234,
  });
  assert.equal(D.envInitOptions({}), null);
});
