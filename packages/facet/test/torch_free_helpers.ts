// Checks that a code path never loads libtorch (the ONNX runtime's promise), shared by
// onnx_torch_free and predict_torch_free:
// - statically: the import graph from some entry files names '@facet/torch' only through
//   its pure-JS subpaths;
// - dynamically: a child node process preloads a guard in which a resolve hook refuses the
//   '@facet/torch' main entry and its native loader, and process.dlopen refuses any
//   facet_torch.node and records every native addon loaded (printed on exit).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const distSrc = fileURLToPath(new URL('../src/', import.meta.url));
export const ALLOWED_TORCH = new Set(['@facet/torch/safetensors-format', '@facet/torch/write-file-atomic', '@facet/torch/dtype', '@facet/torch/threads']);

/** Module specifiers of a compiled file: static imports and re-exports, and `import(…)` when dynamic. */
export function importsOf(file: string, dynamic: boolean): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"();]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) {
    specs.push((m[1] ?? m[2])!);
  }
  if (dynamic) for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

export interface ImportGraph {
  files: Set<string>;
  packages: Set<string>;
  /** "file imports @facet/torch…" for each import outside ALLOWED_TORCH */
  torchImports: string[];
}

/** Follows relative imports from the entries; bare specifiers are collected, not followed. */
export function importGraph(entries: string[], dynamic: boolean): ImportGraph {
  const queue = [...entries];
  const g: ImportGraph = { files: new Set(), packages: new Set(), torchImports: [] };
  while (queue.length) {
    const file = queue.pop()!;
    if (g.files.has(file)) continue;
    g.files.add(file);
    for (const spec of importsOf(file, dynamic)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else {
        g.packages.add(spec);
        if (spec.startsWith('@facet/torch') && !ALLOWED_TORCH.has(spec)) g.torchImports.push(`${file.slice(distSrc.length)} imports ${spec}`);
      }
    }
  }
  return g;
}

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

export interface GuardedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** native addons the child loaded (or tried to) */
  addons: string[];
}

/** `node --import GUARD …args` from the repository root. */
export function runGuarded(args: string[], timeout = 120_000): GuardedRun {
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(GUARD)}`, ...args], {
    encoding: 'utf8',
    timeout,
    cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
  });
  const m = /\nADDONS (.*)\n/.exec(r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, addons: m ? (JSON.parse(m[1]!) as string[]) : [] };
}
