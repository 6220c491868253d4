// The model facet ships (models/default, trained by `scripts/train-default-model.sh` on
// version 1 of the synthetic generator), on synthetic faces it never saw (a seed not used
// in training; drawn by the current generator, version 2). It guards what the model
// reached (EXPERIMENTS.md): parsing mean IoU over the 7 regions ≥ 0.65 (measured 0.67 on
// version-2 faces, 0.69 on version 1; the 0.8 that issue 5 asks for is met at 218×178,
// not at this 109×89), and SSP beating the majority class on the drawn attributes. SSP's
// localization is measured and printed, not asserted: its region weights collapse onto
// a few central regions (3 of 20 drawn attributes in their region; EXPERIMENTS.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeSynth } from '../src/data/synth/writer.js';
import { openDataset } from '../src/data/detect.js';
import { loadMask } from '../src/data/image.js';
import { Predictor, isFailure, type PredictionResult } from '../src/infer/predict.js';
import { defaultModelDir } from '../src/infer/default_model.js';
import { readBundleConfig } from '../src/infer/bundle.js';
import { IoUAccumulator } from '../src/eval/iou.js';
import { attributeMetrics } from '../src/eval/metrics.js';
import { drawnAttributes, localizationHits, drawnAttributeCheck } from '../src/experiment/analysis.js';
import { REGION_NAMES } from '../src/regions.js';
import { tempDir } from './helpers.js';

const UNSEEN_SEED = 424242;

test('the shipped model is small enough to ship (≤ 10 MB)', () => {
  const dir = defaultModelDir();
  const bytes = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).reduce((s, e) => s + statSync(join(e.parentPath, e.name)).size, 0);
  assert.ok(bytes <= 10 * 1024 * 1024, `${bytes} bytes`);
  const c = readBundleConfig(dir);
  assert.match(c.description ?? '', /synthetic/i);
});

test('the shipped model on unseen synthetic faces: parsing, attributes, localization', async () => {
  const c = readBundleConfig(defaultModelDir());
  const data = tempDir('unseen');
  await writeSynth({ out: data, count: 96, seed: UNSEEN_SEED, width: c.width, height: c.height, helen: false });
  const items = openDataset(data).items().filter((i) => i.attributes && i.mask);
  const predictor = await Predictor.open({ runtime: 'torch', threads: 2 });
  let results: PredictionResult[];
  try {
    const r = await predictor.predict(items.map((i) => i.imagePath));
    assert.ok(!r.some(isFailure), 'every image predicted');
    results = r as PredictionResult[];
  } finally {
    await predictor.dispose();
  }

  const iou = new IoUAccumulator([...REGION_NAMES]);
  for (const [k, item] of items.entries()) {
    const truth = (await loadMask(item))!;
    assert.equal(truth.width, c.width);
    iou.add(results[k]!.labels, truth.data);
  }
  const parse = iou.result();

  const a = c.attributeNames.length;
  const probs = new Float32Array(items.length * a), labels = new Uint8Array(items.length * a);
  const weights = new Float32Array(a * REGION_NAMES.length);
  items.forEach((item, n) => {
    probs.set(results[n]!.probabilities, n * a);
    labels.set(item.attributes!, n * a);
    const w = results[n]!.regionWeights; // R×A
    for (let j = 0; j < a; j++) for (let r = 0; r < REGION_NAMES.length; r++) weights[j * REGION_NAMES.length + r]! += w[r * a + j]! / items.length;
  });
  const drawn = drawnAttributes(data)!;
  const check = drawnAttributeCheck('ssp', attributeMetrics(probs, labels, c.attributeNames), drawn);
  const hits = localizationHits(weights, c.attributeNames, REGION_NAMES.length, drawn);
  console.log(`# shipped model on unseen synthetic faces: mean IoU ${parse.mean!.toFixed(4)} (${parse.perClass.map((v) => v?.toFixed(3)).join(', ')}); ` +
    `drawn-attribute error ${check.meanError.toFixed(4)} vs majority ${check.majorityError.toFixed(4)}; ` +
    `localization ${hits.hits.length}/${drawn.size} (misses: ${hits.misses.join(', ')})`);
  assert.ok(parse.mean! >= 0.65, `mean IoU ${parse.mean} (per region ${parse.perClass.map((v) => v?.toFixed(3)).join(', ')})`);
  assert.ok(check.beatsMajority, `drawn-attribute error ${check.meanError} vs majority ${check.majorityError}`);
  // Each image's weights are a distribution over regions, so their average is too.
  for (let j = 0; j < a; j++) {
    const sum = weights.slice(j * REGION_NAMES.length, (j + 1) * REGION_NAMES.length).reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `${c.attributeNames[j]}: weights sum to ${sum}`);
  }
  assert.equal(hits.hits.length + hits.misses.length, drawn.size);
});
