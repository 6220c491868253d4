// src/model_io/: the code between pixels and the network that the torch and ONNX
// pipelines, training's batches and the page share. It imports nothing at run time
// outside itself (so vite bundles it for the page and it never loads libtorch or sharp),
// and its pieces do what their callers relied on.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { normalizeInto, normalizePlanar } from '../src/model_io/normalize.js';
import { OUTPUT_NAMES, type OutputName, unpackOutputs } from '../src/model_io/outputs.js';
import { argmaxRegions, regionFractions } from '../src/model_io/parse_labels.js';
import { topRegions } from '../src/model_io/top_regions.js';
import { coverCrop, cropRgb, inputToSource, toInputPixels } from '../src/model_io/fit.js';

const SOURCE = new URL('../../src/model_io/', import.meta.url);

test('model_io imports only itself at run time (types from elsewhere are erased)', () => {
  const files = readdirSync(SOURCE).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 6, `model_io holds ${files.join(', ')}`);
  for (const f of files) {
    const src = readFileSync(new URL(f, SOURCE), 'utf8');
    for (const m of src.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
      if (m[1]) continue;
      assert.match(m[2]!, /^\.\/[a-z_]+\.js$/, `${f} imports ${m[2]} at run time`);
    }
    assert.doesNotMatch(src, /^import\s+'/m, `${f}: a side-effect import`);
  }
});

test('normalisation: (v − mean) / std, planar; a flip mirrors each row; a longer record reads its pixels only', () => {
  const stats = { mean: [10, 20, 30], std: [2, 4, 8] };
  const rgb = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => 7 * i);
  const x = normalizePlanar(rgb, 2, 3, stats);
  assert.equal(x.length, 18);
  assert.equal(x[0], (0 - 10) / 2);
  assert.equal(x[6 + 4], Math.fround((rgb[4 * 3 + 1]! - 20) / 4));
  const record = new Uint8Array(rgb.length + 6).fill(255);
  record.set(rgb);
  const flipped = new Float32Array(20).fill(-1);
  normalizeInto(flipped, 2, record, 2, 3, stats, true);
  assert.deepEqual([flipped[0], flipped[1]], [-1, -1]);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 2; y++) for (let xx = 0; xx < 3; xx++) assert.equal(flipped[2 + c * 6 + y * 3 + xx], x[c * 6 + y * 3 + (2 - xx)]);
  }
});

test('outputs: a batch by name → one prediction per image, copies, padding dropped', () => {
  const batch = 3;
  const sizes: Record<OutputName, number[]> = { probabilities: [batch, 2], region_weights: [batch, 7, 2], parse: [batch, 7, 2, 2], heatmaps: [batch, 2, 3, 1] };
  const outputs = Object.fromEntries(
    OUTPUT_NAMES.map((n, k) => {
      const dims = sizes[n];
      return [n, { data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => 1000 * k + i), dims }];
    }),
  ) as Record<OutputName, { data: Float32Array; dims: number[] }>;
  const got = unpackOutputs((n) => outputs[n], batch, 2);
  assert.equal(got.length, 2);
  assert.deepEqual(Array.from(got[1]!.probabilities), [2, 3]);
  assert.deepEqual(
    Array.from(got[1]!.regionWeights),
    Array.from({ length: 14 }, (_, i) => 1014 + i),
  );
  assert.equal(got[0]!.parse.length, 28);
  assert.deepEqual([got[0]!.gridHeight, got[0]!.gridWidth], [3, 1]);
  outputs.heatmaps.data.fill(0);
  assert.equal(got[1]!.heatmaps[0], 3006, 'a copy, not a view of the runtime buffer');
});

test('parse labels and region shares; top regions take the first on ties', () => {
  const parse = Float32Array.from([0.5, 0.1, 0.2, 0.3, 0.5, 0.7, 0.2, 0.4, 0.1]); // 3 regions × 3 pixels
  const labels = argmaxRegions(parse, 3, 3);
  assert.deepEqual(Array.from(labels), [0, 1, 1]);
  assert.deepEqual(Array.from(regionFractions(labels, 3)), [Math.fround(1 / 3), Math.fround(2 / 3), 0]);
  const weights = Float32Array.from([0.4, 0.1, 0.4, 0.5, 0.2, 0.5]); // 3 regions × 2 attributes
  assert.deepEqual(topRegions(weights, 2, 3), [0, 1]);
});

test('fit: the crop cut out, and input pixels mapped back to the source', () => {
  const img = { data: Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => i), width: 4, height: 2 };
  const crop = coverCrop(4, 2, 2, 2);
  assert.deepEqual(crop, { left: 1, top: 0, width: 2, height: 2 });
  assert.deepEqual(Array.from(cropRgb(img, crop).data), [3, 4, 5, 6, 7, 8, 15, 16, 17, 18, 19, 20]);
  assert.equal(cropRgb(img, coverCrop(4, 2, 8, 4)), img, 'the whole image is not copied');
  const m = inputToSource(400, 200, 20, 20);
  const [x, y] = toInputPixels(150, 50, 400, 200, 20, 20);
  assert.deepEqual([m.a * x + m.tx, m.d * y + m.ty], [150, 50]);
});
