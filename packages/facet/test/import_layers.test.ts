// The layers of src/ (DESIGN.md, "Layers"): which folder (or top-level file) may import
// which. Every src .ts file's imports (static, type-only, re-exports and dynamic
// `import(…)`) are read from the TypeScript source, so a type-only import counts too,
// and each one into another unit must be allowed by LAYERS or by an EXCEPTIONS entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOWED_TORCH, importsOf } from './torch_free_helpers.js';

// compiled to dist/test/: the sources are two folders up
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

const LEAVES = ['regions.ts', 'version.ts', 'field_error.ts', 'model_io'] as const;
const BELOW_RUNS = ['models', 'data', 'metrics', ...LEAVES] as const;

/** unit → the other units its files may import (a unit always imports itself). */
const LAYERS: Record<string, readonly string[]> = {
  'regions.ts': [],
  'version.ts': [],
  // the one wording of "field F must be …, got V" for bundle.json and a run's config.json
  'field_error.ts': [],
  // torch-free preprocessing and outputs, shared by Node, the ONNX path and the page
  model_io: [],
  metrics: ['data'],
  models: ['regions.ts', 'model_io'],
  data: ['regions.ts', 'model_io'],
  viz: ['data', 'regions.ts', 'model_io'],
  face: ['data', 'viz', ...LEAVES],
  runs: [...BELOW_RUNS],
  train: ['runs', ...BELOW_RUNS],
  infer: ['runs', 'face', 'viz', ...BELOW_RUNS],
  eval: ['infer', 'runs', 'face', ...BELOW_RUNS],
  experiment: ['eval', 'train', 'runs', 'viz', ...BELOW_RUNS],
  serve: ['infer', 'data', 'version.ts', 'model_io'],
  bench: ['infer', 'runs', 'face', ...BELOW_RUNS],
  cli: ['bench', 'serve', 'experiment', 'eval', 'infer', 'train', 'runs', 'face', 'viz', ...BELOW_RUNS],
  // the library's entry re-exports what users call
  'index.ts': ['serve', 'experiment', 'eval', 'infer', 'train', 'runs', 'face', 'viz', ...BELOW_RUNS],
};

/** Imports against the layers, each with its reason; one no longer made fails the test too. */
const EXCEPTIONS: Array<{ file: string; unit: string; why: string }> = [
  { file: 'data/loader/aligned_photos.ts', unit: 'face', why: 'in-the-wild photos are read as their faces, aligned by the steps predict takes' },
];

/** Units whose files may load libtorch: all but model_io, which may name only @facet/torch's pure-JS subpaths. */
const TORCH_FREE = new Set(['model_io']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The unit of a path under src/: its top folder, or the file itself at the top (imports name it .js). */
const unitOf = (path: string): string => relative(SRC, path).split(sep)[0]!.replace(/\.js$/, '.ts');
const fromSrc = (path: string): string => relative(SRC, path).split(sep).join('/');

test('every unit of src/ has a row in the layer table', () => {
  for (const u of readdirSync(SRC)) assert.ok(u in LAYERS, `src/${u} is in no row of LAYERS (test/import_layers.test.ts) nor in DESIGN.md's "Layers"`);
  for (const [u, allowed] of Object.entries(LAYERS)) {
    for (const a of allowed) assert.ok(a in LAYERS, `LAYERS.${u} names ${a}, which has no row`);
  }
});

test('every import of a src/ file stays within what its layer may import', () => {
  const forbidden: string[] = [];
  const used = new Set<string>();
  const files = sourceFiles(SRC);
  assert.ok(files.length > 100, `${files.length} source files under ${SRC}`);
  for (const file of files) {
    const from = unitOf(file);
    for (const spec of importsOf(file, true)) {
      if (!spec.startsWith('.')) {
        if (TORCH_FREE.has(from) && spec.startsWith('@facet/torch') && !ALLOWED_TORCH.has(spec))
          forbidden.push(`src/${fromSrc(file)} imports ${spec} (${from} is torch-free)`);
        continue;
      }
      const target = resolve(dirname(file), spec);
      if (relative(SRC, target).startsWith('..')) {
        forbidden.push(`src/${fromSrc(file)} imports ${spec}, outside src/`);
        continue;
      }
      const to = unitOf(target);
      if (to === from || LAYERS[from]?.includes(to)) continue;
      const exception = EXCEPTIONS.find((e) => e.file === fromSrc(file) && e.unit === to);
      if (exception) used.add(`${exception.file} → ${exception.unit}`);
      else forbidden.push(`src/${fromSrc(file)} imports ${spec} (${from} may not import ${to})`);
    }
  }
  assert.deepEqual(forbidden, []);
  assert.deepEqual(
    EXCEPTIONS.map((e) => `${e.file} → ${e.unit}`).filter((e) => !used.has(e)),
    [],
    'exceptions no file needs any more: remove them',
  );
});
