// `facet eval` on a model bundle: the same probabilities as `facet predict` on the same
// files (one fit rule, one pipeline), parsing IoU on LFW's masks, and the CLI's choices
// (a bundle, a run, the shipped model by default; a folder that is neither is refused).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateBundle } from '../src/eval/evaluate_bundle.js';
import { attributeMetrics } from '../src/metrics/metrics.js';
import { readCelebA } from '../src/data/index.js';
import { Predictor, isFailure } from '../src/infer/predict.js';
import { makeTestBundle } from './onnx_helpers.js';
import { sharedData, tempDir } from './helpers.js';
import { openSplit } from '../src/data/loader/split_source.js';
import { evalLoader } from '../src/runs/attribute_predictions.js';
import { coarseOf } from '../src/runs/parser_evaluation.js';
import { IoUAccumulator, coarsen } from '../src/metrics/iou.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const bundleDir = makeTestBundle(109, 89, { seed: 4, perturb: true, parserFlipAverage: true, parseGuidedFilter: { radius: 4, eps: 0.001 } });
const cacheDir = tempDir('eval-bundle-cache');
after(() => rmSync(bundleDir, { recursive: true, force: true }));

test('a bundle scored by eval gives the metrics of its predict probabilities on the same faces', async () => {
  const celeba = sharedData('celeba');
  const r = await evaluateBundle(bundleDir, { data: celeba, split: 'test', limit: 20, cacheDir });
  assert.equal(r.kind, 'bundle');
  assert.equal(r.attributes!.count, 20);
  const items = readCelebA(celeba).items('test').slice(0, 20);
  // eval scores aligned crops as predict --aligned runs them
  const predictor = await Predictor.open({ run: bundleDir, align: 'aligned' });
  try {
    const results = await predictor.predict(items.map((i) => i.imagePath));
    const probs = new Float32Array(20 * 40);
    const labels = new Uint8Array(20 * 40);
    results.forEach((p, n) => {
      assert.ok(!isFailure(p));
      probs.set(p.faces[0]!.probabilities, n * 40);
      labels.set(items[n]!.attributes!, n * 40);
    });
    const expected = attributeMetrics(
      probs,
      labels,
      r.attributes!.attributes.map((a) => a.name),
    );
    assert.ok(Math.abs(expected.meanError - r.attributes!.meanError) < 1e-12, `eval ${r.attributes!.meanError} vs predict ${expected.meanError}`);
    assert.ok(Math.abs((expected.mAP ?? 0) - (r.attributes!.mAP ?? 0)) < 1e-6);
  } finally {
    await predictor.dispose();
  }
});

test("a bundle on LFW Part Labels: the parser's IoU over hair, skin and background", async () => {
  const r = await evaluateBundle(bundleDir, { data: sharedData('lfw-parts'), split: 'val', limit: 8, cacheDir });
  assert.equal(r.attributes, undefined);
  assert.deepEqual(r.parsing!.classNames, ['background', 'hair', 'skin']);
  // the same IoU from predict's parse of the same files, against the masks fitted as eval fits them
  const lfw = sharedData('lfw-parts');
  const source = await openSplit(lfw, 'val', { height: 109, width: 89, require: 'masks', limit: 8, cacheDir });
  const masks = evalLoader(source, { mean: [0, 0, 0], std: [1, 1, 1] }, 8, false);
  const predictor = await Predictor.open({ run: bundleDir, align: 'aligned' });
  try {
    const b = await masks.batch(0);
    const results = await predictor.predict(source.items.map((i) => i.imagePath));
    const acc = new IoUAccumulator(['background', 'hair', 'skin']);
    const plane = 109 * 89;
    results.forEach((p, n) => {
      assert.ok(!isFailure(p));
      acc.add(coarsen(p.faces[0]!.labels, coarseOf(source)!), b.labels!.subarray(n * plane, (n + 1) * plane));
    });
    assert.equal(b.count, 8);
    assert.ok(Math.abs(acc.result().mean! - r.parsing!.meanIoU) < 1e-12, `eval ${r.parsing!.meanIoU} vs predict ${acc.result().mean}`);
  } finally {
    await predictor.dispose();
    await masks.close();
  }
});

function facet(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('facet eval: --run BUNDLE writes nothing into it; no --run scores the shipped model; neither run nor bundle is refused', () => {
  const celeba = sharedData('celeba');
  const b = facet('eval', '--run', bundleDir, '--data', celeba, '--split', 'test', '--limit', '8', '--json', '--cache-dir', cacheDir);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(JSON.parse(b.stdout).attributes.count, 8);
  assert.equal(existsSync(join(bundleDir, 'metrics.json')), false);
  const shipped = facet('eval', '--data', celeba, '--split', 'test', '--limit', '8', '--json', '--cache-dir', cacheDir);
  assert.equal(shipped.status, 0, shipped.stderr);
  assert.match(JSON.parse(shipped.stdout).run, /models[/\\]default$/);
  const empty = tempDir('eval-neither');
  const bad = facet('eval', '--run', empty, '--data', celeba);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /neither a training run \(config\.json\) nor a model bundle \(bundle\.json\)/);
});
