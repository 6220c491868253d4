// Option parsers: a bad value fails naming the option and the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { maxThreads } from '@facet/torch/threads';
import { guidedFilterOption, int, oneOf, positiveNumber, threads } from '../src/cli/options.js';
import { SSP_FEATURE_LAYERS } from '../src/models/names.js';

test('option parsers accept their range and name the option when refusing', () => {
  assert.equal(positiveNumber('--lr')('0.01'), 0.01);
  assert.throws(() => positiveNumber('--lr')('0'), /--lr must be a positive number, got '0'/);
  assert.equal(positiveNumber('--region-loss', true)('0'), 0);
  assert.throws(() => positiveNumber('--region-loss', true)('-1'), /--region-loss must be a number ≥ 0, got '-1'/);
  assert.throws(() => positiveNumber('--region-loss', true)('abc'), /--region-loss .* got 'abc'/);
  assert.equal(int('--steps', 1)('5'), 5);
  assert.throws(() => int('--steps', 1)('2.5'), /--steps must be an integer ≥ 1/);
  assert.equal(oneOf('--ssp-features', SSP_FEATURE_LAYERS)('conv42'), 'conv42');
  assert.throws(() => oneOf('--ssp-features', SSP_FEATURE_LAYERS)('conv99'), /--ssp-features must be one of conv42, conv52, conv62, got 'conv99'/);
  assert.deepEqual(guidedFilterOption('--parse-guided-filter')('4,0.001'), { radius: 4, eps: 0.001 });
  assert.equal(guidedFilterOption('--parse-guided-filter', true)('none'), null);
  for (const bad of ['none', '4', '0,0.001', '33,0.001', '2.5,0.001', '4,0', '4,2', '4,', ',0.1', '4,0.1,1']) {
    assert.throws(() => guidedFilterOption('--parse-guided-filter')(bad), new RegExp(`--parse-guided-filter must be RADIUS,EPS .*got '${bad}'`));
  }
});

test('--threads is bounded (a small multiple of the cores) with the option named', () => {
  const max = maxThreads();
  assert.equal(threads('--threads')('1'), 1);
  assert.equal(threads('--threads')(String(max)), max);
  for (const bad of ['0', '-1', '1.5', 'abc', '', String(max + 1), '5000', '2147483647', '2147483648', String(2 ** 32 + 2)]) {
    assert.throws(() => threads('--threads')(bad), new RegExp(`--threads must be an integer from 1 to ${max} .*got '${bad}'`));
  }
});

test('every command refuses an unbounded --threads with a facet message, not a libgomp exit or a hang', () => {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const commands = [
    ['predict', '--runtime', 'torch', 'x.jpg'],
    ['bench', '--op', 'conv2d'],
    ['train', 'parser', '--out', 'x', '--data', 'y'],
    ['serve', '--port', '0'],
    ['experiment', 'x'],
    ['eval-wild', 'x'],
  ];
  for (const args of commands) {
    for (const n of ['5000', '2147483647', '2147483648']) {
      // the timeout only ends a hang (the bug) sooner; it is no assertion on speed
      const r = spawnSync(process.execPath, [cli, ...args, '--threads', n], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.signal, null, `${args[0]} --threads ${n}: killed by ${r.signal}`);
      assert.notEqual(r.status, 0, `${args[0]} --threads ${n}`);
      assert.match(r.stderr, new RegExp(`--threads must be an integer from 1 to ${maxThreads()}.*got '${n}'`), `${args[0]} --threads ${n}: ${r.stderr}`);
    }
  }
});
