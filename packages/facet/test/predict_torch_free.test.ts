// `facet predict --runtime onnx` must never load libtorch. Checked the way
// onnx_torch_free.test.ts checks OnnxPipeline, but on the CLI itself (so main.ts and every
// command it registers are covered):
// 1. static: the eager (non-dynamic) import graph of dist/src/cli/main.js names
//    '@facet/torch' only through its pure-JS subpaths;
// 2. dynamic: `node dist/src/cli/main.js predict --runtime onnx --json --out DIR` in a
//    child under a resolve hook refusing '@facet/torch' (its main entry and native loader)
//    and a process.dlopen refusing facet_torch.node; it must find the face (the detector,
//    tfjs on WebAssembly, needs no libtorch either), predict, write the report,
//    and load onnxruntime's addon but not facet_torch.node. A control child with
//    --runtime torch must be refused by the same guard.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestBundle } from './onnx_helpers.js';
import { distSrc, importGraph, runGuarded } from './torch_free_helpers.js';
import { CELEBA_ATTRIBUTES } from '../src/data/attributes.js';
import { sharedData } from './helpers.js';

const MAIN = join(distSrc, 'cli', 'main.js');
const LFW = sharedData('lfw-parts/lfw_funneled');
const lfwDir = join(LFW, readdirSync(LFW).sort()[0]!);
const lfw = join(
  lfwDir,
  readdirSync(lfwDir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()[0]!,
);

const bundleDir = makeTestBundle(218, 178, { seed: 2, perturb: false });
const work = mkdtempSync(join(tmpdir(), 'facet-predict-free-'));
after(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test('static: the eager import graphs of the CLI and of the predict API name @facet/torch only through its pure-JS subpaths', () => {
  // infer/predict.js imports the torch pipeline dynamically, on --runtime torch only
  const g = importGraph([MAIN, join(distSrc, 'infer', 'predict.js'), join(distSrc, 'infer', 'report_html.js')], false);
  assert.ok(g.files.has(join(distSrc, 'cli', 'commands', 'predict.js')), 'main.js registers the predict command');
  assert.deepEqual(g.torchImports, []);
  // predict imports the face detector and aligner lazily; nothing they reach needs libtorch either
  const face = importGraph([join(distSrc, 'face', 'faces_in_photo.js'), join(distSrc, 'face', 'human.js')], true);
  assert.ok(face.files.has(join(distSrc, 'face', 'align.js')) && face.files.has(join(distSrc, 'face', 'warp.js')));
  assert.deepEqual(face.torchImports, []);
});

test('dynamic: facet predict --runtime onnx runs (and writes its report) with libtorch refused', () => {
  const out = join(work, 'out');
  const r = runGuarded([MAIN, 'predict', '--runtime', 'onnx', '--run', bundleDir, '--json', '--threads', '1', '--out', out, lfw]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /GUARD/);
  const j = JSON.parse(r.stdout.trim()) as { runtime: string; align: string; faces: Array<{ attributes: Record<string, number> }>; size: { width: number } };
  assert.equal(j.runtime, 'onnx');
  assert.equal(j.align, 'detect');
  assert.equal(j.faces.length, 1, 'the LFW face is found');
  assert.deepEqual(Object.keys(j.faces[0]!.attributes), [...CELEBA_ATTRIBUTES]);
  assert.equal(j.size.width, 250);
  const stem = lfw
    .split('/')
    .pop()!
    .replace(/\.jpg$/, '');
  assert.deepEqual(readdirSync(out).sort(), [`${stem}.html`, `${stem}.json`]);
  assert.ok(
    r.addons.some((a) => /onnxruntime/.test(a)),
    `onnxruntime's addon went through the guard: ${r.addons.join(', ')}`,
  );
  assert.ok(!r.addons.some((a) => /facet_torch/.test(a)), r.addons.join(', '));

  // control: the same guard refuses the torch runtime
  const c = runGuarded([MAIN, 'predict', '--runtime', 'torch', '--run', bundleDir, '--json', lfw]);
  assert.notEqual(c.status, 0);
  assert.match(c.stderr, /GUARD/);
});
