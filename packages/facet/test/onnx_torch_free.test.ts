// The ONNX path must never load libtorch. Two checks:
// 1. static: the transitive imports of dist/src/infer/onnx/*.js (relative imports
//    followed) name '@facet/torch' only through its pure-JS subpaths;
// 2. dynamic: a child node process in which (a) a module.register() resolve hook refuses
//    the '@facet/torch' main entry and its native loader, and (b) process.dlopen refuses
//    any facet_torch.node, imports OnnxPipeline, runs a bundle and reports every native
//    addon it loaded. A control child importing TorchPipeline must be refused, which
//    shows the guard really catches libtorch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeTestBundle } from './onnx_helpers.js';

const distSrc = fileURLToPath(new URL('../src/', import.meta.url));
const ALLOWED_TORCH = new Set(['@facet/torch/safetensors-format', '@facet/torch/dtype']);

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) {
    specs.push((m[1] ?? m[2] ?? m[3])!);
  }
  return specs;
}

test('static: nothing reachable from infer/onnx imports @facet/torch (only its pure-JS subpaths)', () => {
  const onnxDir = join(distSrc, 'infer', 'onnx');
  const queue = readdirSync(onnxDir).filter((f) => f.endsWith('.js')).map((f) => join(onnxDir, f));
  assert.ok(queue.some((f) => f.endsWith('onnx_pipeline.js')));
  const seen = new Set<string>();
  const bare = new Set<string>();
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  }
  const torch = [...bare].filter((s) => s.startsWith('@facet/torch'));
  assert.deepEqual(torch.filter((s) => !ALLOWED_TORCH.has(s)), [], `reachable files: ${[...seen].map((f) => f.slice(distSrc.length)).join(', ')}`);
  assert.ok(bare.has('onnxruntime-node'));
});

const HOOK = `
export async function resolve(specifier, context, next) {
  if (specifier === '@facet/torch') throw new Error('GUARD: @facet/torch imported from ' + context.parentURL);
  const r = await next(specifier, context);
  if (/\\/torch\\/dist\\/lib\\/(index|native)\\.js$/.test(r.url)) throw new Error('GUARD: ' + r.url + ' imported from ' + context.parentURL);
  return r;
}`;

function child(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));
const dlopen = process.dlopen;
const addons = [];
process.dlopen = function (module, filename, ...rest) {
  addons.push(filename);
  if (/facet_torch\\.node$/.test(filename)) throw new Error('GUARD: dlopen ' + filename);
  return dlopen.call(this, module, filename, ...rest);
};
${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, cwd: fileURLToPath(new URL('../../', import.meta.url)) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('dynamic: a child process runs OnnxPipeline with libtorch refused, and loads no facet_torch.node', () => {
  const dir = makeTestBundle(45, 37, { perturb: false });
  try {
    const url = (p: string): string => pathToFileURL(join(distSrc, p)).href;
    const r = child(`
const { OnnxPipeline } = await import(${JSON.stringify(url('infer/onnx/onnx_pipeline.js'))});
const { readBundle } = await import(${JSON.stringify(url('infer/bundle.js'))});
const p = await OnnxPipeline.fromBundle(readBundle(${JSON.stringify(dir)}), { threads: 1 });
const out = await p.run([new Float32Array(3 * 45 * 37)]);
await p.dispose();
console.log(JSON.stringify({ n: out[0].probabilities.length, addons }));`);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { n: number; addons: string[] };
    assert.equal(report.n, 40);
    assert.ok(report.addons.some((a) => /onnxruntime/.test(a)), `onnxruntime's addon went through the dlopen guard: ${report.addons.join(', ')}`);
    assert.ok(!report.addons.some((a) => /facet_torch/.test(a)));

    // control: the same guard refuses the libtorch pipeline
    const c = child(`await import(${JSON.stringify(url('infer/torch_pipeline.js'))});`);
    assert.notEqual(c.status, 0);
    assert.match(c.stderr, /GUARD/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
