// The library API of infer/predict.ts with align 'aligned' (the image is the face, as
// before face detection; detect-and-align is tested in predict_detect.test.ts):
// predictImages on both runtimes against the TorchPipeline run directly on the
// preprocessed image, bytes inputs, failures per image, toJson, and the model-directory
// errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestBundle, maxAbsDiff } from './onnx_helpers.js';
import { readBundle } from '../src/infer/bundle.js';
import { prepareImage } from '../src/infer/preprocess.js';
import { argmaxRegions } from '../src/model_io/parse_labels.js';
import { TorchPipeline } from '../src/infer/torch_pipeline.js';
import { type FacePrediction, type PredictionResult, type PredictionFailure, isFailure, predictImages, toJson, Predictor } from '../src/infer/predict.js';
import { defaultModelDir, resolveModelDir } from '../src/infer/default_model.js';
import { CELEBA_ATTRIBUTES } from '../src/data/attributes.js';
import { sharedData } from './helpers.js';

const CELEBA = sharedData('celeba/Img/img_align_celeba');
const LFW = sharedData('lfw-parts/lfw_funneled');
const celeba = join(
  CELEBA,
  readdirSync(CELEBA)
    .filter((f) => f.endsWith('.jpg'))
    .sort()[0]!,
);
const lfwDir = join(LFW, readdirSync(LFW).sort()[0]!);
const lfw = join(
  lfwDir,
  readdirSync(lfwDir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()[0]!,
);

const bundleDir = makeTestBundle(218, 178, { seed: 4 });
after(() => rmSync(bundleDir, { recursive: true, force: true }));

function ok(r: PredictionResult | PredictionFailure): PredictionResult {
  if (isFailure(r)) assert.fail(`${r.image}: ${r.error}`);
  return r;
}

/** The one face of an aligned-crop prediction. */
function face(r: PredictionResult | PredictionFailure): FacePrediction {
  const p = ok(r);
  assert.equal(p.faces.length, 1);
  return p.faces[0]!;
}

let torchResults: PredictionResult[] | null = null;

test('torch: the same numbers as TorchPipeline on the preprocessed image; sizes; the parse', async () => {
  const results = (await predictImages([celeba, lfw], { run: bundleDir, runtime: 'torch', threads: 2, align: 'aligned' })).map(ok);
  torchResults = results;
  const bundle = readBundle(bundleDir);
  const c = bundle.config;
  const pipe = new TorchPipeline(bundle);
  try {
    for (const [path, photo] of [
      [celeba, results[0]!],
      [lfw, results[1]!],
    ] as const) {
      const img = await prepareImage(path, c.height, c.width, c.normalization);
      const [raw] = pipe.run([img.input]);
      assert.equal(photo.image, path);
      assert.equal(photo.runtime, 'torch');
      assert.equal(photo.align, 'aligned');
      const r = face(photo);
      assert.equal(r.probabilities.length, 40);
      assert.ok(maxAbsDiff(r.probabilities, raw!.probabilities) <= 1e-6, 'probabilities');
      assert.ok(maxAbsDiff(r.regionWeights, raw!.regionWeights) <= 1e-6, 'region weights');
      assert.ok(maxAbsDiff(r.heatmaps, raw!.heatmaps) <= 1e-5, 'heat maps');
      assert.deepEqual(r.labels, argmaxRegions(raw!.parse, 7, c.height * c.width));
      assert.deepEqual(r.rgb, img.rgb);
      const fractions = r.regionFractions.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(fractions - 1) < 1e-5, `region fractions sum to ${fractions}`);
    }
  } finally {
    pipe.dispose();
  }
  assert.deepEqual(results[0]!.size, { width: 178, height: 218 });
  assert.deepEqual(results[0]!.faces[0]!.box, { x: 0, y: 0, width: 178, height: 218 });
  assert.deepEqual(results[1]!.size, { width: 250, height: 250 });
  assert.deepEqual(results[1]!.faces[0]!.box, { x: 23, y: 0, width: 204, height: 250 });
  assert.deepEqual(results[1]!.inputSize, { width: 178, height: 218 });
  // the parse drawn back on the photo: inside the crop it is the parse (same size here), outside background
  assert.deepEqual(results[0]!.photoLabels, results[0]!.faces[0]!.labels);
  const l = results[1]!.photoLabels;
  assert.equal(l.length, 250 * 250);
  for (let y = 0; y < 250; y += 7) for (const x of [0, 10, 22, 227, 240, 249]) assert.equal(l[y * 250 + x], 0, `outside the crop at (${x}, ${y})`);
});

test('onnx: the same numbers as torch within 1e-4', async () => {
  const torch = torchResults ?? (await predictImages([celeba, lfw], { run: bundleDir, align: 'aligned' })).map(ok);
  const onnx = (await predictImages([celeba, lfw], { run: bundleDir, runtime: 'onnx', threads: 2, align: 'aligned' })).map(ok);
  for (let i = 0; i < 2; i++) {
    assert.equal(onnx[i]!.runtime, 'onnx');
    const [o, t] = [face(onnx[i]!), face(torch[i]!)];
    assert.ok(maxAbsDiff(o.probabilities, t.probabilities) <= 1e-4, 'probabilities');
    assert.ok(maxAbsDiff(o.regionWeights, t.regionWeights) <= 1e-4, 'region weights');
    assert.ok(maxAbsDiff(o.heatmaps, t.heatmaps) <= 1e-4, 'heat maps');
    assert.deepEqual(onnx[i]!.size, torch[i]!.size);
  }
});

test('bytes in, a bad image fails alone and is named; order is kept', async () => {
  const good = new Uint8Array(readFileSync(celeba));
  const p = await Predictor.open({ run: bundleDir, batch: 2, align: 'aligned' });
  try {
    const out = await p.predict([
      good,
      { name: 'upload.jpg', data: new TextEncoder().encode('not an image') },
      { name: 'half.jpg', data: good.subarray(0, good.length >> 1) },
      '/nonexistent/face.jpg',
      { name: 'named.jpg', data: good },
    ]);
    assert.equal(out.length, 5);
    assert.equal(ok(out[0]!).image, 'image-1');
    assert.ok(isFailure(out[1]!) && /^upload\.jpg: /.test(out[1].error), JSON.stringify(out[1]));
    assert.ok(isFailure(out[2]!) && /^half\.jpg: /.test(out[2].error), JSON.stringify(out[2]));
    assert.ok(isFailure(out[3]!) && /nonexistent\/face\.jpg: no such file/.test(out[3].error), JSON.stringify(out[3]));
    assert.equal(ok(out[4]!).image, 'named.jpg');
    assert.deepEqual(face(out[4]!).probabilities, face(out[0]!).probabilities);
  } finally {
    await p.dispose();
  }
});

test('toJson: names, region weights and top regions; full adds heat-map grids, the parse and the photo parse', () => {
  const photo = torchResults![1]!;
  const r = photo.faces[0]!;
  const top = toJson(photo);
  assert.deepEqual(top.size, { width: 250, height: 250 });
  assert.equal(top.align, 'aligned');
  assert.equal(top.note, undefined);
  assert.equal(top.photo_parse, undefined);
  const j = top.faces[0]!;
  assert.deepEqual(Object.keys(j.attributes), [...CELEBA_ATTRIBUTES]);
  assert.equal(j.heatmaps, undefined);
  for (const [a, name] of CELEBA_ATTRIBUTES.entries()) {
    assert.equal(j.attributes[name], r.probabilities[a]);
    const w = j.region_weights[name]!;
    assert.deepEqual(Object.keys(w), ['background', 'hair', 'skin', 'eyes', 'eyebrows', 'mouth', 'nose']);
    const sum = Object.values(w).reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
    const best = Object.entries(w).sort((x, y) => y[1] - x[1])[0]![0];
    assert.equal(j.top_region[name], best);
  }
  const full = JSON.parse(JSON.stringify(toJson(photo, { full: true }))) as ReturnType<typeof toJson>;
  const f = full.faces[0]!;
  assert.deepEqual(f.heatmaps!.grid, { width: r.gridWidth, height: r.gridHeight });
  const m = f.heatmaps!.maps['Smiling']!;
  assert.equal(m.length, r.gridHeight);
  const a = CELEBA_ATTRIBUTES.indexOf('Smiling');
  assert.deepEqual(m.flat(), Array.from(r.heatmaps.subarray(a * r.gridHeight * r.gridWidth, (a + 1) * r.gridHeight * r.gridWidth)));
  const labels = Uint8Array.from(f.parse!.rows.join(''), (ch) => Number(ch));
  assert.deepEqual(labels, r.labels);
  assert.deepEqual(
    Uint8Array.from(full.photo_parse!.rows.join(''), (ch) => Number(ch)),
    photo.photoLabels,
  );
  assert.equal(full.photo_parse!.scale, 1);
});

test('model directory: a clear error for a missing --run and for a missing shipped model', async () => {
  assert.throws(() => resolveModelDir('/nonexistent/run'), /--run \/nonexistent\/run: no such directory/);
  assert.throws(() => resolveModelDir(CELEBA), /no bundle\.json/);
  assert.equal(resolveModelDir(bundleDir), bundleDir);
  assert.match(defaultModelDir(), /packages\/facet\/models\/default$/);
  if (!existsSync(join(defaultModelDir(), 'bundle.json'))) {
    await assert.rejects(predictImages([celeba]), (e: Error) => e.message.includes(join(defaultModelDir(), 'bundle.json')) && e.message.includes('--run'));
  }
});
