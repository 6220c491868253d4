// `facet predict --aligned` end to end, in child processes (images taken as aligned crops,
// as before face detection; detect-and-align is tested in predict_detect.test.ts): --json
// lines against TorchPipeline run directly, the onnx runtime, a resized LFW image, bad
// files among good ones (stderr, exit code), --out (JSON + self-contained HTML), --help,
// and the missing shipped model.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestBundle, maxAbsDiff } from './onnx_helpers.js';
import { readBundle } from '../src/infer/bundle.js';
import { prepareImage } from '../src/infer/preprocess.js';
import { TorchPipeline } from '../src/infer/torch_pipeline.js';
import type { PredictionJson } from '../src/infer/predict.js';
import { defaultModelDir } from '../src/infer/default_model.js';
import { CELEBA_ATTRIBUTES } from '../src/data/attributes.js';
import { sharedData } from './helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CELEBA = sharedData('celeba/Img/img_align_celeba');
const LFW = sharedData('lfw-parts/lfw_funneled');
const celebaFiles = readdirSync(CELEBA)
  .filter((f) => f.endsWith('.jpg'))
  .sort();
const celeba = join(CELEBA, celebaFiles[0]!);
const celeba2 = join(CELEBA, celebaFiles[1]!);
const lfwDir = join(LFW, readdirSync(LFW).sort()[0]!);
const lfw = join(
  lfwDir,
  readdirSync(lfwDir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()[0]!,
);

const bundleDir = makeTestBundle(218, 178, { seed: 9 });
const work = mkdtempSync(join(tmpdir(), 'facet-predict-cli-'));
after(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function facet(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(stdout: string): PredictionJson[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PredictionJson);
}

let torchJson: PredictionJson[] = [];

test('--json: one line per image, the 40 names, probabilities in [0,1], equal to TorchPipeline on the preprocessed image', async () => {
  const r = facet('predict', '--run', bundleDir, '--aligned', '--json', celeba, lfw);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 2, 'one line per image');
  const out = lines(r.stdout);
  torchJson = out;
  const bundle = readBundle(bundleDir);
  const c = bundle.config;
  const pipe = new TorchPipeline(bundle);
  try {
    for (const [path, photo] of [
      [celeba, out[0]!],
      [lfw, out[1]!],
    ] as const) {
      assert.equal(photo.image, path);
      assert.equal(photo.runtime, 'torch');
      assert.equal(photo.align, 'aligned');
      assert.equal(photo.faces.length, 1, 'an aligned crop is one face');
      const j = photo.faces[0]!;
      assert.equal(j.score, null);
      assert.equal(j.landmarks, null);
      assert.deepEqual(Object.keys(j.attributes), [...CELEBA_ATTRIBUTES]);
      const probs = CELEBA_ATTRIBUTES.map((n) => j.attributes[n]!);
      const [raw] = pipe.run([(await prepareImage(path, c.height, c.width, c.normalization)).input]);
      assert.ok(maxAbsDiff(probs, raw!.probabilities) <= 1e-6, `probabilities differ by ${maxAbsDiff(probs, raw!.probabilities)}`);
      for (const [a, name] of CELEBA_ATTRIBUTES.entries()) {
        const w = j.region_weights[name]!;
        assert.deepEqual(Object.keys(w), c.regionNames);
        c.regionNames.forEach((reg, ri) => assert.ok(Math.abs(w[reg]! - raw!.regionWeights[ri * 40 + a]!) <= 1e-6));
        assert.ok(c.regionNames.includes(j.top_region[name]!));
      }
      const fr = Object.values(j.regions).reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(fr - 1) < 1e-5, `region fractions sum to ${fr}`);
    }
  } finally {
    pipe.dispose();
  }
  // the 250×250 LFW photo is predicted and reports its original size
  assert.deepEqual(out[0]!.size, { width: 178, height: 218 });
  assert.deepEqual(out[0]!.faces[0]!.box, { x: 0, y: 0, width: 178, height: 218 }, 'the whole crop');
  assert.deepEqual(out[1]!.size, { width: 250, height: 250 });
  assert.deepEqual(out[1]!.input_size, { width: 178, height: 218 });
  assert.deepEqual(out[1]!.faces[0]!.box, { x: 23, y: 0, width: 204, height: 250 }, 'the cover crop of the 250×250 photo');
});

test('--runtime onnx: the same numbers within 1e-4', () => {
  const r = facet('predict', '--run', bundleDir, '--aligned', '--json', '--runtime', 'onnx', '--threads', '2', celeba, lfw);
  assert.equal(r.status, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, 2);
  for (let i = 0; i < 2; i++) {
    assert.equal(out[i]!.runtime, 'onnx');
    const a = CELEBA_ATTRIBUTES.map((n) => out[i]!.faces[0]!.attributes[n]!);
    const b = CELEBA_ATTRIBUTES.map((n) => torchJson[i]!.faces[0]!.attributes[n]!);
    assert.ok(maxAbsDiff(a, b) <= 1e-4, `onnx vs torch: ${maxAbsDiff(a, b)}`);
    assert.deepEqual(out[i]!.size, torchJson[i]!.size);
  }
});

test('bad files among good ones: the good ones are predicted, stderr names each bad one, exit code 1', () => {
  const text = join(work, 'notes.jpg');
  writeFileSync(text, 'this is a text file, not a JPEG\n');
  const truncated = join(work, 'truncated.jpg');
  const bytes = readFileSync(celeba);
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
  const missing = join(work, 'missing.jpg');
  const r = facet('predict', '--run', bundleDir, '--aligned', '--json', text, celeba, truncated, missing, celeba2);
  assert.equal(r.status, 1, r.stderr);
  const out = lines(r.stdout);
  assert.deepEqual(
    out.map((j) => j.image),
    [celeba, celeba2],
  );
  const p0 = CELEBA_ATTRIBUTES.map((n) => out[0]!.faces[0]!.attributes[n]!);
  assert.ok(
    maxAbsDiff(
      p0,
      CELEBA_ATTRIBUTES.map((n) => torchJson[0]!.faces[0]!.attributes[n]!),
    ) <= 1e-6,
  );
  for (const bad of [text, truncated, missing]) assert.ok(r.stderr.includes(bad), `stderr names ${bad}: ${r.stderr}`);
  assert.match(r.stderr, /missing\.jpg: no such file/);
  assert.match(r.stderr, /truncated\.jpg: cannot decode/);
  assert.match(r.stderr, /notes\.jpg: not a readable image/);

  // the table (no --json) also keeps going
  const t = facet('predict', '--run', bundleDir, '--aligned', missing, celeba);
  assert.equal(t.status, 1);
  assert.match(t.stdout, /Heavy_Makeup|Smiling|Male|Young/);
  assert.match(t.stdout, /regions: /);
});

test('--out: a JSON that round-trips and a self-contained HTML report per image, written atomically', () => {
  const out = join(work, 'out');
  const r = facet('predict', '--run', bundleDir, '--aligned', '--json', '--out', out, celeba, lfw);
  assert.equal(r.status, 0, r.stderr);
  const printed = lines(r.stdout);
  const stems = [
    celebaFiles[0]!.replace(/\.jpg$/, ''),
    lfw
      .split('/')
      .pop()!
      .replace(/\.jpg$/, ''),
  ];
  assert.deepEqual(readdirSync(out).sort(), stems.flatMap((s) => [`${s}.html`, `${s}.json`]).sort(), 'no temp files left');
  for (const [i, stem] of stems.entries()) {
    const photo = JSON.parse(readFileSync(join(out, `${stem}.json`), 'utf8')) as PredictionJson;
    // the file holds what --json printed, plus the heat maps and the parse of each face and the parse over the photo
    const { photo_parse: photoParse, faces, ...rest } = photo;
    const j = faces[0]!;
    const { heatmaps, parse, ...summary } = j;
    assert.deepEqual({ ...rest, faces: [summary] }, printed[i]);
    // 178×218 (and 250×250) fit in 512 px: the photo parse is at the photo's size
    assert.equal(photoParse!.scale, 1);
    assert.equal(photoParse!.rows.length, photo.size.height);
    if (i === 0) assert.deepEqual(photoParse!.rows, parse!.rows, 'an aligned crop at the input size: the photo parse is the parse');
    assert.deepEqual(Object.keys(heatmaps!.maps), [...CELEBA_ATTRIBUTES]);
    for (const m of Object.values(heatmaps!.maps)) {
      assert.equal(m.length, heatmaps!.grid.height);
      for (const row of m) assert.equal(row.length, heatmaps!.grid.width);
    }
    assert.equal(parse!.rows.length, 218);
    const counts = new Array<number>(7).fill(0);
    for (const row of parse!.rows) {
      assert.equal(row.length, 178);
      for (const ch of row) counts[Number(ch)]! += 1;
    }
    parse!.regions.forEach((name, k) => assert.ok(Math.abs(counts[k]! / (178 * 218) - j.regions[name]!) < 1e-6));

    const htmlPath = join(out, `${stem}.html`);
    const html = readFileSync(htmlPath, 'utf8');
    assert.ok(statSync(htmlPath).size < 3_000_000, `report is ${statSync(htmlPath).size} bytes`);
    assert.match(html, /^<!DOCTYPE html>/);
    for (const name of CELEBA_ATTRIBUTES) assert.ok(html.includes(name), `report names ${name}`);
    assert.match(html, /<img [^>]*src="data:image\/png;base64,[A-Za-z0-9+/=]{100,}"/);
    // self-contained: nothing fetched from anywhere
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /\b(?:src|href)="(?!data:)/);
    assert.doesNotMatch(html, /<link\b|@import|url\(/);
    assert.equal((html.match(/\bsrc="/g) ?? []).length, (html.match(/\bsrc="data:image\/png;base64,/g) ?? []).length);
    if (i === 1) assert.match(html, /250×250/);
    if (i === 1) assert.match(html, /cover \+ centre crop/);
  }
});

test('--help tells the resize rule', () => {
  const r = facet('predict', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--runtime/);
  assert.match(r.stdout, /scaled to cover/);
  assert.match(r.stdout, /centre-cropped/);
});

test('a --run that holds no model: a clear error naming the path', () => {
  const missing = join(defaultModelDir(), '..', 'no-such-model');
  const r = facet('predict', celeba, '--run', missing);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(missing), r.stderr);
});
