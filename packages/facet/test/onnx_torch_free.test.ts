// The ONNX path must never load libtorch (torch_free_helpers.ts says how it is checked):
// statically, nothing reachable from dist/src/infer/onnx/*.js imports '@facet/torch'
// beyond its pure-JS subpaths; dynamically, a guarded child runs OnnxPipeline on a
// bundle, and a control child importing TorchPipeline is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTestBundle } from './onnx_helpers.js';
import { distSrc, importGraph, runGuarded } from './torch_free_helpers.js';

test('static: nothing reachable from infer/onnx imports @facet/torch (only its pure-JS subpaths)', () => {
  const onnxDir = join(distSrc, 'infer', 'onnx');
  const entries = readdirSync(onnxDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(onnxDir, f));
  assert.ok(entries.some((f) => f.endsWith('onnx_pipeline.js')));
  const g = importGraph(entries, true);
  assert.deepEqual(g.torchImports, [], `reachable files: ${[...g.files].map((f) => f.slice(distSrc.length)).join(', ')}`);
  assert.ok(g.packages.has('onnxruntime-node'));
});

test('dynamic: a child process runs OnnxPipeline with libtorch refused, and loads no facet_torch.node', () => {
  const dir = makeTestBundle(45, 37, { perturb: false });
  try {
    const url = (p: string): string => pathToFileURL(join(distSrc, p)).href;
    const r = runGuarded([
      '--input-type=module',
      '-e',
      `
const { OnnxPipeline } = await import(${JSON.stringify(url('infer/onnx/onnx_pipeline.js'))});
const { readBundle } = await import(${JSON.stringify(url('infer/bundle.js'))});
const p = await OnnxPipeline.fromBundle(readBundle(${JSON.stringify(dir)}), { threads: 1 });
const out = await p.run([new Float32Array(3 * 45 * 37)]);
await p.dispose();
console.log(JSON.stringify({ n: out[0].probabilities.length }));`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout.trim().split('\n').pop()!) as { n: number }).n, 40);
    assert.ok(
      r.addons.some((a) => /onnxruntime/.test(a)),
      `onnxruntime's addon went through the dlopen guard: ${r.addons.join(', ')}`,
    );
    assert.ok(!r.addons.some((a) => /facet_torch/.test(a)));

    // control: the same guard refuses the libtorch pipeline
    const c = runGuarded(['--input-type=module', '-e', `await import(${JSON.stringify(url('infer/torch_pipeline.js'))});`]);
    assert.notEqual(c.status, 0);
    assert.match(c.stderr, /GUARD/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
