// The bundle graph on onnxruntime-node against TorchPipeline (libtorch), random weights
// with non-trivial BatchNorm statistics and PReLU slopes, at 218×178 and an odd size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readBundle } from '../src/infer/bundle.js';
import { TorchPipeline } from '../src/infer/torch_pipeline.js';
import { OnnxPipeline } from '../src/infer/onnx/onnx_pipeline.js';
import { exportBundleToOnnx, gridSize } from '../src/infer/onnx/export.js';
import { readModelInfo } from '../src/infer/onnx/model_info.js';
import type { RawPrediction } from '../src/model_io/outputs.js';
import { makeTestBundle, maxAbs, maxAbsDiff, randomInputs } from './onnx_helpers.js';

const TOL = 1e-4;

function compare(torch: RawPrediction[], onnx: RawPrediction[], label: string): void {
  assert.equal(onnx.length, torch.length);
  torch.forEach((t, i) => {
    const o = onnx[i]!;
    assert.equal(o.gridHeight, t.gridHeight);
    assert.equal(o.gridWidth, t.gridWidth);
    for (const key of ['probabilities', 'regionWeights', 'parse', 'heatmaps'] as const) {
      const d = maxAbsDiff(t[key], o[key]);
      assert.ok(d <= TOL, `${label} image ${i} ${key}: max |onnx - torch| = ${d} (|torch| ≤ ${maxAbs(t[key])})`);
    }
  });
}

for (const [h, w] of [
  [218, 178],
  [45, 37],
] as const) {
  test(`onnxruntime equals TorchPipeline within ${TOL} at ${h}×${w}, batch 2`, async () => {
    const dir = makeTestBundle(h, w, { seed: h });
    try {
      const bundle = readBundle(dir);
      const torch = new TorchPipeline(bundle);
      const inputs = randomInputs(2, h, w, h + w);
      const expected = torch.run(inputs);
      torch.dispose();
      const [gh, gw] = gridSize(h, w);
      assert.equal(expected[0]!.gridHeight, gh);
      assert.equal(expected[0]!.gridWidth, gw);
      // the outputs are not trivial: probabilities spread, heat maps non-zero
      assert.ok(maxAbs(expected[0]!.heatmaps) > 1e-3);

      const onnx = await OnnxPipeline.fromBundle(bundle, { threads: 2 });
      try {
        const got = await onnx.run(inputs);
        compare(expected, got, `${h}×${w}`);
        assert.equal(got[0]!.parse.length, 7 * h * w);
        assert.equal(got[0]!.regionWeights.length, 7 * 40);
        assert.equal(got[0]!.heatmaps.length, 40 * gh * gw);
        // per-image independence: image 1 alone gives what it gave in the batch
        const single = await onnx.run([inputs[1]!]);
        compare([expected[1]!], single, `${h}×${w} single`);
      } finally {
        await onnx.dispose();
      }

      // a fixed batch of 2 runs 3 images in two padded chunks
      const fixed = await OnnxPipeline.fromBundle(bundle, { batch: 2 });
      try {
        assert.equal(fixed.fixedBatch, 2);
        const three = [...inputs, inputs[0]!];
        const got = await fixed.run(three);
        compare([...expected, expected[0]!], got, `${h}×${w} fixed batch`);
      } finally {
        await fixed.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Planes of C×H×W (batch first or not) mirrored left to right. */
function mirrored(x: Float32Array, width: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let row = 0; row < x.length / width; row++) {
    for (let j = 0; j < width; j++) out[row * width + j] = x[row * width + width - 1 - j]!;
  }
  return out;
}

test(`a flip-averaging bundle: its parse of a mirrored image is its parse mirrored, and onnxruntime equals TorchPipeline within ${TOL}`, async () => {
  const [h, w] = [45, 37];
  const plainDir = makeTestBundle(h, w, { seed: 5 });
  const dir = makeTestBundle(h, w, { seed: 5, parserFlipAverage: true });
  try {
    const bundle = readBundle(dir);
    assert.equal(bundle.config.parserFlipAverage, true);
    const inputs = randomInputs(2, h, w, 9);
    const torch = new TorchPipeline(bundle);
    const expected = torch.run(inputs);
    const [ofMirror] = torch.run([mirrored(inputs[0]!, w)]);
    torch.dispose();
    const d = maxAbsDiff(ofMirror!.parse, mirrored(expected[0]!.parse, w));
    assert.ok(d <= 1e-5, `parse(mirror(x)) and mirror(parse(x)) differ by ${d}`);
    // the same weights without averaging: not symmetric, so the mean changed something
    const plain = new TorchPipeline(readBundle(plainDir));
    const [plainParse] = plain.run([inputs[0]!]);
    plain.dispose();
    assert.ok(maxAbsDiff(plainParse!.parse, expected[0]!.parse) > 1e-3, 'flip averaging left the parse as it was');
    const onnx = await OnnxPipeline.fromBundle(bundle, { threads: 2 });
    try {
      compare(expected, await onnx.run(inputs), 'flip-averaged');
      compare([expected[1]!], await onnx.run([inputs[1]!]), 'flip-averaged single');
    } finally {
      await onnx.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(plainDir, { recursive: true, force: true });
  }
});

test('the exported model declares image [N,3,H,W] and the four outputs, bundle.json in its metadata', () => {
  const dir = makeTestBundle(45, 37, { perturb: false });
  try {
    const bundle = readBundle(dir);
    const info = readModelInfo(exportBundleToOnnx(bundle));
    assert.equal(info.irVersion, 8);
    assert.equal(info.producerName, 'facet');
    assert.deepEqual(info.opsets, [{ domain: '', version: 17 }]);
    assert.deepEqual(info.inputs, [{ name: 'image', elemType: 1, dims: ['N', 3, 45, 37] }]);
    assert.deepEqual(
      info.outputs.map((o) => [o.name, o.dims]),
      [
        ['probabilities', ['N', 40]],
        ['region_weights', ['N', 7, 40]],
        ['parse', ['N', 7, 45, 37]],
        ['heatmaps', ['N', 40, 3, 3]],
      ],
    );
    assert.deepEqual(JSON.parse(info.metadata['facet.bundle']!), bundle.config);
    assert.ok(!info.ops.includes('BatchNormalization'), 'BatchNorm is folded');
    assert.ok(!info.ops.includes('ConvTranspose'), 'transposed convs become Conv');
    const fixed = readModelInfo(exportBundleToOnnx(bundle, { batch: 4 }));
    assert.deepEqual(fixed.inputs[0]!.dims, [4, 3, 45, 37]);
    assert.throws(() => exportBundleToOnnx(bundle, { batch: 0 }), /batch/);
    // a weight missing from the bundle is named
    const broken = { config: bundle.config, weights: new Map([...bundle.weights].filter(([k]) => k !== 'attributes.conv62.bn.running_var')) };
    assert.throws(() => exportBundleToOnnx(broken), /attributes\.conv62\.bn\.running_var/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`a guided-filter bundle: the parse follows the filter, SSP's outputs do not, and onnxruntime equals TorchPipeline within ${TOL}`, async () => {
  const [h, w] = [45, 37];
  const dir = makeTestBundle(h, w, { seed: 6, parserFlipAverage: true, parseGuidedFilter: { radius: 3, eps: 0.001 } });
  const flipDir = makeTestBundle(h, w, { seed: 6, parserFlipAverage: true });
  try {
    const bundle = readBundle(dir);
    assert.deepEqual(bundle.config.parseGuidedFilter, { radius: 3, eps: 0.001 });
    const inputs = randomInputs(2, h, w, 11);
    const torch = new TorchPipeline(bundle);
    const expected = torch.run(inputs);
    torch.dispose();
    const unfiltered = new TorchPipeline(readBundle(flipDir));
    const [flipOnly] = unfiltered.run([inputs[0]!]);
    unfiltered.dispose();
    // the filter acts on the full-scale parse alone: SSP reads the half-scale masks
    assert.ok(maxAbsDiff(flipOnly!.parse, expected[0]!.parse) > 1e-2, 'the guided filter left the parse as it was');
    assert.ok(maxAbsDiff(flipOnly!.probabilities, expected[0]!.probabilities) < 1e-6);
    const plane = h * w;
    for (let i = 0; i < plane; i += 97) {
      let sum = 0;
      for (let r = 0; r < 7; r++) sum += expected[0]!.parse[r * plane + i]!;
      assert.ok(Math.abs(sum - 1) < 1e-5, `pixel ${i}: the refined parse sums to ${sum}`);
    }
    assert.ok(expected[0]!.parse.every((v) => v >= 0));
    const onnx = await OnnxPipeline.fromBundle(bundle, { threads: 2 });
    try {
      compare(expected, await onnx.run(inputs), 'guided-filter');
    } finally {
      await onnx.dispose();
    }
  } finally {
    for (const d of [dir, flipDir]) rmSync(d, { recursive: true, force: true });
  }
});
