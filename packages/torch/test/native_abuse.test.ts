// Every native entry point, hand-written or generated, called with bad arguments in a
// child process: each call must come back as a return value or a JS exception, never
// as a signal (an exception escaping the guard is std::terminate → SIGABRT, exit 134).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { native } from '../lib/native.js';
import { nativeFunctions } from './helpers/native_functions.js';
import { autocast, type DType } from '../lib/index.js';

const child = fileURLToPath(new URL('./helpers/native_abuse_child.js', import.meta.url));

function walk(only?: string[]): { functions: number; calls: number; threw: number; threads: number; firstErrors: Record<string, string> } {
  const r = spawnSync(process.execPath, only ? [child, only.join(',')] : [child], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  const lines = r.stdout.trim().split('\n');
  const last = lines.at(-1) ?? '';
  assert.equal(r.signal, null, `the child died by ${r.signal} at '${last}': ${r.stderr.slice(0, 400)}`);
  assert.equal(r.status, 0, `the child exited ${r.status} at '${last}': ${r.stderr.slice(0, 400)}`);
  return JSON.parse(last);
}

test('every exported native function survives bad arguments (no signal, no exit)', () => {
  const report = walk();
  assert.equal(report.functions, nativeFunctions().size);
  assert.ok(report.functions > 150, `only ${report.functions} functions walked`);
  assert.ok(report.threw > report.calls / 2, `most bad calls must throw (${report.threw} of ${report.calls})`);
  assert.equal(report.threads, 1);
});

test('the calls that aborted before the guard covered them now throw a clear error', () => {
  assert.throws(() => native.setNumThreads(2 ** 31), /setNumThreads: argument 'threads' must be a positive integer below 2\^31/);
  assert.throws(() => native.setNumThreads(2 ** 32 + 2), /setNumThreads/);
  assert.equal(native.getNumThreads() > 0, true);
  for (const dtype of ['float16', 'float64', 'int64', 'bool']) {
    assert.throws(() => native.setAutocastCpu(true, dtype), new RegExp(`setAutocastCpu: autocast on the CPU runs in bfloat16 only, not ${dtype}`));
    assert.equal(native.setAutocastCpu(false), false, 'a refused dtype leaves autocast off');
  }
  let ran = false;
  assert.throws(() => autocast(() => (ran = true), 'float16' as DType), /autocast on the CPU runs in bfloat16 only, not float16/);
  assert.equal(ran, false);
  assert.equal(
    autocast(() => 7),
    7,
    'bfloat16 autocast still works',
  );
  assert.throws(() => native.manualSeed(2 ** 64), /manualSeed: argument 'seed' must be an integer/);
  assert.throws(
    () => native.fromBuffer(new Float32Array(4), [2 ** 62, 2 ** 62, 4], 'float32'),
    /fromBuffer: argument 'shape' must be sizes whose product fits in int64/,
  );
});
