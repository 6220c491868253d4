// The model facet ships (models/default, trained on real faces by
// scripts/train-default-model.sh), on real faces it never trained on: celeba/'s official
// test split for the 40 attributes, LFW Part Labels' validation split for hair, skin and
// background. It guards what the model reached (README, "The model in the box"), with a
// margin; the region weights SSP gives each attribute on real faces are printed, not
// asserted (EXPERIMENTS.md, "Real faces").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCelebA } from '../src/data/index.js';
import { evaluateBundle } from '../src/eval/evaluate_bundle.js';
import { Predictor, isFailure, type PredictionResult } from '../src/infer/predict.js';
import { defaultModelDir } from '../src/infer/default_model.js';
import { readBundleConfig } from '../src/infer/bundle.js';
import { REGION_NAMES } from '../src/regions.js';
import { sharedData, tempDir } from './helpers.js';

const cacheDir = tempDir('default-model-cache');
// what the shipped model reached (README), less a margin
const MAX_ERROR = 0.105;
const MIN_MAP = 0.65;
// the issue's target; the shipped bundle reaches 86.18 % with its guided filter
const MIN_LFW_IOU = 0.85;

test('the shipped model is small enough to ship (≤ 10 MB) and says what it was trained on', () => {
  const dir = defaultModelDir();
  const bytes = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((s, e) => s + statSync(join(e.parentPath, e.name)).size, 0);
  assert.ok(bytes <= 10 * 1024 * 1024, `${bytes} bytes`);
  const c = readBundleConfig(dir);
  assert.match(c.description ?? '', /real faces/i);
  assert.equal(c.fit, 'cover-centre');
});

test("attributes on CelebA's test split (660 real faces): error well below the majority answer", async () => {
  const r = await evaluateBundle(defaultModelDir(), { data: sharedData('celeba'), split: 'test', cacheDir });
  const a = r.attributes!;
  console.log(
    `# shipped model, celeba test: error ${(100 * a.meanError).toFixed(2)} %, mAP ${(100 * a.mAP!).toFixed(2)} %, ` +
      `balanced accuracy ${(100 * a.meanBalancedAccuracy).toFixed(2)} %, majority answer ${(100 * a.meanBaselineError).toFixed(2)} %`,
  );
  assert.equal(a.count, 660);
  assert.ok(a.meanError <= MAX_ERROR, `mean error ${a.meanError}`);
  assert.ok(a.meanBaselineError - a.meanError >= 0.07, `error ${a.meanError} vs majority ${a.meanBaselineError}`);
  assert.ok(a.mAP! >= MIN_MAP, `mAP ${a.mAP}`);
});

test('parse of real LFW faces (validation split): hair, skin and background', async () => {
  const r = await evaluateBundle(defaultModelDir(), { data: sharedData('lfw-parts'), split: 'val', cacheDir });
  const p = r.parsing!;
  console.log(
    `# shipped model, LFW val: mean IoU ${(100 * p.meanIoU).toFixed(2)} % (${p.classNames.map((n, k) => `${n} ${(100 * p.perClass[k]!).toFixed(1)}`).join(', ')})`,
  );
  assert.ok(p.meanIoU >= MIN_LFW_IOU, `mean IoU ${p.meanIoU}`);
  // its guided filter is what carries it past the target: without it, 84.66 %
  assert.ok(readBundleConfig(defaultModelDir()).parseGuidedFilter);
  const unfiltered = await evaluateBundle(defaultModelDir(), { data: sharedData('lfw-parts'), split: 'val', cacheDir, parse: { guidedFilter: null } });
  console.log(`# the same without its guided filter: mean IoU ${(100 * unfiltered.parsing!.meanIoU).toFixed(2)} %`);
  assert.ok(p.meanIoU - unfiltered.parsing!.meanIoU >= 0.01, `with the filter ${p.meanIoU}, without ${unfiltered.parsing!.meanIoU}`);
});

test("on real CelebA faces every region is parsed, where it belongs; SSP's region weights are distributions", async () => {
  const items = readCelebA(sharedData('celeba')).items('test').slice(0, 24);
  // CelebA's test crops are aligned: the images are the faces
  const predictor = await Predictor.open({ runtime: 'torch', threads: 1, align: 'aligned' });
  let results: PredictionResult[];
  try {
    const r = await predictor.predict(items.map((i) => i.imagePath));
    assert.ok(!r.some(isFailure));
    results = r as PredictionResult[];
  } finally {
    await predictor.dispose();
  }
  const { width: W, height: H } = results[0]!.inputSize;
  const R = REGION_NAMES.length;
  const rows = new Float64Array(R);
  const area = new Float64Array(R);
  const upperHalf = new Float64Array(R);
  for (const {
    faces: [p],
  } of results) {
    for (let i = 0; i < p!.labels.length; i++) {
      const row = Math.floor(i / W);
      rows[p!.labels[i]!]! += row;
      area[p!.labels[i]!]! += 1;
      if (row < H / 2) upperHalf[p!.labels[i]!]! += 1;
    }
  }
  const index = (n: string) => REGION_NAMES.indexOf(n as (typeof REGION_NAMES)[number]);
  const meanRow = (n: string) => rows[index(n)]! / Math.max(1, area[index(n)]!) / H;
  for (let r = 1; r < R; r++) assert.ok(area[r]! > 0, `${REGION_NAMES[r]} is never predicted`);
  // top to bottom: brows, eyes, nose, mouth
  const order = ['eyebrows', 'eyes', 'nose', 'mouth'].map(meanRow);
  for (let k = 1; k < order.length; k++)
    assert.ok(order[k - 1]! < order[k]!, `regions out of order from the top: ${order.map((v) => v.toFixed(3)).join(' < ')}`);
  // hair frames the face, down the sides for long hair: most of it is in the upper half, and it sits above the nose
  const hairUp = upperHalf[index('hair')]! / area[index('hair')]!;
  console.log(`# hair: ${(100 * hairUp).toFixed(1)} % in the upper half, mean row ${meanRow('hair').toFixed(3)} (nose ${meanRow('nose').toFixed(3)})`);
  assert.ok(hairUp > 0.5, `only ${hairUp} of the hair is in the upper half`);
  assert.ok(meanRow('hair') < meanRow('nose'), `hair's mean row ${meanRow('hair')} is not above the nose's ${meanRow('nose')}`);
  const A = results[0]!.attributeNames.length;
  const mean = new Float64Array(A * R);
  for (const {
    faces: [p],
  } of results) {
    for (let a = 0; a < A; a++) {
      let sum = 0;
      for (let r = 0; r < R; r++) {
        sum += p!.regionWeights[r * A + a]!;
        mean[a * R + r]! += p!.regionWeights[r * A + a]! / results.length;
      }
      assert.ok(Math.abs(sum - 1) < 1e-4, `weights of attribute ${a} sum to ${sum}`);
    }
  }
  const picks = results[0]!.attributeNames.map((n, a) => {
    let best = 0;
    for (let r = 1; r < R; r++) if (mean[a * R + r]! > mean[a * R + best]!) best = r;
    return `${n}→${REGION_NAMES[best]}`;
  });
  console.log(`# SSP's heaviest region per attribute, 24 real test faces: ${picks.join(', ')}`);
});
