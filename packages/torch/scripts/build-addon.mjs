// `npm ci` runs this: generate nothing (generated files are committed), find libtorch,
// and compile the addon with node-gyp. Prints what to do when libtorch is missing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findLibtorch } from './find-libtorch.mjs';

try {
  const found = findLibtorch();
  console.log(`facet-torch: building against libtorch in ${found.lib}${found.cuda ? ' (CUDA)' : ''}`);
} catch (e) {
  console.error(`facet-torch: ${e.message}`);
  process.exit(1);
}

// npm hands install scripts the node-gyp it bundles; the devDependency is the fallback.
let gyp = process.env.npm_config_node_gyp;
if (!gyp || !existsSync(gyp)) gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const jobs = process.env.JOBS ?? '2';
const args = [gyp, 'rebuild', `--jobs=${jobs}`];
if (process.env.FACET_DEBUG_BUILD) args.push('--debug');
// Build against the headers of the running Node when they are installed beside it, so
// that node-gyp never tries to download them (there is no network here).
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
