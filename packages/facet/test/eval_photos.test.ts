// In-the-wild photos (Img/img_celeba) read for training and evaluation: each photo goes
// through detect-and-align as `facet predict` runs it, once, its largest face's aligned
// crop cached by content (data/loader/aligned_photos.ts); `facet eval` scores those, a
// photo without a face is counted and named. A small folder made here: three of CelebA's
// wild photos with their labels and a gradient (no face), all in the test split.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { evaluateBundle } from '../src/eval/evaluate_bundle.js';
import { attributeMetrics } from '../src/metrics/metrics.js';
import { formatEvaluation } from '../src/eval/format.js';
import { Predictor, isFailure } from '../src/infer/predict.js';
import { openSplit } from '../src/data/loader/split_source.js';
import { loadImage } from '../src/data/image.js';
import { makeTestBundle } from './onnx_helpers.js';
import { sharedData, tempDir } from './helpers.js';

const WILD = sharedData('celeba-wild');
const bundleDir = makeTestBundle(109, 89, { seed: 4, perturb: true });
const dir = tempDir('eval-photos');
const cacheDir = tempDir('eval-photos-cache');
after(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

test('in-the-wild photos: aligned once (cached by content), scored on the largest face, a photo without a face named', async () => {
  const attrLines = readFileSync(join(WILD, 'Anno', 'list_attr_celeba.txt'), 'utf8').split('\n');
  const header = attrLines[1]!;
  const rows = attrLines.slice(2, 5); // the first three photos
  const ids = rows.map((r) => r.split(/\s+/)[0]!);
  const gradientRow = `gradient.png ${rows[0]!.split(/\s+/).slice(1).join(' ')}`;
  mkdirSync(join(dir, 'Img', 'img_celeba'), { recursive: true });
  mkdirSync(join(dir, 'Anno'));
  mkdirSync(join(dir, 'Eval'));
  for (const id of ids) copyFileSync(join(WILD, 'Img', 'img_celeba', id), join(dir, 'Img', 'img_celeba', id));
  const w = 320,
    h = 240;
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([x * 0.8, y, 128], (y * w + x) * 3);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(join(dir, 'Img', 'img_celeba', 'gradient.png'));
  writeFileSync(join(dir, 'Anno', 'list_attr_celeba.txt'), [String(ids.length + 1), header, ...rows, gradientRow, ''].join('\n'));
  writeFileSync(join(dir, 'Eval', 'list_eval_partition.txt'), [...ids, 'gradient.png'].map((id) => `${id} 2`).join('\n') + '\n');

  const r = await evaluateBundle(bundleDir, { data: dir, split: 'test', cacheDir });
  assert.deepEqual(r.faces, { photos: 4, withFace: 3, noFace: ['gradient.png'] });
  assert.equal(r.attributes!.count, 3);
  assert.match(formatEvaluation(r), /photos: 4, a face found \(and aligned\) in 3 .*; no face in gradient\.png/);
  // the crops: 178×218 PNGs in the cache, one per photo with a face, reused (not rewritten) by the next read
  const crops = readdirSync(join(cacheDir, 'aligned')).filter((f) => f.endsWith('.png'));
  assert.equal(crops.length, 3);
  const mtimes = crops.map((f) => statSync(join(cacheDir, 'aligned', f)).mtimeMs);
  const source = await openSplit(dir, 'test', { height: 109, width: 89, require: 'attributes', cacheDir });
  assert.deepEqual(source.noFace, ['gradient.png']);
  assert.equal(source.photos, 4);
  assert.deepEqual(
    source.items.map((i) => i.id),
    ids,
  );
  assert.deepEqual(
    crops.map((f) => statSync(join(cacheDir, 'aligned', f)).mtimeMs),
    mtimes,
  );
  for (const it of source.items) {
    const img = await loadImage(it.imagePath);
    assert.deepEqual([img.width, img.height], [178, 218]);
    // the detected eyes, carried into the crop, sit near the template's (69, 112) and (108, 112)
    assert.ok(
      Math.abs(it.landmarks![0]! - 68.7) < 4 && Math.abs(it.landmarks![2]! - 107.2) < 4 && Math.abs(it.landmarks![1]! - 111.4) < 4,
      `${it.id}: ${Array.from(it.landmarks!)}`,
    );
  }
  // the same numbers as predict's largest face on each photo
  const predictor = await Predictor.open({ run: bundleDir, align: 'detect' });
  try {
    const results = await predictor.predict(ids.map((id) => join(dir, 'Img', 'img_celeba', id)));
    const probs = new Float32Array(3 * 40);
    const labels = new Uint8Array(3 * 40);
    results.forEach((p, n) => {
      assert.ok(!isFailure(p) && p.faces.length > 0);
      probs.set(p.faces[0]!.probabilities, n * 40);
      labels.set(
        rows[n]!.trim()
          .split(/\s+/)
          .slice(1)
          .map((v) => (v === '1' ? 1 : 0)),
        n * 40,
      );
    });
    const expected = attributeMetrics(
      probs,
      labels,
      r.attributes!.attributes.map((a) => a.name),
    );
    assert.ok(Math.abs(expected.meanError - r.attributes!.meanError) < 1e-12, `eval ${r.attributes!.meanError} vs predict ${expected.meanError}`);
  } finally {
    await predictor.dispose();
  }
});
