// The install stays quiet and offline: no npm config key npm does not know (it warns on
// every npx command), and onnxruntime-node's postinstall skips its CUDA download by
// the environment variable setup.sh and .ci/run export before `npm ci`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const facet = fileURLToPath(new URL('../../', import.meta.url));

test('npx facet prints no npm warning before its own output', () => {
  const r = spawnSync('npx', ['--no-install', 'facet', '--version'], { cwd: facet, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /npm warn/i, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('setup.sh and .ci/run export ONNXRUNTIME_NODE_INSTALL=skip before npm ci; with it the postinstall exits at once', () => {
  const setup = readFileSync(join(repo, 'scripts/setup.sh'), 'utf8');
  const exportAt = setup.indexOf('export ONNXRUNTIME_NODE_INSTALL=skip');
  assert.ok(exportAt >= 0 && exportAt < setup.indexOf('\nnpm ci '), 'setup.sh exports it before npm ci');
  assert.match(readFileSync(join(repo, '.ci/run'), 'utf8'), /export ONNXRUNTIME_NODE_INSTALL=skip/);
  assert.doesNotMatch(readFileSync(join(repo, '.npmrc'), 'utf8'), /onnxruntime/);
  // the package's own install script, as npm runs it for `npm ci`; a proxy that cannot
  // be reached makes any download fail loudly
  const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const env = {
    ...process.env,
    ONNXRUNTIME_NODE_INSTALL: 'skip',
    GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9',
    GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9',
  };
  const r = spawnSync(process.execPath, [join(ortDir, 'script/install.js')], { cwd: ortDir, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /Downloading|Extracting/);
});
