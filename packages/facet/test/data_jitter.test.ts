// Geometric jitter (data/loader/jitter.ts): the warp against known values, image and
// mask moved together, the draw a pure function of (seed, position) so resumes and
// shards see the same batches, and the recipe field checked where it is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParserTask } from '../src/train/tasks/parser_task.js';
import { drawWarp, warpRecord, type Warp } from '../src/data/loader/jitter.js';
import { NO_LABEL, StoreReader } from '../src/data/loader/store.js';
import { Sampler } from '../src/data/loader/sampler.js';
import { DataLoader } from '../src/data/loader/loader.js';
import { openSplit } from '../src/data/loader/split_source.js';
import { checkRecipe } from '../src/train/recipe_check.js';
import { DEFAULT_RECIPE } from '../src/runs/config.js';
import { prepareRun } from '../src/train/setup.js';
import { smallSynth, tempDir, tinySettings } from './helpers.js';

const H = 12,
  W = 10;

/** A record whose pixels are a linear ramp (bilinear sampling reproduces it exactly) and whose labels are x + 10·y mod 250. */
function rampRecord(): Uint8Array {
  const rec = new Uint8Array(H * W * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = y * W + x;
      rec[o * 3] = 20 + 7 * x + 3 * y;
      rec[o * 3 + 1] = 200 - 5 * y;
      rec[o * 3 + 2] = 11 * x;
      rec[3 * H * W + o] = (x + 10 * y) % 250;
    }
  }
  return rec;
}

function warped(warp: Warp): Uint8Array {
  const out = new Uint8Array(H * W * 4);
  warpRecord(rampRecord(), out, H, W, warp, true);
  return out;
}

const label = (rec: Uint8Array, x: number, y: number) => rec[3 * H * W + y * W + x];
const red = (rec: Uint8Array, x: number, y: number) => rec[(y * W + x) * 3];

test('the identity warp leaves a record as it is', () => {
  assert.deepEqual(warped({ scale: 1, angle: 0, dx: 0, dy: 0 }), rampRecord());
});

test('a half turn mirrors both axes, pixels and labels alike', () => {
  const src = rampRecord(),
    out = warped({ scale: 1, angle: Math.PI, dx: 0, dy: 0 });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      assert.equal(label(out, x, y), label(src, W - 1 - x, H - 1 - y), `label at ${x},${y}`);
      for (let c = 0; c < 3; c++) assert.equal(out[(y * W + x) * 3 + c], src[((H - 1 - y) * W + (W - 1 - x)) * 3 + c]);
    }
  }
});

test('a shift moves the image; what comes in from outside repeats the border and is unlabelled', () => {
  const src = rampRecord(),
    out = warped({ scale: 1, angle: 0, dx: 2, dy: -1 });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = x - 2,
        sy = y + 1;
      const inside = sx >= 0 && sy < H;
      assert.equal(label(out, x, y), inside ? label(src, sx, sy) : NO_LABEL, `label at ${x},${y}`);
      assert.equal(red(out, x, y), red(src, Math.max(sx, 0), Math.min(sy, H - 1)), `pixel at ${x},${y}`);
    }
  }
});

test('scale, rotation and shift together: each output pixel samples source = c + R(θ)(p − c − d)/s', () => {
  const warp: Warp = { scale: 1.25, angle: 0.3, dx: 0.7, dy: -0.4 };
  const src = rampRecord(),
    out = warped(warp);
  let checked = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x + 0.5 - W / 2 - warp.dx,
        v = y + 0.5 - H / 2 - warp.dy;
      const sx = W / 2 + (Math.cos(warp.angle) * u - Math.sin(warp.angle) * v) / warp.scale - 0.5;
      const sy = H / 2 + (Math.sin(warp.angle) * u + Math.cos(warp.angle) * v) / warp.scale - 0.5;
      if (sx < 0 || sx > W - 1 || sy < 0 || sy > H - 1) continue;
      // the ramp is linear, so bilinear sampling gives its value at (sx, sy), rounded
      assert.equal(red(out, x, y), Math.round(20 + 7 * sx + 3 * sy), `red at ${x},${y}`);
      assert.equal(out[(y * W + x) * 3 + 2], Math.round(11 * sx), `blue at ${x},${y}`);
      assert.equal(label(out, x, y), label(src, Math.round(sx), Math.round(sy)), `label at ${x},${y}`);
      checked++;
    }
  }
  assert.ok(checked > H * W * 0.5, `${checked} interior pixels checked`);
});

test('draws stay within the asked ranges, and depend on (seed, position) only', () => {
  const jitter = { scale: 0.2, shift: 0.1, rotate: 15 };
  const draws = Array.from({ length: 400 }, (_, k) => drawWarp(jitter, 3, k, 100, 80));
  for (const d of draws) {
    assert.ok(d.scale >= 1 / 1.2 - 1e-12 && d.scale <= 1.2 + 1e-12, `scale ${d.scale}`);
    assert.ok(Math.abs(d.angle) <= (15 * Math.PI) / 180 + 1e-12);
    assert.ok(Math.abs(d.dx) <= 8 + 1e-9 && Math.abs(d.dy) <= 10 + 1e-9);
  }
  // the draws use the ranges, not a corner of them
  assert.ok(Math.max(...draws.map((d) => d.scale)) > 1.15 && Math.min(...draws.map((d) => d.scale)) < 1 / 1.15);
  assert.ok(Math.max(...draws.map((d) => d.dx)) > 7 && Math.min(...draws.map((d) => d.angle)) < -0.2);
  assert.deepEqual(drawWarp(jitter, 3, 17, 100, 80), draws[17]);
  assert.notDeepEqual(drawWarp(jitter, 4, 17, 100, 80), draws[17]);
  assert.deepEqual(drawWarp({ scale: 0, shift: 0, rotate: 0 }, 3, 17, 100, 80), { scale: 1, angle: 0, dx: 0, dy: 0 });
});

test("the sampler's warps: the same at a step whatever came before, and split over shards like the flips", () => {
  const jitter = { jitter: { scale: 0.1, shift: 0.05, rotate: 10 }, height: 32, width: 26 };
  const whole = new Sampler(37, 12, 4, true, true, undefined, jitter);
  assert.equal(new Sampler(37, 12, 4, true).plan(5).warps, null, 'no jitter asked: no warps');
  assert.deepEqual(new Sampler(37, 12, 4, true, true, undefined, jitter).plan(9), whole.plan(9));
  const shards = [0, 1, 2].map((rank) => new Sampler(37, 12, 4, true, true, { rank, worldSize: 3 }, jitter));
  for (const step of [0, 3, 4]) {
    assert.deepEqual(
      shards.flatMap((s) => s.plan(step).warps!),
      whole.plan(step).warps,
    );
  }
});

test('a jittered batch is the stored record warped, then mirrored; workers agree with the calling thread', async () => {
  const data = await smallSynth();
  const src = await openSplit(data, 'train', { height: 32, width: 26, cacheDir: join(tempDir('cache'), 'c'), require: 'masks' });
  const jitter = { scale: 0.15, shift: 0.08, rotate: 12 };
  const opts = { store: src.store, batchSize: 6, seed: 4, normalization: src.header.normalization, flip: true, jitter };
  const inThread = new DataLoader({ ...opts, workers: 0 });
  const inWorker = new DataLoader({ ...opts, workers: 1 });
  const store = new StoreReader(src.store);
  try {
    const a = await inThread.batch(2),
      b = await inWorker.batch(2);
    assert.deepEqual(a.images, b.images);
    assert.deepEqual(a.labels, b.labels);
    const { height: h, width: w } = a;
    const plane = h * w;
    let ignored = 0;
    a.plan.indices.forEach((index, n) => {
      const rec = store.read(index, new Uint8Array(plane * 4));
      const out = new Uint8Array(plane * 4);
      warpRecord(rec, out, h, w, a.plan.warps![n]!, true);
      const flip = a.plan.flips[n]!;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const got = a.labels![n * plane + y * w + x]!;
          assert.equal(got, out[3 * plane + y * w + (flip ? w - 1 - x : x)], `item ${n} at ${x},${y}`);
          if (got === NO_LABEL) ignored++;
        }
      }
    });
    assert.ok(ignored > 0, 'some pixels came from outside the image');
    const plain = new DataLoader({ ...opts, jitter: undefined, workers: 0 });
    const p = await plain.batch(2);
    await plain.close();
    assert.deepEqual(p.plan.indices, a.plan.indices, 'jitter changes the pixels, not the order');
    assert.notDeepEqual(p.labels, a.labels);
  } finally {
    store.close();
    await inThread.close();
    await inWorker.close();
  }
});

test('the recipe records the jitter; a negative amount is refused by the CLI and in a config.json read back', async () => {
  assert.throws(() => checkRecipe({ ...DEFAULT_RECIPE, jitter: { scale: 0.1, shift: -1, rotate: 0 } }, 'run/config.json'), /run\/config.json.*recipe\.jitter/);
  assert.throws(() => checkRecipe({ ...DEFAULT_RECIPE, jitter: { scale: 0.1 } }, 'c'), /recipe\.jitter/);
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const r = spawnSync(process.execPath, [main, 'train', 'parser', '--out', 'x', '--data', 'y', '--rotate-jitter', '-5'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--rotate-jitter must be a number ≥ 0, got '-5'/);
  const data = await smallSynth();
  const s = tinySettings('parser', data, join(tempDir('jitter-run'), 'run'));
  s.recipe = { ...s.recipe, jitter: { scale: 0.1, shift: 0.05, rotate: 8 } };
  const p = await prepareRun(s);
  try {
    assert.deepEqual(p.run.readJson<{ recipe: { jitter: unknown } }>('config.json').recipe.jitter, { scale: 0.1, shift: 0.05, rotate: 8 });
    const task = p.task as ParserTask;
    assert.deepEqual(task.train[0]!.loader.sampler.jitter?.jitter, { scale: 0.1, shift: 0.05, rotate: 8 }, 'the training loader jitters');
  } finally {
    await p.task.close();
  }
});
