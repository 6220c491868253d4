// A model bundle is checked once, on load, the same way for both runtimes: each broken
// bundle.json field and each weight that does not fit the config fails on torch and on
// onnx alike with the file and the field named; an exported .onnx's config is checked
// too; outputs that are not finite are an error, never printed numbers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSafetensors, serializeSafetensors } from '@facet/torch/safetensors-format';
import { Predictor, isFailure } from '../src/infer/predict.js';
import { checkBundleConfig } from '../src/infer/bundle_check.js';
import { exportBundleToOnnx, writeOnnxFile } from '../src/infer/onnx/export.js';
import { readBundle } from '../src/infer/bundle.js';
import { faceJpeg, writeServeBundle } from './serve_helpers.js';

const good = writeServeBundle(0.125, 64, 52);
const made: string[] = [good];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the good bundle with bundle.json and/or the weights changed. */
function variant(edit: {
  config?: (c: Record<string, unknown>) => void;
  weights?: (w: Map<string, { dtype: string; shape: number[]; data: Uint8Array }>) => void;
}): string {
  const dir = mkdtempSync(join(tmpdir(), 'facet-bad-bundle-'));
  made.push(dir);
  const config = JSON.parse(readFileSync(join(good, 'bundle.json'), 'utf8')) as Record<string, unknown>;
  edit.config?.(config);
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(config));
  const weights = parseSafetensors(new Uint8Array(readFileSync(join(good, 'weights.safetensors')))).entries;
  const copy = new Map([...weights].map(([k, e]) => [k, { ...e, data: e.data.slice() }]));
  edit.weights?.(copy as never);
  writeFileSync(join(dir, 'weights.safetensors'), serializeSafetensors(copy as never));
  return dir;
}

const fill = (value: number) => (e: { data: Uint8Array }) => new Float32Array(e.data.buffer, e.data.byteOffset, e.data.byteLength / 4).fill(value);

const cases: Array<{ what: string; dir: () => string; error: RegExp }> = [
  {
    what: 'parseGuidedFilter.radius = 0',
    dir: () => variant({ config: (c) => (c.parseGuidedFilter = { radius: 0, eps: 0.001 }) }),
    error: /bundle\.json: field 'parseGuidedFilter\.radius' must be an integer from 1 to 32, got 0/,
  },
  {
    what: 'parseGuidedFilter.eps = -1',
    dir: () => variant({ config: (c) => (c.parseGuidedFilter = { radius: 4, eps: -1 }) }),
    error: /bundle\.json: field 'parseGuidedFilter\.eps' must be a number above 0 and at most 1, got -1/,
  },
  {
    what: 'parseGuidedFilter = 4',
    dir: () => variant({ config: (c) => (c.parseGuidedFilter = 4) }),
    error: /bundle\.json: field 'parseGuidedFilter' must be an object \{radius, eps\} or absent, got 4/,
  },
  {
    what: "parserFlipAverage = 'yes'",
    dir: () => variant({ config: (c) => (c.parserFlipAverage = 'yes') }),
    error: /bundle\.json: field 'parserFlipAverage' must be true, false or absent, got 'yes'/,
  },
  {
    what: 'normalization.std = [0,0,0]',
    dir: () => variant({ config: (c) => ((c.normalization as { std: number[] }).std = [0, 0, 0]) }),
    error: /bundle\.json: field 'normalization\.std\[0\]' must be a number above 0 and finite, got 0/,
  },
  {
    what: 'parserNormalization.mean NaN (null in JSON)',
    dir: () => variant({ config: (c) => ((c.parserNormalization as { mean: unknown[] }).mean = [null, 1, 2]) }),
    error: /bundle\.json: field 'parserNormalization\.mean\[0\]' must be a number that is finite, got null/,
  },
  { what: "method 'nope'", dir: () => variant({ config: (c) => (c.method = 'nope') }), error: /bundle\.json: field 'method' must be 'ssp'.*got 'nope'/ },
  { what: 'height 0', dir: () => variant({ config: (c) => (c.height = 0) }), error: /bundle\.json: field 'height' must be an integer from 8 to 2048, got 0/ },
  { what: 'width -5', dir: () => variant({ config: (c) => (c.width = -5) }), error: /bundle\.json: field 'width' must be an integer from 8 to 2048, got -5/ },
  {
    what: 'height × width 100000²',
    dir: () =>
      variant({
        config: (c) => {
          c.height = 100_000;
          c.width = 100_000;
        },
      }),
    error: /bundle\.json: field 'height' must be an integer from 8 to 2048, got 100000/,
  },
  {
    what: 'height × width 2048²',
    dir: () =>
      variant({
        config: (c) => {
          c.height = 2048;
          c.width = 2048;
        },
      }),
    error: /bundle\.json: field 'height' must be such that height × width ≤ 1048576 \(2048 × 2048 = 4194304\)/,
  },
  {
    what: 'a wrong attributeWidthMult',
    dir: () => variant({ config: (c) => (c.attributeWidthMult = 0.25) }),
    error:
      /weights\.safetensors: weight 'attributes\.encoder\.conv11\.conv\.weight' is \[8, 3, 3, 3\], but bundle\.json's attributeWidthMult = 0\.25 and 40 attributeNames make it \[16, 3, 3, 3\]/,
  },
  {
    what: 'a wrong parserWidthMult',
    dir: () => variant({ config: (c) => (c.parserWidthMult = 0.0625) }),
    error: /weights\.safetensors: weight 'parser\.encoder\.conv11\.conv\.weight' is \[8, 3, 3, 3\], but bundle\.json's parserWidthMult = 0\.0625 make/,
  },
  {
    what: 'attributeWidthMult 0',
    dir: () => variant({ config: (c) => (c.attributeWidthMult = 0) }),
    error: /bundle\.json: field 'attributeWidthMult' must be a number above 0/,
  },
  {
    what: 'one attribute name fewer',
    dir: () => variant({ config: (c) => (c.attributeNames as string[]).pop() }),
    error: /weight 'attributes\.rec\.weight' is \[40, 128\], but .* 39 attributeNames make it \[39, 128\]/,
  },
  {
    what: 'a duplicate attribute name',
    dir: () => variant({ config: (c) => ((c.attributeNames as string[])[1] = (c.attributeNames as string[])[0]!) }),
    error: /field 'attributeNames' must be a list of distinct names, but '5_o_Clock_Shadow' comes twice/,
  },
  {
    what: 'other region names',
    dir: () => variant({ config: (c) => ((c.regionNames as string[])[0] = 'sky') }),
    error: /field 'regionNames' must be \[background, hair/,
  },
  {
    what: 'NaN weights',
    dir: () => variant({ weights: (w) => fill(NaN)(w.get('attributes.conv62.conv.weight')!) }),
    error: /weights\.safetensors: weight 'attributes\.conv62\.conv\.weight' holds NaN at index 0; a model's weights must be finite/,
  },
  {
    what: 'a missing weight',
    dir: () => variant({ weights: (w) => w.delete('parser.deconv13.bias') }),
    error: /weights\.safetensors: no weight 'parser\.deconv13\.bias'/,
  },
  {
    what: 'an unexpected weight',
    dir: () => variant({ weights: (w) => w.set('attributes.extra.weight', { dtype: 'float32', shape: [1], data: new Uint8Array(4) }) }),
    error: /weights\.safetensors: unexpected weight 'attributes\.extra\.weight'/,
  },
];

for (const c of cases) {
  test(`a bundle with ${c.what} fails on load, on torch and on onnx alike`, async () => {
    const dir = c.dir();
    for (const runtime of ['torch', 'onnx'] as const) {
      await assert.rejects(Predictor.open({ run: dir, runtime, align: 'aligned', threads: 1 }), (e: Error) => {
        assert.match(e.message, c.error, `${runtime}: ${e.message}`);
        assert.ok(e.message.startsWith(join(dir, '')), `${runtime}: the message names the file: ${e.message}`);
        return true;
      });
    }
  });
}

test('the good bundle loads and predicts on both runtimes', async () => {
  for (const runtime of ['torch', 'onnx'] as const) {
    const p = await Predictor.open({ run: good, runtime, align: 'aligned', threads: 1 });
    try {
      const [r] = await p.predict([await faceJpeg(0)]);
      assert.ok(r && !isFailure(r), runtime);
    } finally {
      await p.dispose();
    }
  }
});

test("an exported .onnx's config is checked as bundle.json is, naming the file and the metadata", async () => {
  const bundle = readBundle(good);
  const dir = mkdtempSync(join(tmpdir(), 'facet-bad-onnx-'));
  made.push(dir);
  const file = join(dir, 'bad.onnx');
  const config = { ...bundle.config, normalization: { mean: bundle.config.normalization.mean, std: [1, 0, 1] as [number, number, number] } };
  writeOnnxFile(file, exportBundleToOnnx({ config, weights: bundle.weights }));
  await assert.rejects(
    Predictor.open({ onnx: file, runtime: 'onnx', align: 'aligned', threads: 1 }),
    new RegExp(
      `^Error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: metadata 'facet\\.bundle': field 'normalization\\.std\\[1\\]' must be a number above 0`,
    ),
  );
  assert.throws(() => checkBundleConfig([], 'x.json'), /x\.json: field '\(top level\)' must be an object/);
});

test('outputs that are not finite are an error on both runtimes, and the CLI exits non-zero without printing them', async () => {
  // finite but huge localization weights: the region softmax gets ±inf and gives NaN
  const dir = variant({ weights: (w) => fill(3e38)(w.get('attributes.loc.weight')!) });
  for (const runtime of ['torch', 'onnx'] as const) {
    const p = await Predictor.open({ run: dir, runtime, align: 'aligned', threads: 1 });
    try {
      await assert.rejects(
        p.predict([await faceJpeg(0)]),
        new RegExp(
          `^Error: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the model's output for image-1 is not finite \\((probabilities|region_weights)\\[\\d+\\] is NaN\\)`,
        ),
        runtime,
      );
    } finally {
      await p.dispose();
    }
  }
  const img = join(dir, 'face.jpg');
  writeFileSync(img, await faceJpeg(0));
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const r = spawnSync(process.execPath, [cli, 'predict', '--run', dir, '--runtime', 'onnx', '--aligned', '--threads', '1', '--json', img], {
    encoding: 'utf8',
  });
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(r.stdout, /NaN/);
  assert.match(r.stderr, /not finite/);
});
