// The torch-free synthetic weights match the networks' state dicts; the ONNX bench and
// the `facet export onnx` command run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../src/models/registry.js';
import { syntheticWeights, parameterCount } from '../src/bench/synthetic_weights.js';
import { isParameterKey } from '../src/models/weight_layout.js';
import { benchOnnx } from '../src/bench/onnx_bench.js';
import { readModelInfo } from '../src/infer/onnx/model_info.js';
import { readFileSync } from 'node:fs';
import { makeTestBundle, runExportCli } from './onnx_helpers.js';

for (const model of ['parser', 'ssp', 'basic'] as const) {
  test(`synthetic ${model} weights have the network's names and shapes`, () => {
    const net = buildModel(model, { widthMult: 0.25, paperInit: false });
    const sd = net.stateDict();
    const expected = [...sd]
      .filter(([k]) => !k.endsWith('num_batches_tracked'))
      .map(([k, t]) => [k, [...t.shape]])
      .sort();
    const weights = syntheticWeights(model, 0.25);
    assert.deepEqual([...weights].map(([k, e]) => [k, e.shape]).sort(), expected);
    assert.equal(parameterCount(weights), net.parameterCount());
    assert.ok(!isParameterKey('a.bn.running_var') && isParameterKey('a.bn.weight'));
    net.dispose();
  });
}

test('bench --runtime onnx prints the model bench keys', async () => {
  for (const model of ['ssp', 'basic'] as const) {
    const r = await benchOnnx({ model, height: 45, width: 37, widthMult: 0.125, batch: 2, steps: 1, threads: 1, seed: 0 });
    assert.deepEqual(Object.keys(r), ['engine', 'model', 'height', 'width', 'width_mult', 'batch', 'params', 'train_img_s', 'infer_img_s']);
    assert.match(r.engine, /^onnxruntime-node-\d+\.\d+\.\d+$/);
    assert.equal(r.train_img_s, null);
    assert.ok(r.infer_img_s > 0);
    const parser = buildModel('parser', { widthMult: 0.125, paperInit: false });
    const net = buildModel(model, { widthMult: 0.125, paperInit: false });
    assert.equal(r.params, net.parameterCount() + (model === 'ssp' ? parser.parameterCount() : 0));
    parser.dispose();
    net.dispose();
  }
});

test('facet export onnx --run DIR --out FILE [--batch N] writes a loadable model; bad options fail', async () => {
  const dir = makeTestBundle(45, 37, { perturb: false });
  const out = mkdtempSync(join(tmpdir(), 'facet-onnx-cli-'));
  try {
    const logs = await runExportCli(['onnx', '--run', dir, '--out', join(out, 'm.onnx')]);
    await runExportCli(['onnx', '--run', dir, '--out', join(out, 'b3.onnx'), '--batch', '3']);
    assert.equal(JSON.parse(logs[0]!).checked, true);
    assert.deepEqual(readModelInfo(readFileSync(join(out, 'm.onnx'))).inputs[0]!.dims, ['N', 3, 45, 37]);
    assert.deepEqual(readModelInfo(readFileSync(join(out, 'b3.onnx'))).inputs[0]!.dims, [3, 3, 45, 37]);
    await assert.rejects(runExportCli(['onnx', '--run', dir, '--out', join(out, 'x.onnx'), '--batch', 'zero']), /--batch/);
    await assert.rejects(runExportCli(['onnx', '--run', join(out, 'nowhere'), '--out', join(out, 'y.onnx')]), /bundle\.json/);
    assert.ok(!existsSync(join(out, 'x.onnx')) && !existsSync(join(out, 'y.onnx')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});
