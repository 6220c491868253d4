// Resuming continues exactly: the losses after resuming equal an uninterrupted run's,
// in-process and after kill -9 of the CLI in the middle of a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareRun } from '../src/train/setup.js';
import { trainRun } from './train_helpers.js';
import { RunDir } from '../src/runs/run_dir.js';
import { smallSynth, tempDir, tinySettings } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function losses(run: string): Array<[number, number]> {
  return new RunDir(run)
    .readLog()
    .filter((e) => 'loss' in e)
    .map((e) => [e.step as number, e.loss as number]);
}

test("a resumed run reproduces the uninterrupted run's losses exactly", async () => {
  const data = await smallSynth();
  const dir = tempDir('resume');
  const whole = tinySettings('parser', data, join(dir, 'whole'));
  await trainRun(whole);
  const split = tinySettings('parser', data, join(dir, 'split'));
  await trainRun(split, false, 3);
  assert.equal(losses(split.out).length, 3);
  await trainRun(split, true);
  assert.deepEqual(losses(split.out), losses(whole.out));
  assert.equal(losses(whole.out).length, 6);
  for (const f of ['config.json', 'weights.safetensors', 'state.json', 'best.safetensors', 'log.jsonl']) assert.ok(existsSync(join(whole.out, f)), f);
  const config = JSON.parse(readFileSync(join(whole.out, 'config.json'), 'utf8'));
  assert.equal(config.recipe.lr, 1e-3);
  assert.equal(config.recipe.optimizer, 'adagrad');
  assert.deepEqual(config.regionNames, ['background', 'hair', 'skin', 'eyes', 'eyebrows', 'mouth', 'nose']);
  assert.equal(config.normalization.mean.length, 3);
});

test("resume: --steps below the run's length is refused, saying so; a damaged config.json names its file and field", async () => {
  const data = await smallSynth();
  const s = tinySettings('parser', data, join(tempDir('resume-refused'), 'run'));
  await trainRun(s, false, 3);
  for (const steps of [2, 3, 5]) {
    await assert.rejects(
      prepareRun({ ...s, recipe: { steps } }, true),
      new RegExp(`--resume .*run --steps ${steps}: the run is set to 6 steps \\(3 done\\); --steps can only extend a resumed run`),
    );
  }
  const path = join(s.out, 'config.json');
  const good = readFileSync(path, 'utf8');
  const damaged: Array<[(c: { recipe: Record<string, unknown>; kind: unknown; data: unknown }) => void, string]> = [
    [(c) => (c.recipe.batch = 0), "field 'recipe\\.batch' must be an integer ≥ 1, got 0"],
    [(c) => (c.recipe.lr = -1), "field 'recipe\\.lr' must be a finite number > 0, got -1"],
    [(c) => delete c.recipe.height, "field 'recipe\\.height' must be an integer ≥ 8, got nothing"],
    [(c) => (c.recipe.optimizer = 'magic'), "field 'recipe\\.optimizer' must be one of adagrad, adam, adamw, sgd, got 'magic'"],
    [(c) => (c.recipe.threads = 5000), "field 'recipe\\.threads' must be an integer from 1 to"],
    [(c) => (c.kind = 'dream'), "field 'kind' must be one of parser, attr, joint, got 'dream'"],
    [(c) => (c.data = null), "field 'data' must be a non-empty list of \\{dir\\}, got null"],
  ];
  for (const [edit, error] of damaged) {
    const c = JSON.parse(good);
    edit(c);
    writeFileSync(path, JSON.stringify(c));
    await assert.rejects(prepareRun({ ...s, recipe: {} }, true), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${error}`));
  }
  writeFileSync(path, good);
});

test('a finished run extended with resume and more steps equals one trained that long at once', async () => {
  const data = await smallSynth();
  const dir = tempDir('extend');
  const long = tinySettings('parser', data, join(dir, 'long'));
  await trainRun(long);
  const short = tinySettings('parser', data, join(dir, 'short'));
  await trainRun({ ...short, recipe: { ...short.recipe, steps: 3 } });
  assert.equal(losses(short.out).length, 3);
  await trainRun({ ...short, recipe: { steps: 6 } }, true);
  assert.deepEqual(losses(short.out), losses(long.out));
  assert.equal(JSON.parse(readFileSync(join(short.out, 'config.json'), 'utf8')).recipe.steps, 6);
});

test('a new run refuses to overwrite an existing one', async () => {
  const data = await smallSynth();
  const out = join(tempDir('exists'), 'run');
  await trainRun({ ...tinySettings('parser', data, out), recipe: { ...tinySettings('parser', data, out).recipe, steps: 3 } });
  await assert.rejects(() => prepareRun(tinySettings('parser', data, out)), /already holds a run.*--resume/);
});

test("kill -9 in the middle of a run, then --resume: the log equals an uninterrupted run's", async () => {
  const data = await smallSynth();
  const dir = tempDir('kill');
  const args = (out: string): string[] => [
    'train',
    'parser',
    '--data',
    data,
    '--out',
    out,
    '--steps',
    '14',
    '--batch',
    '4',
    '--height',
    '32',
    '--width',
    '26',
    '--width-mult',
    '0.0625',
    '--checkpoint-every',
    '2',
    '--eval-every',
    '100',
    '--threads',
    '1',
    '--seed',
    '9',
    '--cache-dir',
    join(dir, 'cache'),
    '--quiet',
  ];
  const run = (a: string[]): Promise<number | null> =>
    new Promise((resolve) => {
      const c = spawn(process.execPath, [cli, ...a], { stdio: 'ignore' });
      c.on('exit', (code) => resolve(code));
    });
  assert.equal(await run(args(join(dir, 'whole'))), 0);
  const victim = join(dir, 'victim');
  const child = spawn(process.execPath, [cli, ...args(victim)], { stdio: 'ignore' });
  const log = join(victim, 'log.jsonl');
  await new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      const n = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
      if (n >= 5) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
      if (Date.now() - t0 > 120_000) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error('the run never logged 5 steps'));
      }
    }, 20);
  });
  await new Promise((r) => child.on('exit', r));
  const before = losses(victim).length;
  assert.ok(before < 14, `killed after ${before} steps`);
  assert.equal(await run(['train', 'parser', '--resume', victim, '--quiet']), 0);
  assert.deepEqual(losses(victim), losses(join(dir, 'whole')));
});
