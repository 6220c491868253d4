// Training on several folders at once (one attribute set, their val splits), and the
// learning-rate schedule (a pure function of the step, so resume stays exact).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSplits } from '../src/data/loader/split_source.js';
import { labelHistogram, medianFrequencyWeights } from '../src/data/loader/store.js';
import { openDataset } from '../src/data/detect.js';
import { writeSynth } from '../src/data/synth/writer.js';
import { learningRate } from '../src/train/lr_schedule.js';
import { prepareRun } from '../src/train/setup.js';
import { train } from '../src/train/trainer.js';
import { smallSynth, sharedData, tempDir, tinySettings } from './helpers.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { noGrad } from '@facet/torch';
import { ParserTask } from '../src/train/tasks/parser_task.js';
import { checkRecipe } from '../src/train/recipe_check.js';
import { DEFAULT_RECIPE } from '../src/runs/config.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const cache = join(tempDir('multi-cache'));

test('learning rate: constant, linear warm-up, cosine to zero (known values)', () => {
  const r = { lr: 0.1, steps: 110, lrSchedule: 'cosine' as const, warmupSteps: 10 };
  assert.equal(learningRate(r, 0), 0.01);
  assert.equal(learningRate(r, 9), 0.1);
  assert.equal(learningRate(r, 10), 0.1);
  assert.ok(Math.abs(learningRate(r, 60) - 0.05) < 1e-15); // half way through the decay
  assert.ok(learningRate(r, 109) < 0.1 * 1e-3);
  assert.equal(learningRate({ lr: 0.1, steps: 110, lrSchedule: 'constant', warmupSteps: 0 }, 50), 0.1);
  // runs written before the schedule existed have neither field: constant
  assert.equal(learningRate({ lr: 0.3, steps: 5 }, 4), 0.3);
});

test('several folders of different image sizes train as one set, validated on the val splits they have', async () => {
  const a = await smallSynth(); // 64×52, 48 train / 6 val / 6 test
  const b = tempDir('synth-b');
  await writeSynth({ out: b, count: 20, seed: 9, width: 40, height: 48, helen: false });
  const nb = openDataset(b);
  const opts = { height: 32, width: 26, cacheDir: cache, require: 'attributes' as const };
  const train = await openSplits([a, b], 'train', opts);
  const expected = openDataset(a).items('train').length + nb.items('train').length;
  assert.equal(train.items.length, expected);
  assert.equal(train.datasets.length, 2);
  assert.deepEqual(train.header.sourceSizes[0], [52, 64]);
  assert.deepEqual(train.header.sourceSizes.at(-1), [40, 48]);
  const val = await openSplits([a, b], 'val', opts);
  assert.equal(val.items.length, openDataset(a).items('val').length + nb.items('val').length);
});

test('folders whose attributes differ are refused, naming the folder', async () => {
  const a = await smallSynth();
  await assert.rejects(
    openSplits([a, sharedData('lfw-parts')], 'train', { height: 32, width: 26, cacheDir: cache, require: 'attributes' }),
    /lfw-parts: its attributes \(0\) differ from .*'s \(40\)/,
  );
});

test('an attr run records every folder and resumes on them', async () => {
  const a = await smallSynth();
  const b = tempDir('synth-c');
  await writeSynth({ out: b, count: 12, seed: 4, width: 52, height: 64, helen: false });
  const out = join(tempDir('multi-run'), 'run');
  const s = tinySettings('attr', a, out, { method: 'avg', data: [a, b] });
  s.recipe = { ...s.recipe, steps: 4, lrSchedule: 'cosine', warmupSteps: 2, optimizer: 'adamw' };
  const p = await prepareRun(s);
  try {
    await train(p.run, p.config, p.task, { progress: 'quiet' });
  } finally {
    await p.task.close();
  }
  assert.deepEqual(
    p.config.data.map((d) => d.dir),
    [a, b],
  );
  assert.equal(p.config.fit, 'cover-centre');
  const resumed = await prepareRun({ ...s, data: [], recipe: { steps: 6 } }, true);
  try {
    assert.deepEqual(
      resumed.config.data.map((d) => d.dir),
      [a, b],
    );
    assert.equal(resumed.config.recipe.lrSchedule, 'cosine');
    await train(resumed.run, resumed.config, resumed.task, { resume: true, progress: 'quiet' });
  } finally {
    await resumed.task.close();
  }
});

test('parser folders with the same kind of masks train as one source, one batch per step', async () => {
  const a = await smallSynth();
  const b = tempDir('synth-d');
  await writeSynth({ out: b, count: 12, seed: 6, width: 52, height: 64, helen: false });
  const s = tinySettings('parser', a, join(tempDir('group-run'), 'run'), { data: [a, b] });
  const p = await prepareRun(s);
  try {
    const task = p.task as unknown as { train: Array<{ source: { items: unknown[] } }>; imagesPerStep: number };
    assert.equal(task.train.length, 1);
    assert.equal(task.imagesPerStep, s.recipe.batch);
    assert.equal(task.train[0]!.source.items.length, openDataset(a).items('train').length + openDataset(b).items('train').length);
  } finally {
    await p.task.close();
  }
});

test('--class-balance weighs a coarse source over its own classes (median frequency of its labels)', async () => {
  const lfw = sharedData('lfw-parts');
  const s = tinySettings('parser', lfw, join(tempDir('coarse-balance'), 'run'), { trainLimit: 12 });
  s.recipe = { ...s.recipe, classBalance: true, steps: 2, evalLimit: 4 };
  const p = await prepareRun(s);
  try {
    const w = p.config.coarseClassWeights!['background,hair,skin']!;
    const source = (p.task as unknown as { train: Array<{ source: { store: string } }> }).train[0]!.source;
    assert.deepEqual(w, medianFrequencyWeights(labelHistogram(source.store, 3)));
    // the median class weighs 1, the rarer more, the commoner less
    assert.equal([...w].sort((x, y) => x - y)[1], 1);
    await train(p.run, p.config, p.task, { progress: 'quiet' });
  } finally {
    await p.task.close();
  }
});

test("--coarse-weight scales each coarse source's loss and nothing else: L(w) = fine + w·coarse", async () => {
  const lfw = sharedData('lfw-parts');
  const synth = await smallSynth();
  const s = tinySettings('parser', lfw, join(tempDir('coarse-weight'), 'run'), { data: [lfw, synth], trainLimit: 12 });
  s.recipe = { ...s.recipe, coarseWeight: 3 };
  const p = await prepareRun(s);
  assert.equal(p.config.recipe.coarseWeight, 3);
  const task = p.task as ParserTask;
  try {
    const batches = await task.prepare(0);
    const k = task.train.findIndex((t) => t.coarse);
    assert.ok(k >= 0 && task.train.length === 2);
    const lossOf = (t: ParserTask, b: typeof batches) => noGrad(() => t.loss(b).item());
    const weighted = lossOf(task, batches);
    const unit = lossOf(new ParserTask({ ...p.config, recipe: { ...p.config.recipe, coarseWeight: 1 } }, task.model, task.train, null), batches);
    const coarse = lossOf(new ParserTask(p.config, task.model, [task.train[k]!], null), [batches[k]!]) / 3;
    assert.ok(coarse > 0.01, `coarse loss ${coarse}`);
    assert.ok(Math.abs(weighted - unit - 2 * coarse) < 1e-5 * weighted, `${weighted} − ${unit} vs 2 × ${coarse}`);
  } finally {
    await task.close();
  }
});

test('--coarse-weight must be a positive number (CLI and a config.json read back)', () => {
  assert.throws(() => checkRecipe({ ...DEFAULT_RECIPE, coarseWeight: 0 }, 'run/config.json'), /run\/config.json.*recipe\.coarseWeight/);
  assert.equal(checkRecipe({ ...DEFAULT_RECIPE, coarseWeight: 0.5 }, 'c').coarseWeight, 0.5);
  const r = spawnSync(process.execPath, [MAIN, 'train', 'parser', '--out', 'x', '--data', 'y', '--coarse-weight', '0'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--coarse-weight must be a positive number, got '0'/);
});
