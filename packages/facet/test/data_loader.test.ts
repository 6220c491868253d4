// The loader: deterministic order per seed and epoch, resumable at any step, image and
// mask flipped together, normalisation from the stored statistics, a cache reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sampler, epochPermutation } from '../src/data/loader/sampler.js';
import { DataLoader } from '../src/data/loader/loader.js';
import { openSplit } from '../src/data/loader/split_source.js';
import { StoreReader } from '../src/data/loader/store.js';
import { writeSynth } from '../src/data/synth/writer.js';
import { toTensors } from '../src/data/loader/to_tensors.js';
import { smallSynth, tempDir } from './helpers.js';

test('order: a permutation per (seed, epoch); same seed same order; every item once per epoch', () => {
  const a = epochPermutation(50, 1, 0),
    b = epochPermutation(50, 1, 0),
    c = epochPermutation(50, 1, 1),
    d = epochPermutation(50, 2, 0);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a, d);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  const s = new Sampler(10, 4, 3, true);
  const seen = [0, 1, 2].flatMap((k) => s.plan(k).indices).slice(0, 10);
  assert.deepEqual(
    [...seen].sort((x, y) => x - y),
    Array.from({ length: 10 }, (_, i) => i),
    'steps 0–2 cover epoch 0 first',
  );
  assert.deepEqual(new Sampler(10, 4, 3, true).plan(7), s.plan(7), 'the plan of a step needs no history');
});

test('batches: workers and the calling thread agree; flips mirror image and mask together', async () => {
  const data = await smallSynth();
  const src = await openSplit(data, 'train', { height: 32, width: 26, cacheDir: join(tempDir('cache'), 'c'), require: 'masks' });
  const opts = { store: src.store, batchSize: 6, seed: 4, normalization: src.header.normalization, flip: true };
  const inThread = new DataLoader({ ...opts, workers: 0 });
  const inWorker = new DataLoader({ ...opts, workers: 2 });
  const plain = new DataLoader({ ...opts, flip: false, workers: 0 });
  try {
    for (const step of [0, 5, 3]) {
      const a = await inThread.batch(step),
        b = await inWorker.batch(step);
      assert.deepEqual(a.images, b.images);
      assert.deepEqual(a.labels, b.labels);
      assert.deepEqual(a.plan, b.plan);
    }
    // Find a flipped item and compare it with the unflipped batch at the same step.
    const step = [0, 1, 2, 3, 4, 5, 6, 7].find((s) => inThread.sampler.plan(s).flips.some(Boolean))!;
    const f = await inThread.batch(step),
      u = await plain.batch(step);
    assert.deepEqual(f.plan.indices, u.plan.indices);
    const n = f.plan.flips.indexOf(true);
    const { height: h, width: w } = f;
    for (let y = 0; y < h; y += 5) {
      for (let x = 0; x < w; x += 3) {
        assert.equal(f.labels![n * h * w + y * w + x], u.labels![n * h * w + y * w + (w - 1 - x)]);
        assert.equal(f.images[n * 3 * h * w + 2 * h * w + y * w + x], u.images[n * 3 * h * w + 2 * h * w + y * w + (w - 1 - x)]);
      }
    }
  } finally {
    await inThread.close();
    await inWorker.close();
    await plain.close();
  }
});

test('normalisation: the stored statistics make the training images mean 0, std 1 per channel', async () => {
  const data = await smallSynth();
  const src = await openSplit(data, 'train', { height: 32, width: 26, cacheDir: join(tempDir('cache'), 'c') });
  const loader = new DataLoader({
    store: src.store,
    batchSize: src.items.length,
    seed: 0,
    normalization: src.header.normalization,
    shuffle: false,
    workers: 0,
  });
  const b = await loader.batch(0);
  await loader.close();
  const plane = b.height * b.width;
  for (let c = 0; c < 3; c++) {
    let s = 0,
      q = 0,
      k = 0;
    for (let n = 0; n < b.count; n++)
      for (let p = 0; p < plane; p++) {
        const v = b.images[n * 3 * plane + c * plane + p]!;
        s += v;
        q += v * v;
        k++;
      }
    assert.ok(Math.abs(s / k) < 1e-3, `channel ${c} mean ${s / k}`);
    assert.ok(Math.abs(Math.sqrt(q / k - (s / k) ** 2) - 1) < 1e-3);
  }
});

test('the decoded cache is built once and reused', async () => {
  const data = await smallSynth();
  const cacheDir = join(tempDir('cache'), 'c');
  const a = await openSplit(data, 'val', { height: 32, width: 26, cacheDir });
  const before = statSync(`${a.store}.bin`).mtimeMs;
  const b = await openSplit(data, 'val', { height: 32, width: 26, cacheDir });
  assert.equal(b.store, a.store);
  assert.equal(statSync(`${b.store}.bin`).mtimeMs, before);
  const c = await openSplit(data, 'val', { height: 40, width: 26, cacheDir });
  assert.notEqual(c.store, a.store, 'another size is another cache');
});

function allRecords(base: string): Buffer {
  const r = new StoreReader(base);
  try {
    return Buffer.concat(Array.from({ length: r.header.count }, (_, i) => Buffer.from(r.read(i))));
  } finally {
    r.close();
  }
}

test('the decoded cache is decoded again when its files change in place, and says why', async () => {
  const data = tempDir('synth-changed');
  await writeSynth({ out: data, count: 24, seed: 5, width: 52, height: 64, helen: false });
  const cacheDir = join(tempDir('cache'), 'c');
  const said: string[] = [];
  const opts = { height: 32, width: 26, cacheDir, require: 'masks' as const, onRebuild: (m: string) => said.push(m) };
  const a = await openSplit(data, 'train', opts);
  const old = allRecords(a.store);
  assert.deepEqual(said, []);
  assert.equal((await openSplit(data, 'train', opts)).store, a.store);
  assert.deepEqual(said, [], 'unchanged files: the cache is reused silently');

  // every training image replaced by another one's bytes (same paths, other pixels)
  const paths = a.items.map((it) => it.imagePath);
  const bytes = paths.map((p) => readFileSync(p));
  paths.forEach((p, i) => writeFileSync(p, bytes[(i + 1) % paths.length]!));
  const b = await openSplit(data, 'train', opts);
  assert.equal(b.store, a.store, 'the same paths name the same cache file');
  assert.equal(said.length, 1);
  assert.match(said[0]!, new RegExp(`decoding again: ${paths.length} of ${paths.length} items changed on disk .*${paths[0]!.split('/').at(-1)}`));
  const fresh = await openSplit(data, 'train', { ...opts, cacheDir: join(tempDir('cache'), 'fresh') });
  assert.ok(allRecords(b.store).equals(allRecords(fresh.store)), 'the rebuilt cache holds the new pixels');
  assert.ok(!allRecords(b.store).equals(old));
  await openSplit(data, 'train', opts);
  assert.equal(said.length, 1, 'the rebuilt cache is current');

  // garbage in place of an image: an error naming the file, not the old pixels
  writeFileSync(paths[3]!, Buffer.from('not a jpeg at all'));
  await assert.rejects(openSplit(data, 'train', opts), new RegExp(`${paths[3]!.split('/').at(-1)}|cannot decode`));
});

test('tensors: images N×3×H×W float, labels int64, targets N×40', async () => {
  const data = await smallSynth();
  const src = await openSplit(data, 'train', { height: 32, width: 26, cacheDir: join(tempDir('cache'), 'c'), require: 'attributes' });
  const loader = new DataLoader({
    store: src.store,
    batchSize: 3,
    seed: 0,
    normalization: src.header.normalization,
    workers: 0,
    attributes: src.items.map((i) => i.attributes ?? null),
  });
  const b = await loader.batch(2);
  await loader.close();
  const t = toTensors(b);
  assert.deepEqual(t.images.shape, [3, 3, 32, 26]);
  assert.equal(t.labels!.dtype, 'int64');
  assert.deepEqual(t.targets!.shape, [3, 40]);
  assert.deepEqual(t.targets!.toList().slice(0, 40), [...src.items[b.plan.indices[0]!]!.attributes!]);
  for (const x of [t.images, t.labels!, t.targets!]) x.dispose();
});
