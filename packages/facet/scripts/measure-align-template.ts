// Measures the alignment template (face/measure_template.ts) and writes it as
// src/face/celeba_template.ts, atomically. Compiled with the package:
//   node dist/scripts/measure-align-template.js --data ../../../shared/data/celeba [--split train] [--limit N] [--out src/face/celeba_template.ts]
// Prints each landmark's mean and spread; --dry-run prints the module instead of writing it.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureTemplate, templateModule } from '../src/face/measure_template.js';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';

const { values: o } = parseArgs({
  options: {
    data: { type: 'string' },
    split: { type: 'string', default: 'train' },
    limit: { type: 'string' },
    out: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});
if (!o.data) throw new Error('--data DIR (a CelebA folder of aligned faces, e.g. ../shared/data/celeba) is required');
if (!['train', 'val', 'test', 'all'].includes(o.split!)) throw new Error(`--split must be train, val, test or all, got '${o.split}'`);
const limit = o.limit === undefined ? undefined : Number(o.limit);
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new Error(`--limit must be a positive integer, got '${o.limit}'`);
const pkg = fileURLToPath(new URL('../../', import.meta.url));
const out = o.out ?? join(pkg, 'src', 'face', 'celeba_template.ts');

const t0 = performance.now();
const m = await measureTemplate(o.data, {
  split: o.split as 'train',
  ...(limit ? { limit } : {}),
  onProgress: (d, n) => {
    if (d % 100 === 0 || d === n) process.stderr.write(`\r${d}/${n} `);
  },
});
process.stderr.write('\n');
console.log(
  `${m.measured.faces} faces (${m.missed.length} missed: ${m.missed.slice(0, 10).join(' ')}) in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${m.measured.detector}`,
);
for (const p of m.points) console.log(`  ${p.name.padEnd(10)} x ${p.x.toFixed(2)} ± ${p.sdX.toFixed(2)}   y ${p.y.toFixed(2)} ± ${p.sdY.toFixed(2)}`);
const command = `node dist/scripts/measure-align-template.js --data ../../../shared/data/celeba --split ${o.split}${limit ? ` --limit ${limit}` : ''}`;
const text = templateModule(m, command);
if (o['dry-run']) console.log(text);
else {
  writeFileAtomic(out, Buffer.from(text));
  console.log(`wrote ${out}`);
}
