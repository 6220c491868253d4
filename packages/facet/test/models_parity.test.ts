// facet's networks against the PyTorch peer: fixtures made by
// scripts/make_parity_fixtures.sh (pytorch_reference.py --dump), committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runParity } from '../src/bench/parity.js';
import { buildModel, type ModelName } from '../src/models/registry.js';

const fixtures = fileURLToPath(new URL('../../fixtures/parity/', import.meta.url));

test('every network of the peer has a committed fixture, odd input size included', () => {
  const files = readdirSync(fixtures);
  for (const m of ['basic', 'spp', 'naive', 'ssp', 'ssg', 'parser']) {
    assert.ok(
      files.some((f) => f.startsWith(`${m}-45x37-`)),
      `no 45x37 fixture for ${m}`,
    );
  }
});

for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.safetensors'))) {
  const model = file.split('-')[0] as ModelName;
  test(`parity with PyTorch: ${file}`, () => {
    const r = runParity(model, join(fixtures, file));
    assert.ok(r.max_abs_diff <= 1e-4, `max |facet - pytorch| = ${r.max_abs_diff}`);
    assert.equal(r.outputs, model === 'parser' ? 4 : 1);
  });
}

test('parameter counts at width 1.0 and 40 attributes match the paper networks', () => {
  const expected: Record<string, number> = {
    basic: 23_613_800,
    ssp: 23_654_800,
    ssg: 24_077_928,
    spp: 23_777_640,
    naive: 23_617_852,
    parser: 11_796_508,
  };
  for (const [name, count] of Object.entries(expected)) {
    const net = buildModel(name as ModelName, { paperInit: false });
    assert.equal(net.parameterCount(), count, name);
    net.dispose();
  }
});

test("parameter names are the peer's", () => {
  const ssg = buildModel('ssg', { widthMult: 0.0625, paperInit: false });
  const keys = [...ssg.stateDict().keys()];
  for (const k of ['encoder.conv11.conv.weight', 'encoder.gate3.restore.bn.running_var', 'encoder.conv32.conv.weight', 'fc.weight']) {
    assert.ok(keys.includes(k), k);
  }
  assert.ok(!keys.includes('encoder.conv32.bn.weight'), 'the gated conv has no BN of its own');
  ssg.dispose();
  const parser = buildModel('parser', { widthMult: 0.0625, paperInit: false });
  const pk = [...parser.stateDict().keys()];
  for (const k of ['deconv23.bias', 'deconv43.weight', 'deconv11.conv.weight', 'deconv13.weight']) assert.ok(pk.includes(k), k);
  parser.dispose();
  const ssp = buildModel('ssp', { widthMult: 0.0625, paperInit: false });
  assert.ok(ssp.stateDict().has('rec.weight') && ssp.stateDict().has('loc.bias'));
  ssp.dispose();
});

test('a fixture with a wrong model name fails loudly, naming the key and shapes', () => {
  assert.throws(() => runParity('spp', join(fixtures, 'basic-45x37-w0.0625.safetensors')), /fc\.weight.*shape/);
});
