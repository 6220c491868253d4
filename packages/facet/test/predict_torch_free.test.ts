// `facet predict --runtime onnx` must never load libtorch. Checked the way
// onnx_torch_free.test.ts checks OnnxPipeline, but on the CLI itself (so main.ts and every
// command it registers are covered):
// 1. static: the eager (non-dynamic) import graph of dist/src/cli/main.js names
//    '@facet/torch' only through its pure-JS subpaths;
// 2. dynamic: `node dist/src/cli/main.js predict --runtime onnx --json --out DIR` in a
//    child under a resolve hook refusing '@facet/torch' (its main entry and native loader)
//    and a process.dlopen refusing facet_torch.node; it must predict, write the report,
//    and load onnxruntime's addon but not facet_torch.node. A control child with
//    --runtime torch must be refused by the same guard.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestBundle } from './onnx_helpers.js';
import { CELEBA_ATTRIBUTES } from '../src/data/attributes.js';

const distSrc = fileURLToPath(new URL('../src/', import.meta.url));
const MAIN = join(distSrc, 'cli', 'main.js');
const ALLOWED_TORCH = new Set(['@facet/torch/safetensors-format', '@facet/torch/dtype']);
const LFW = '/work/shared/data/lfw-parts/lfw_funneled';
const lfwDir = join(LFW, readdirSync(LFW).sort()[0]!);
const lfw = join(lfwDir, readdirSync(lfwDir).filter((f) => f.endsWith('.jpg')).sort()[0]!);

const bundleDir = makeTestBundle(218, 178, { seed: 2, perturb: false });
const work = mkdtempSync(join(tmpdir(), 'facet-predict-free-'));
after(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** Static imports only: `import … from '…'`, `export … from '…'`, `import '…'`. */
function staticImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"();]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) {
    specs.push((m[1] ?? m[2])!);
  }
  return specs;
}

test('static: the eager import graphs of the CLI and of the predict API name @facet/torch only through its pure-JS subpaths', () => {
  // infer/predict.js imports the torch pipeline dynamically, on --runtime torch only
  const queue = [MAIN, join(distSrc, 'infer', 'predict.js'), join(distSrc, 'infer', 'report_html.js')];
  const seen = new Set<string>();
  const torch: string[] = [];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImportsOf(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (spec.startsWith('@facet/torch') && !ALLOWED_TORCH.has(spec)) torch.push(`${file.slice(distSrc.length)} imports ${spec}`);
    }
  }
  assert.ok(seen.has(join(distSrc, 'cli', 'commands', 'predict.js')), 'main.js registers the predict command');
  assert.deepEqual(torch, []);
});

const GUARD = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(`
export async function resolve(specifier, context, next) {
  if (specifier === '@facet/torch') throw new Error('GUARD: @facet/torch imported from ' + context.parentURL);
  const r = await next(specifier, context);
  if (/\\/torch\\/dist\\/lib\\/(index|native)\\.js$/.test(r.url)) throw new Error('GUARD: ' + r.url + ' imported from ' + context.parentURL);
  return r;
}`)}));
const dlopen = process.dlopen;
const addons = [];
process.dlopen = function (module, filename, ...rest) {
  addons.push(filename);
  if (/facet_torch\\.node$/.test(filename)) throw new Error('GUARD: dlopen ' + filename);
  return dlopen.call(this, module, filename, ...rest);
};
process.on('exit', () => process.stderr.write('\\nADDONS ' + JSON.stringify(addons) + '\\n'));
`;

function guarded(...args: string[]): { status: number | null; stdout: string; stderr: string; addons: string[] } {
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(GUARD)}`, MAIN, ...args], {
    encoding: 'utf8', timeout: 120_000,
  });
  const m = /\nADDONS (.*)\n/.exec(r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, addons: m ? (JSON.parse(m[1]!) as string[]) : [] };
}

test('dynamic: facet predict --runtime onnx runs (and writes its report) with libtorch refused', () => {
  const out = join(work, 'out');
  const r = guarded('predict', '--runtime', 'onnx', '--run', bundleDir, '--json', '--threads', '1', '--out', out, lfw);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /GUARD/);
  const j = JSON.parse(r.stdout.trim()) as { runtime: string; attributes: Record<string, number>; size: { width: number } };
  assert.equal(j.runtime, 'onnx');
  assert.deepEqual(Object.keys(j.attributes), [...CELEBA_ATTRIBUTES]);
  assert.equal(j.size.width, 250);
  const stem = lfw.split('/').pop()!.replace(/\.jpg$/, '');
  assert.deepEqual(readdirSync(out).sort(), [`${stem}.html`, `${stem}.json`]);
  assert.ok(r.addons.some((a) => /onnxruntime/.test(a)), `onnxruntime's addon went through the guard: ${r.addons.join(', ')}`);
  assert.ok(!r.addons.some((a) => /facet_torch/.test(a)), r.addons.join(', '));

  // control: the same guard refuses the torch runtime
  const c = guarded('predict', '--runtime', 'torch', '--run', bundleDir, '--json', lfw);
  assert.notEqual(c.status, 0);
  assert.match(c.stderr, /GUARD/);
});
