// Run as a child process by native_abuse.test.ts: calls every function the addon
// exports with bad arguments. A call may throw or return; the process must never die
// by a signal (an exception escaping the binding's guard ends in SIGABRT). Before each
// call it writes `call NAME #K` to stdout (unbuffered), so a death names its culprit.
// argv[2], when given, is a comma-separated list of the functions to walk.
import { writeSync } from 'node:fs';
import { native, type NativeHandle } from '../../lib/native.js';
import { nativeFunctions } from './native_functions.js';

native.setNumThreads(1);

const small = (): NativeHandle => native.fromBuffer(new Float32Array([1, 2, 3, 4]), [2, 2], 'float32');
const disposed = small();
native.dispose(disposed);

// Wrong types, out-of-range integers (the int casts), non-finite numbers, a disposed
// handle. No value may make a call allocate gigabytes that then succeed: sizes are
// either negative or far beyond any memory (2^62), so libtorch refuses at once.
const values: unknown[] = [
  undefined,
  null,
  'x',
  '',
  -1,
  0,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  2 ** 32 + 2,
  2 ** 62,
  2 ** 64,
  1e300,
  true,
  {},
  [],
  [-1],
  [2 ** 62],
  [2 ** 62, 2 ** 62],
  ['x'],
  [NaN],
  disposed,
  new Float32Array(3),
  () => 0,
];
const dtypes = ['float32', 'float64', 'bfloat16', 'float16', 'int64', 'int32', 'uint8', 'bool', 'complex64'];
const bigInts: unknown[] = [-1, 1.5, NaN, 2 ** 62, 2 ** 64, [2 ** 62], [2 ** 62, 2 ** 62], [-1, 2]];

function argSets(): unknown[][] {
  const sets: unknown[][] = [[]];
  for (const v of values) {
    sets.push([v, v, v, v, v, v], [small(), v, v, v, v, v], [small(), small(), v, v, v, v], [small(), 0, v, v, v, v]);
  }
  // Creation ops: sizes that cannot exist, with a valid dtype and device after them.
  for (const v of bigInts) {
    for (const dt of dtypes) sets.push([v, dt, 'cpu'], [v, v, dt, 'cpu'], [v, v, v, dt, 'cpu'], [v, 0, 1, dt, 'cpu']);
  }
  for (const dt of dtypes) sets.push([true, dt], [new Uint8Array(16), [2, 2], dt], [small(), dt], [small(), 'cuda'], [small(), 'cuda:7']);
  sets.push([new Float32Array(4), [2 ** 62, 2 ** 62, 4], 'float32'], [new Float32Array(4), [2 ** 32, 2 ** 32], 'float32']);
  return sets;
}

const only = process.argv[2]?.split(',');
const functions = [...nativeFunctions()].filter(([name]) => !only || only.includes(name));
let calls = 0;
let threw = 0;
const firstErrors: Record<string, string> = {};
for (const [name, f] of functions) {
  const sets = argSets();
  for (let k = 0; k < sets.length; k++) {
    writeSync(1, `call ${name} #${k}\n`);
    calls++;
    try {
      f(...sets[k]);
    } catch (e) {
      threw++;
      firstErrors[name] ??= (e as Error).message;
    }
    // Leave global state as a later call expects it: one thread, no autocast.
    if (name === 'setAutocastCpu') native.setAutocastCpu(false);
  }
  native.setNumThreads(1);
  native.setGradEnabled(true);
}
writeSync(1, `${JSON.stringify({ functions: functions.length, calls, threw, threads: native.getNumThreads(), firstErrors })}\n`);
