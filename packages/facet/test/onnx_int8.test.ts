// Int8 export (infer/onnx/quantize.ts, calibrate.ts, int8_export.ts): the quantization
// arithmetic on known values, calibration ranges against the data, every conv fused
// into QLinearConv by onnxruntime, and the shipped model's int8 outputs against float.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type ConvWriter, activationQuantParams, quantizeWeights, FloatConvs } from '../src/infer/onnx/quantize.js';
import type { GraphBuilder } from '../src/infer/onnx/graph.js';
import { calibrateRanges, quantizedGraph } from '../src/infer/onnx/calibrate.js';
import { buildBasicGraph } from '../src/bench/basic_graph.js';
import { syntheticWeights } from '../src/bench/synthetic_weights.js';
import { readModelInfo } from '../src/infer/onnx/model_info.js';
import { QUANTIZATION_METADATA_KEY, exportBundleInt8, int8Fidelity } from '../src/infer/onnx/int8_export.js';
import { prepareImage } from '../src/infer/preprocess.js';
import { type Bundle, readBundle } from '../src/infer/bundle.js';
import { defaultModelDir } from '../src/infer/default_model.js';
import { benchOnnx } from '../src/bench/onnx_bench.js';
import { randomInputs, runExportCli } from './onnx_helpers.js';
import { sharedData } from './helpers.js';

test('activation scale and zero point cover the range, widened to contain 0', () => {
  const a = activationQuantParams({ min: -1, max: 3 });
  assert.ok(Math.abs(a.scale - 4 / 255) < 1e-12);
  assert.equal(a.zeroPoint, 64); // round(1 / (4/255)) = round(63.75)
  const b = activationQuantParams({ min: 2, max: 5 }); // [0, 5]
  assert.ok(Math.abs(b.scale - 5 / 255) < 1e-12);
  assert.equal(b.zeroPoint, 0);
  const c = activationQuantParams({ min: -6, max: -2 }); // [-6, 0]
  assert.equal(c.zeroPoint, 255);
  assert.deepEqual(activationQuantParams({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
  assert.throws(() => activationQuantParams({ min: Infinity, max: -Infinity }), /not finite/);
});

test('per-channel weights: each value within half a step, the largest at ±qmax, a zero channel stays zero', () => {
  const w = Float64Array.from([0.5, -1.0, 0.25, 0.1, /* channel 1 */ 0, 0, 0, 0, /* channel 2 */ 3, -2.9, 0.01, 1.5]);
  const { q, scales } = quantizeWeights(w, 3, 63);
  assert.ok(Math.abs(scales[0]! - 1 / 63) < 1e-15);
  assert.equal(scales[1], 1);
  assert.ok(Math.abs(scales[2]! - 3 / 63) < 1e-15);
  assert.deepEqual([...q.subarray(0, 4)], [32, -63, 16, 6]);
  assert.deepEqual([...q.subarray(4, 8)], [0, 0, 0, 0]);
  assert.equal(q[8], 63);
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(q[i]! * scales[Math.floor(i / 4)]! - w[i]!) <= scales[Math.floor(i / 4)]! / 2 + 1e-12);
});

const H = 45,
  W = 37;
const basic = syntheticWeights('basic', 0.125, 40, 3);
const build = (convs: ConvWriter): GraphBuilder => buildBasicGraph(basic, H, W, { convs });

function batchOf(inputs: Float32Array[]): { data: Float32Array; dims: [number, number, number, number] } {
  const data = new Float32Array(inputs.length * 3 * H * W);
  inputs.forEach((x, i) => data.set(x, i * 3 * H * W));
  return { data, dims: [inputs.length, 3, H, W] };
}

test('calibration observes each conv input and output; the first is the image itself', async () => {
  const inputs = randomInputs(3, H, W, 5);
  const ranges = await calibrateRanges(build, [batchOf(inputs.slice(0, 2)), batchOf(inputs.slice(2))], 1);
  assert.equal(ranges.length, 2 * 12); // basic: 12 convs
  let lo = Infinity,
    hi = -Infinity;
  for (const x of inputs)
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  assert.equal(ranges[0]!.min, Math.fround(lo));
  assert.equal(ranges[0]!.max, Math.fround(hi));
  // a conv's PReLU'd output feeds the next conv: its range is a different tap than the conv output's
  for (const r of ranges) assert.ok(Number.isFinite(r.min) && r.max >= r.min);
  await assert.rejects(calibrateRanges(build, []), /at least one batch/);
});

test('onnxruntime fuses every int8 conv into QLinearConv, and the result tracks the float graph', async () => {
  const inputs = randomInputs(4, H, W, 9);
  const g = await quantizedGraph(build, [batchOf(inputs)], { threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'facet-int8-'));
  try {
    const optimized = join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(g.encodeModel(), { graphOptimizationLevel: 'extended', optimizedModelFilePath: optimized });
    const ops = readModelInfo(readFileSync(optimized)).ops;
    assert.equal(ops.filter((o) => o === 'QLinearConv').length, 12, ops.join(' '));
    assert.equal(ops.filter((o) => o === 'Conv').length, 0);
    const float = await ort.InferenceSession.create(build(new FloatConvs()).encodeModel());
    const feeds = { image: new ort.Tensor('float32', batchOf(inputs).data, [4, 3, H, W]) };
    const [q, f] = [(await session.run(feeds)).probabilities!.data as Float32Array, (await float.run(feeds)).probabilities!.data as Float32Array];
    let max = 0;
    for (let i = 0; i < f.length; i++) max = Math.max(max, Math.abs(q[i]! - f[i]!));
    assert.ok(max > 0 && max < 0.05, `max |p_int8 - p_float| = ${max}`);
    await session.release();
    await float.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The first n official crops of a CelebA split (1 val, 2 test), prepared as the bundle's inputs. */
async function celebaInputs(bundle: Bundle, split: 1 | 2, n: number): Promise<Float32Array[]> {
  const images = sharedData('celeba', 'Img', 'img_align_celeba');
  const ids = readFileSync(sharedData('celeba', 'Eval', 'list_eval_partition.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([id, s]) => s === String(split) && existsSync(join(images, id!)))
    .slice(0, n)
    .map(([id]) => id!);
  assert.equal(ids.length, n, `celeba/ has ${ids.length} faces of split ${split}, ${n} wanted`);
  const { height, width, normalization } = bundle.config;
  return Promise.all(ids.map(async (id) => (await prepareImage(join(images, id), height, width, normalization)).input));
}

// the shipped model is for real faces: calibrated on 64 of CelebA's val faces, checked on
// 64 of its test faces (the README's figures; synthetic faces agree less, 98.9 %)
test('the shipped model in int8 agrees with its float graph on real faces it was not calibrated on', async () => {
  const bundle = readBundle(defaultModelDir());
  const q = await exportBundleInt8(bundle, { calibration: await celebaInputs(bundle, 1, 64), threads: 2 });
  const info = readModelInfo(q.bytes);
  assert.match(info.metadata[QUANTIZATION_METADATA_KEY]!, /"calibrationImages":64/);
  assert.ok(q.bytes.length < 0.4 * readFileSync(join(defaultModelDir(), 'weights.safetensors')).length);
  const f = await int8Fidelity(bundle, q.bytes, await celebaInputs(bundle, 2, 64), 2);
  console.log(`int8 vs float, shipped model, 64 unseen CelebA test faces: ${JSON.stringify(f)}`);
  assert.ok(f.meanProbabilityDiff < 0.01, `mean |Δp| ${f.meanProbabilityDiff}`);
  assert.ok(f.decisionAgreement >= 0.99, `decision agreement ${f.decisionAgreement}`);
  assert.ok(f.parseAgreement >= 0.98, `parse agreement ${f.parseAgreement}`);
});

test('bench --runtime onnx --precision int8 names the precision in the engine', async () => {
  const r = await benchOnnx({ model: 'basic', height: H, width: W, widthMult: 0.125, batch: 2, steps: 1, threads: 1, seed: 0, precision: 'int8' });
  assert.match(r.engine, /^onnxruntime-node-\d+\.\d+\.\d+-int8$/);
  assert.ok(r.infer_img_s > 0);
});

test('facet export onnx --int8 writes a quantized model and reports its agreement; --calibrate needs --int8', async () => {
  const out = mkdtempSync(join(tmpdir(), 'facet-int8-cli-'));
  const model = defaultModelDir(),
    samples = join(model, 'samples');
  try {
    const logs = await runExportCli(['onnx', '--run', model, '--out', join(out, 'q.onnx'), '--int8', '--calibrate', samples]);
    const r = JSON.parse(logs[0]!);
    assert.equal(r.int8.calibration_images, 3);
    assert.equal(r.int8.weight_bits, 7);
    assert.ok(r.int8.versus_float.decision_agreement >= 0.99);
    assert.ok(readModelInfo(readFileSync(join(out, 'q.onnx'))).ops.includes('QuantizeLinear'));
    await assert.rejects(runExportCli(['onnx', '--run', model, '--out', join(out, 'x.onnx'), '--calibrate', samples]), /--calibrate needs --int8/);
    await assert.rejects(
      runExportCli(['onnx', '--run', model, '--out', join(out, 'y.onnx'), '--int8', '--calibrate', join(out, 'nowhere')]),
      /--calibrate .*nowhere/,
    );
    await assert.rejects(runExportCli(['onnx', '--run', model, '--out', join(out, 'z.onnx'), '--int8', '--weight-bits', '6']), /--weight-bits/);
    assert.ok(!existsSync(join(out, 'x.onnx')) && !existsSync(join(out, 'y.onnx')) && !existsSync(join(out, 'z.onnx')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
