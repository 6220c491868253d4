// Every attribute method trains, evaluates and resumes through the same code; the
// SSP+SSG ensemble averages probabilities; coarse masks train the 7-region parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { tensor, tidy, manualSeed, randn, softmax, gradcheck } from '@facet/torch';
import { prepareRun } from '../src/train/setup.js';
import { train } from '../src/train/trainer.js';
import { evaluateRun, evaluateEnsemble } from '../src/eval/evaluate_run.js';
import { pixelLoss } from '../src/models/parser.js';
import { attributeLoss } from '../src/train/tasks/attribute_task.js';
import { bundleFromRuns } from '../src/infer/bundle_from_runs.js';
import { smallSynth, tempDir, tinySettings } from './helpers.js';
import type { RunSettings } from '../src/train/setup.js';

async function trainRun(settings: RunSettings): Promise<void> {
  const p = await prepareRun(settings);
  try {
    await train(p.run, p.config, p.task, { progress: 'quiet' });
  } finally {
    await p.task.close();
  }
}

const dir = tempDir('methods');
let parserRun: string;

test('parser run for the mask-fed methods', async () => {
  const data = await smallSynth();
  parserRun = join(dir, 'parser');
  await trainRun(tinySettings('parser', data, parserRun));
  const e = await evaluateRun(parserRun, { data, split: 'test', cacheDir: join(dir, 'cache') });
  assert.equal(e.parsing!.classNames.length, 7);
  assert.ok(e.parsing!.meanIoU >= 0 && e.parsing!.meanIoU <= 1);
});

for (const method of ['avg', 'spp', 'naive', 'bbox', 'ssp', 'ssg'] as const) {
  test(`attribute method ${method}: trains, logs, evaluates`, async () => {
    const data = await smallSynth();
    const out = join(dir, method);
    await trainRun(tinySettings('attr', data, out, { method, parserRun, gated: method === 'ssg' ? [3] : undefined }));
    for (const f of ['config.json', 'weights.safetensors', 'log.jsonl', 'best.safetensors']) assert.ok(existsSync(join(out, f)), f);
    const e = await evaluateRun(out, { data, split: 'test' });
    const a = e.attributes!;
    assert.equal(a.attributes.length, 40);
    assert.equal(a.count, 6);
    assert.ok(a.meanError >= 0 && a.meanError <= 1);
    if (method === 'ssp') {
      // SSP's evaluation also averages its region weights (Figure 4) and, on synthetic
      // data, scores them against the regions the generator draws attributes in.
      const loc = e.localization!;
      assert.equal(loc.regionWeights.length, 40);
      for (const row of loc.regionWeights) assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5);
      assert.equal(loc.drawn!.hits.length + loc.drawn!.misses.length, 20);
      assert.equal(Object.keys(loc.drawn!.regions).length, 20);
      // each region's recognition accuracy alone, over the 6 test faces: k/6
      assert.equal(loc.regionRecognitionAccuracy.length, 40);
      for (const row of loc.regionRecognitionAccuracy) {
        assert.equal(row.length, 7);
        for (const v of row) assert.ok(Math.abs(v * 6 - Math.round(v * 6)) < 1e-6 && v >= 0 && v <= 1, `${v}`);
      }
    } else {
      assert.equal(e.localization, undefined);
    }
  });
}

test('SSP research options: --ssp-features conv42 and --region-loss train and evaluate; other methods and bundles refuse them', async () => {
  const data = await smallSynth();
  const out = join(dir, 'ssp-conv42');
  const tiny = tinySettings('attr', data, out, { method: 'ssp', parserRun, sspFeatures: 'conv42' });
  await trainRun({ ...tiny, recipe: { ...tiny.recipe, regionLoss: 0.5 } });
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.sspFeatures, 'conv42');
  assert.equal(config.recipe.regionLoss, 0.5);
  // evaluation rebuilds the conv42 model from config.json and loads its weights strictly
  const e = await evaluateRun(out, { data, split: 'test' });
  assert.equal(e.localization!.regionWeights.length, 40);
  await assert.rejects(
    prepareRun(tinySettings('attr', data, join(dir, 'avg-conv42'), { method: 'avg', sspFeatures: 'conv42' })),
    /--ssp-features applies to --method ssp only/,
  );
  const avg = tinySettings('attr', data, join(dir, 'avg-region-loss'), { method: 'avg' });
  await assert.rejects(prepareRun({ ...avg, recipe: { ...avg.recipe, regionLoss: 1 } }), /--region-loss applies to --method ssp only/);
  await assert.rejects(bundleFromRuns({ attributesRun: out, out: join(dir, 'bundle-conv42') }), /pools conv42 .*conv62 only/);
});

test("SSP+SSG ensemble averages the two runs' probabilities", async () => {
  const data = await smallSynth();
  const e = await evaluateEnsemble([join(dir, 'ssp'), join(dir, 'ssg')], { data, split: 'test' });
  assert.equal(e.kind, 'ensemble');
  assert.equal(e.method, 'ssp+ssg');
  assert.equal(e.attributes!.attributes.length, 40);
});

test('balanced training stores pos_weight = negatives / positives', async () => {
  const data = await smallSynth();
  const out = join(dir, 'balanced');
  const s = tinySettings('attr', data, out, { method: 'avg' });
  s.recipe = { ...s.recipe, balanced: true, steps: 2 };
  const p = await prepareRun(s);
  await p.task.close();
  const w = p.config.posWeight!;
  assert.equal(w.length, 40);
  const ds = (await import('../src/data/detect.js')).openDataset(data);
  const items = ds.items('train').filter((i) => i.attributes);
  const smiling = ds.attributeNames.indexOf('Smiling');
  const pos = items.filter((i) => i.attributes![smiling] === 1).length;
  assert.ok(Math.abs(w[smiling]! - (items.length - pos) / pos) < 1e-12);
});

test('joint model trains with and without the attribute loss', async () => {
  const data = await smallSynth();
  for (const weight of [1, 0]) {
    const out = join(dir, `joint-${weight}`);
    await trainRun(tinySettings('joint', data, out, { attributeWeight: weight }));
    const e = await evaluateRun(out, { data, split: 'test' });
    assert.ok(e.parsing && e.attributes);
  }
});

test("partial-label loss: a coarse class's probability is the sum of its fine regions'", () => {
  manualSeed(11);
  tidy(() => {
    const logits = randn([1, 7, 1, 2]);
    const p = softmax(logits, 1).data() as Float32Array; // [r * 2 + pixel]
    const coarseToFine = [[0], [1], [2, 3, 4, 5, 6]];
    const labels = tensor([[[2, 1]]], { dtype: 'int64' }); // pixel 0: skin (coarse 2), pixel 1: hair
    const skin = p[2 * 2]! + p[3 * 2]! + p[4 * 2]! + p[5 * 2]! + p[6 * 2]!;
    const expected = -(Math.log(skin) + Math.log(p[1 * 2 + 1]!)) / 2;
    const got = pixelLoss(logits, labels, { coarseToFine }).item();
    assert.ok(Math.abs(got - expected) < 1e-6, `${got} vs ${expected}`);
    const ignored = tensor([[[255, 1]]], { dtype: 'int64' });
    assert.ok(Math.abs(pixelLoss(logits, ignored, { coarseToFine }).item() + Math.log(p[3]!)) < 1e-6, 'label 255 is ignored');
    gradcheck((x) => pixelLoss(x, labels, { coarseToFine }), [logits.toDtype('float64')]);
    // coarse class weights: a weighted mean, Σ w_c·(−log P_c) / Σ w_c, as torch's nll_loss
    const classWeights = tensor([0.5, 2, 3]);
    const weighted = (3 * -Math.log(skin) + 2 * -Math.log(p[1 * 2 + 1]!)) / (3 + 2);
    const gotWeighted = pixelLoss(logits, labels, { coarseToFine, classWeights }).item();
    assert.ok(Math.abs(gotWeighted - weighted) < 1e-6, `${gotWeighted} vs ${weighted}`);
  });
});

test("--region-loss: BCE on the logits plus weight × the mean of every region's own BCE (known values)", () => {
  tidy(() => {
    const softplus = (x: number) => Math.log1p(Math.exp(x));
    const logits = tensor([[0]]);
    const targets = tensor([[1]]);
    const regionScores = tensor([[[1], [-1]]]); // N=1, R=2, A=1
    const plain = attributeLoss(logits, targets, null).item();
    assert.ok(Math.abs(plain - Math.LN2) < 1e-6);
    const withRegions = attributeLoss(logits, targets, null, { regionScores, weight: 0.5 }).item();
    const expected = Math.LN2 + (0.5 * (softplus(-1) + softplus(1))) / 2;
    assert.ok(Math.abs(withRegions - expected) < 1e-6, `${withRegions} vs ${expected}`);
    // pos_weight scales every positive term, the regions' included
    const weighted = attributeLoss(logits, targets, tensor([3]), { regionScores, weight: 0.5 }).item();
    assert.ok(Math.abs(weighted - 3 * expected) < 1e-5, `${weighted} vs ${3 * expected}`);
  });
});

test('export bundle --tune-thresholds: the val-tuned cuts are folded into the bias, so p ≥ 0.5 is the tuned decision', async () => {
  const data = await smallSynth();
  const run = join(dir, 'ssp');
  const plain = join(dir, 'bundle-plain');
  const tuned = join(dir, 'bundle-tuned');
  await bundleFromRuns({ attributesRun: run, out: plain });
  await bundleFromRuns({ attributesRun: run, out: tuned, tuneOn: data });
  const cuts = JSON.parse(readFileSync(join(tuned, 'bundle.json'), 'utf8')).training.decisionThresholds.thresholds as Record<string, number>;
  // the bundle records which checkpoint of each run it took
  const training = JSON.parse(readFileSync(join(plain, 'bundle.json'), 'utf8')).training;
  for (const [key, r] of [
    ['parser', parserRun],
    ['attributes', run],
  ] as const) {
    const state = JSON.parse(readFileSync(join(r, 'state.json'), 'utf8'));
    assert.equal(training[key].weights, 'best');
    assert.equal(training[key].step, state.bestStep, key);
    assert.equal(training[key].recipe.steps, JSON.parse(readFileSync(join(r, 'config.json'), 'utf8')).recipe.steps);
  }
  const { attributePredictions } = await import('../src/runs/attribute_predictions.js');
  const val = await attributePredictions(run, { data, split: 'val' });
  const names = Object.keys(cuts);
  assert.equal(names.length, 40);
  const [{ Predictor }, { openDataset }] = await Promise.all([import('../src/infer/predict.js'), import('../src/data/detect.js')]);
  const files = openDataset(data)
    .items('val')
    .map((i) => i.imagePath);
  const [a, b] = await Promise.all(
    [plain, tuned].map(async (bundle) => {
      // synthetic faces are aligned crops: the image is the face
      const p = await Predictor.open({ run: bundle, align: 'aligned' });
      try {
        return (await p.predict(files)).map((r) => ('error' in r ? assert.fail(r.error) : r.faces[0]!.probabilities));
      } finally {
        await p.dispose();
      }
    }),
  );
  assert.equal(a!.length, val.probs.length / 40);
  for (let n = 0; n < a!.length; n++) {
    names.forEach((name, k) => {
      const p = a![n]![k]!;
      // skip the knife's edge, where float rounding may go either way
      if (Math.abs(p - cuts[name]!) < 1e-4) return;
      assert.equal(b![n]![k]! >= 0.5, p >= cuts[name]!, `${name}, image ${n}: plain p ${p}, cut ${cuts[name]}, tuned p ${b![n]![k]}`);
    });
  }
});

test("--init-from: an SSP run starts from a basic run's trunk (every shared name and shape), its head as initialised", async () => {
  const data = await smallSynth();
  const avg = join(dir, 'avg');
  const s = tinySettings('attr', data, join(dir, 'ssp-warm'), { method: 'ssp', parserRun, initFrom: avg });
  const p = await prepareRun(s);
  try {
    const { loadSafetensors } = await import('@facet/torch');
    const source = loadSafetensors(join(avg, 'best.safetensors'));
    const own = p.task.model.stateDict();
    const shared = [...own.keys()].filter((k) => source.has(k));
    assert.equal(p.config.initFrom!.loaded, shared.length);
    assert.ok(shared.some((k) => k.startsWith('conv62.')) && !shared.some((k) => k.startsWith('rec.') || k.startsWith('loc.')));
    for (const k of shared) assert.deepEqual(own.get(k)!.toList(), source.get(k)!.toList(), k);
    for (const t of source.values()) t.dispose();
  } finally {
    await p.task.close();
  }
  await assert.rejects(prepareRun(tinySettings('joint', data, join(dir, 'joint-warm'), { initFrom: avg })), /--init-from applies to attr and parser runs only/);
});

test("--init-from: a parser run starts from another parser run's best weights, every one of them", async () => {
  const data = await smallSynth();
  const p = await prepareRun(tinySettings('parser', data, join(dir, 'parser-warm'), { initFrom: parserRun }));
  try {
    const { loadSafetensors } = await import('@facet/torch');
    const best = join(parserRun, 'best.safetensors');
    const source = loadSafetensors(existsSync(best) ? best : join(parserRun, 'weights.safetensors'));
    const own = p.task.model.stateDict();
    assert.deepEqual({ loaded: p.config.initFrom!.loaded, of: p.config.initFrom!.of }, { loaded: own.size, of: own.size });
    for (const [k, t] of own) assert.deepEqual(t.toList(), source.get(k)!.toList(), k);
    for (const t of source.values()) t.dispose();
  } finally {
    await p.task.close();
  }
});
