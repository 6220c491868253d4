// Data-parallel training (train/data_parallel.ts) on 2 processes on 127.0.0.1: two ranks
// with batch B each step like one process with batch 2B (a network without BatchNorm),
// the paper's networks keep bit-identical weights on both ranks after every step, the
// CLI's --nproc and torchrun-style launches, resuming with another world size, and a
// killed rank making the other fail with a message instead of hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunDir } from '../src/runs/run_dir.js';
import { freePort, withoutNproc } from '../src/train/launch.js';
import { parseMaster, resolveWorld } from '../src/train/world.js';
import { smallSynth, tempDir, tinySettings } from './helpers.js';
import { prepareRun } from '../src/train/setup.js';
import { train } from '../src/train/trainer.js';

const rankScript = fileURLToPath(new URL('./helpers/dp_rank.js', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

interface Exit {
  code: number | null;
  json: Record<string, any> | null;
  stderr: string;
}

function runNode(args: string[], env: NodeJS.ProcessEnv = {}): { child: ReturnType<typeof spawn>; done: Promise<Exit> } {
  const child = spawn(process.execPath, args, { env: { ...process.env, OMP_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '',
    err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const done = new Promise<Exit>((resolve) =>
    child.on('close', (code) => {
      const line = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      resolve({ code, json: line ? JSON.parse(line) : null, stderr: err });
    }),
  );
  return { child, done };
}

async function ranks(scenario: string, worldSize: number, data: string, out: string, ...extra: string[]): Promise<Exit[]> {
  const port = await freePort();
  return Promise.all(
    Array.from({ length: worldSize }, (_, r) => runNode([rankScript, scenario, String(r), String(worldSize), String(port), data, out, ...extra]).done),
  );
}

function ok(e: Exit, what: string): Record<string, any> {
  assert.equal(e.code, 0, `${what}: ${JSON.stringify(e.json)} ${e.stderr.slice(-2000)}`);
  return e.json!;
}

test('2 ranks × batch 4 train like 1 process × batch 8, step for step (no BatchNorm)', { timeout: 300_000 }, async (t) => {
  const data = await smallSynth();
  const dir = tempDir('dp-nobn');
  const [single] = await ranks('nobn', 1, data, join(dir, 'single'));
  const pair = await ranks('nobn', 2, data, join(dir, 'pair'));
  const s = ok(single!, 'single');
  const [a, b] = pair.map((e, r) => ok(e, `rank ${r}`));
  // the ranks read disjoint halves of the single process's batch, flips included
  assert.deepEqual([...a!.firstBatch, ...b!.firstBatch], s.firstBatch);
  assert.deepEqual([...a!.firstFlips, ...b!.firstFlips], s.firstFlips);
  assert.equal(new Set([...a!.firstBatch, ...b!.firstBatch]).size, 8);
  assert.deepEqual(a!.params, b!.params, 'both ranks hold the same weights');
  let worst = 0,
    moved = 0;
  s.params.forEach((p: number[], i: number) =>
    p.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - a!.params[i][k]));
      moved = Math.max(moved, Math.abs(v));
    }),
  );
  t.diagnostic(`largest weight difference after 4 steps: ${worst}`);
  assert.ok(worst < 1e-5, `largest weight difference ${worst}`);
  assert.ok(moved > 0);
});

/** A tiny parser run, the frozen parser of SSP and SSG (made once). */
let parserRun: Promise<string> | null = null;
function tinyParser(data: string): Promise<string> {
  parserRun ??= (async () => {
    const out = join(tempDir('dp-parser-run'), 'parser');
    const base = tinySettings('parser', data, out);
    const p = await prepareRun({ ...base, recipe: { ...base.recipe, steps: 2, checkpointEvery: 2, evalEvery: 2 } });
    try {
      await train(p.run, p.config, p.task, { progress: 'quiet' });
    } finally {
      await p.task.close();
    }
    return out;
  })();
  return parserRun;
}

for (const [kind, method] of [
  ['parser', undefined],
  ['attr', 'avg'],
  ['attr', 'ssp'],
  ['attr', 'ssg'],
  ['joint', undefined],
] as const) {
  test(`the paper's ${kind}${method ? ` (${method})` : ''} network: both ranks hold bit-identical weights after every step`, { timeout: 300_000 }, async () => {
    const data = await smallSynth();
    const dir = tempDir(`dp-${kind}`);
    const parser = method === 'ssp' || method === 'ssg' ? [await tinyParser(data)] : [];
    const res = await ranks('paper', 2, data, join(dir, 'run'), kind, method ?? '-', ...parser);
    const [a, b] = res.map((e, r) => ok(e, `rank ${r}`));
    assert.equal(a!.hashes.length, 4);
    assert.deepEqual(b!.hashes, a!.hashes);
    assert.equal(new Set(a!.hashes).size, 4, 'the weights change at every step');
    assert.equal(a!.loss, b!.loss, 'the logged loss is the mean over the ranks');
    // only rank 0 wrote the run
    const run = new RunDir(join(dir, 'run'));
    assert.equal(run.readState()!.step, 4);
    assert.equal(run.readLog().filter((e) => 'loss' in e).length, 4);
  });
}

const tinyArgs = (data: string, out: string, dir: string, steps: number): string[] => [
  'train',
  'parser',
  '--data',
  data,
  '--out',
  out,
  '--steps',
  String(steps),
  '--batch',
  '4',
  '--height',
  '32',
  '--width',
  '26',
  '--width-mult',
  '0.0625',
  '--checkpoint-every',
  '3',
  '--eval-every',
  '100',
  '--threads',
  '2',
  '--seed',
  '9',
  '--cache-dir',
  join(dir, 'cache'),
  '--quiet',
  '--dist-timeout',
  '60',
];

test('--nproc 2 trains a run that then resumes in one process, and a 1-process run resumes on 2', { timeout: 300_000 }, async () => {
  const data = await smallSynth();
  const dir = tempDir('dp-nproc');
  const out = join(dir, 'run');
  ok(await runNode([cli, ...tinyArgs(data, out, dir, 3), '--nproc', '2']).done, '--nproc 2');
  const summary = JSON.parse(readFileSync(join(out, 'train_summary.json'), 'utf8'));
  assert.equal(summary.world_size, 2);
  assert.equal(summary.steps, 3);
  ok(await runNode([cli, 'train', 'parser', '--resume', out, '--steps', '6', '--quiet']).done, 'resume alone');
  ok(await runNode([cli, 'train', 'parser', '--resume', out, '--steps', '9', '--quiet', '--nproc', '2']).done, 'resume on 2');
  const steps = new RunDir(out)
    .readLog()
    .filter((e) => 'loss' in e)
    .map((e) => e.step);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(new RunDir(out).readState()!.step, 9);
});

test('killing one rank mid-run: the other exits non-zero with a message', { timeout: 300_000 }, async (t) => {
  const data = await smallSynth();
  const dir = tempDir('dp-kill');
  const out = join(dir, 'run');
  const port = await freePort();
  const launch = (rank: number) =>
    runNode([cli, ...tinyArgs(data, out, dir, 100000)], { WORLD_SIZE: '2', RANK: String(rank), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
  const r0 = launch(0),
    r1 = launch(1);
  // wait (no time limit but the test's) until rank 0 has logged a few steps
  const log = join(out, 'log.jsonl');
  while (!(existsSync(log) && readFileSync(log, 'utf8').split('\n').filter(Boolean).length >= 3)) await sleep(100);
  r1.child.kill('SIGKILL');
  const e0 = await r0.done;
  await r1.done;
  t.diagnostic(e0.stderr.trim().split('\n').pop()!);
  assert.notEqual(e0.code, 0);
  assert.match(
    e0.stderr,
    /data-parallel rank 0 of 2: [a-z ]+ failed: .*\(a rank that dies, or does not answer within 60 s, ends the run this way; resume it from its last checkpoint with --resume\)/,
  );
});

test("the world from --world-size/--rank/--master or torchrun's variables", () => {
  assert.equal(resolveWorld({}, {}), null);
  assert.deepEqual(resolveWorld({ worldSize: 2, rank: 1, master: '10.0.0.1:29500', distTimeout: 5 }, {}), {
    rank: 1,
    worldSize: 2,
    masterAddr: '10.0.0.1',
    masterPort: 29500,
    timeoutMs: 5000,
  });
  assert.deepEqual(resolveWorld({}, { WORLD_SIZE: '3', RANK: '2', MASTER_ADDR: 'node0', MASTER_PORT: '1234' }), {
    rank: 2,
    worldSize: 3,
    masterAddr: 'node0',
    masterPort: 1234,
    timeoutMs: 1_800_000,
  });
  assert.throws(() => resolveWorld({ worldSize: 2, rank: 0 }, {}), /give --world-size, --rank and --master together/);
  assert.throws(() => resolveWorld({ worldSize: 2, rank: 2, master: 'h:1' }, {}), /--rank 2: must be in \[0, 2\)/);
  assert.throws(() => parseMaster('nohost'), /--master nohost: expected HOST:PORT/);
  assert.deepEqual(parseMaster('[::1]:80'), { masterAddr: '::1', masterPort: 80 });
  assert.deepEqual(withoutNproc(['train', '--nproc', '2', '--x', '--nproc=3', 'y']), ['train', '--x', 'y']);
});
