// --device: every network, every task's training run, checkpoints and resumes, on a
// device other than the CPU, and a CUDA request on this CPU-only libtorch refused.
//
// The device is libtorch's TorchScript lazy backend ('lazy'): it computes on the CPU but
// is another device, so an op mixing a lazy tensor with one left on the CPU fails (as
// on CUDA), and its numbers can be compared with the CPU's. The 'meta' device cannot be
// used: libtorch 1.13's C++ has no meta kernel for conv2d (convolution_overrideable),
// native_batch_norm or nll_loss2d (cross-entropy over a map), so no network runs on it.
//
// One quirk of the lazy backend: a batch norm's running statistics are updated once
// more when backward runs (the traced in-place update is replayed), so after training
// steps they differ from the CPU's. Runs are compared by their training losses (batch
// statistics) and their parameters; the validation lines (running statistics) only
// for being there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tensor, manualSeed, randn, rand, softmax, tidy, buildInfo, loadSafetensors, isDeterministic, setDeterministic } from '@facet/torch';
import { buildModel, MODEL_NAMES, type ModelName } from '../src/models/registry.js';
import { prepareRun, type RunSettings } from '../src/train/setup.js';
import { createOptimizer, train } from '../src/train/trainer.js';
import { RunDir } from '../src/runs/run_dir.js';
import { applyKernelChoice, resolveDevice } from '../src/runs/device.js';
import { evaluateRun } from '../src/eval/evaluate_run.js';
import { benchModel } from '../src/bench/model_bench.js';
import { TorchPipeline } from '../src/infer/torch_pipeline.js';
import { readBundle } from '../src/infer/bundle.js';
import { makeTestBundle } from './onnx_helpers.js';
import { smallSynth, tempDir, tinySettings } from './helpers.js';

const LAZY = resolveDevice('lazy');
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = tempDir('device');

function close(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  const scale = 1 + expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const worst = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
  assert.ok(worst <= 1e-4 * scale, `${what}: differs by ${worst} (scale ${scale})`);
}

/** A network's inputs (and the masks its head or gates read), made on the CPU. */
function networkInputs(name: ModelName): { x: Tensor; half: Tensor; quarter: Tensor } {
  manualSeed(2);
  return {
    x: randn([2, name === 'naive' ? 10 : 3, 32, 26]).keep(),
    half: softmax(rand([2, name === 'bbox' ? 16 : 7, 16, 13]), 1).keep(),
    quarter: softmax(rand([2, 7, 8, 7]), 1).keep(),
  };
}

/** The network's outputs and a scalar of all of them, on x's device. */
function run(name: ModelName, model: ReturnType<typeof buildModel>, x: Tensor, half: Tensor, quarter: Tensor): { out: Tensor; loss: Tensor } {
  const m = model as unknown as { forward(x: Tensor, o?: object): Tensor | Tensor[] };
  const out = name === 'parser' || name === 'joint' ? m.forward(x) : m.forward(x, { masksHalf: half, masksQuarter: quarter });
  const outs = Array.isArray(out) ? out : [out];
  const loss = outs.map((o) => o.mul(o).mean()).reduce((a, b) => a.add(b));
  return { out: outs[outs.length - 1]!, loss };
}

for (const name of MODEL_NAMES) {
  test(`${name}: forward and backward on the lazy device equal the CPU's, every gradient on the device`, () => {
    manualSeed(1);
    const model = buildModel(name, { widthMult: 0.0625, attributes: 5 });
    model.eval();
    const { x, half, quarter } = networkInputs(name);
    const cpu = tidy(() => {
      const r = run(name, model, x, half, quarter);
      r.loss.backward();
      return { out: r.out.data() as Float32Array, grads: model.parameters().map((p) => (p.grad?.data() ?? null) as Float32Array | null) };
    });
    model.zeroGrad();
    model.to(LAZY);
    for (const p of model.parameters()) assert.equal(p.device, 'lazy:0');
    tidy(() => {
      const r = run(name, model, x.to(LAZY), half.to(LAZY), quarter.to(LAZY));
      assert.equal(r.out.device, 'lazy:0');
      r.loss.backward();
      close(r.out.data() as Float32Array, cpu.out, `${name} output`);
      model.parameters().forEach((p, i) => {
        const g = p.grad;
        // the joint model's forward is its attribute branch: the parser's part gets none
        if (cpu.grads[i] === null) return assert.equal(g, null, `${name} gradient ${i}`);
        assert.equal(g!.device, 'lazy:0', `${name} gradient ${i}`);
        close(g!.data() as Float32Array, cpu.grads[i]!, `${name} gradient ${i}`);
      });
    });
    for (const t of [x, half, quarter]) t.dispose();
    model.dispose();
  });
}

test('the lazy device catches a tensor left on the CPU (what these tests rely on)', () => {
  // libtorch's lazy backend aborts the process on a CPU operand: run it in a child
  const script = "import { useLazyDevice, randn } from '@facet/torch'; useLazyDevice(); randn([2, 3]).to('lazy').add(randn([2, 3])).data();";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    timeout: 60_000,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not a lazy tensor: CPUFloatType/);
});

async function trainRun(settings: RunSettings, resume = false, stopAfter?: number): Promise<void> {
  const p = await prepareRun(settings, resume);
  try {
    await train(p.run, p.config, p.task, { resume, progress: 'quiet', stopAfter });
  } finally {
    await p.task.close();
  }
}

function log(run: string): Array<Record<string, unknown>> {
  return new RunDir(run).readLog();
}

/** The same lines, steps and losses (validation values: see the lazy quirk above). */
function sameLog(actual: Array<Record<string, unknown>>, expected: Array<Record<string, unknown>>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  assert.ok(expected.some((e) => 'loss' in e) && expected.some((e) => !('loss' in e)), `${what}: losses and validations logged`);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${what} line ${i}`);
    for (const [k, v] of Object.entries(e)) {
      if (k !== 'loss' && k !== 'step') continue;
      if (typeof v === 'number') assert.ok(Math.abs((a[k] as number) - v) <= 1e-4 * (1 + Math.abs(v)), `${what} line ${i} ${k}: ${a[k]} vs ${v}`);
      else assert.deepEqual(a[k], v, `${what} line ${i} ${k}`);
    }
  });
}

let parserRun: string;
const short = (s: RunSettings): RunSettings => ({ ...s, recipe: { ...s.recipe, steps: 2, checkpointEvery: 2, evalEvery: 2 } });

test('parser (class-balanced): trained on the lazy device, the same losses and validation IoU as on the CPU; config records the device; checkpoints are CPU tensors', async () => {
  const data = await smallSynth();
  const settings = (device: string) => {
    const s = short(tinySettings('parser', data, join(dir, `parser-${device}`), { device }));
    return { ...s, recipe: { ...s.recipe, classBalance: true } };
  };
  await trainRun(settings('cpu'));
  await trainRun(settings(LAZY));
  parserRun = join(dir, 'parser-cpu');
  sameLog(log(join(dir, 'parser-lazy')), log(parserRun), 'parser');
  assert.equal(JSON.parse(readFileSync(join(dir, 'parser-lazy', 'config.json'), 'utf8')).device, 'lazy');
  assert.equal(JSON.parse(readFileSync(join(dir, 'parser-cpu', 'config.json'), 'utf8')).device, 'cpu');
  // the checkpoint's parameters equal the CPU run's (safetensors are host bytes)
  const a = loadSafetensors(join(dir, 'parser-lazy', 'weights.safetensors')),
    b = loadSafetensors(join(parserRun, 'weights.safetensors'));
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, t] of b) if (!/running_|num_batches/.test(k)) close(a.get(k)!.data() as Float32Array, t.data() as Float32Array, k);
  for (const t of [...a.values(), ...b.values()]) t.dispose();
});

for (const method of ['avg', 'spp', 'naive', 'bbox', 'ssp', 'ssg'] as const) {
  test(`attr ${method}${method === 'ssp' ? ' (balanced, region loss)' : ''}: trained on the lazy device, the same log as on the CPU`, async () => {
    const data = await smallSynth();
    const settings = (device: string) => {
      const s = short(tinySettings('attr', data, join(dir, `${method}-${device}`), { device, method, parserRun, gated: method === 'ssg' ? [3] : undefined }));
      return method === 'ssp' ? { ...s, recipe: { ...s.recipe, balanced: true, regionLoss: 0.5 } } : s;
    };
    await trainRun(settings('cpu'));
    await trainRun(settings(LAZY));
    sameLog(log(join(dir, `${method}-lazy`)), log(join(dir, `${method}-cpu`)), method);
  });
}

test("eval on the lazy device: an SSP run's attribute metrics and region weights (parser and SSP there) equal the CPU's; a parser run's IoU too", async () => {
  const data = await smallSynth();
  for (const run of [join(dir, 'ssp-cpu'), parserRun]) {
    const cpu = await evaluateRun(run, { data, split: 'test' });
    const lazy = await evaluateRun(run, { data, split: 'test', device: LAZY });
    if (cpu.attributes) {
      close(Float32Array.from(lazy.attributes!.attributes.map((a) => a.error)), Float32Array.from(cpu.attributes.attributes.map((a) => a.error)), 'errors');
      close(Float32Array.from(lazy.localization!.regionWeights.flat()), Float32Array.from(cpu.localization!.regionWeights.flat()), 'region weights');
    }
    if (cpu.parsing) assert.deepEqual(lazy.parsing!.iou, cpu.parsing.iou);
  }
});

test('joint: trained on the lazy device, the same log as on the CPU', async () => {
  const data = await smallSynth();
  await trainRun(short(tinySettings('joint', data, join(dir, 'joint-cpu'))));
  await trainRun(short(tinySettings('joint', data, join(dir, 'joint-lazy'), { device: LAZY })));
  sameLog(log(join(dir, 'joint-lazy')), log(join(dir, 'joint-cpu')), 'joint');
});

test("the optimizer state lives on the model's device", async () => {
  const data = await smallSynth();
  const p = await prepareRun(tinySettings('attr', data, join(dir, 'optim-lazy'), { device: LAZY, method: 'avg' }));
  const optimizer = createOptimizer(p.config, p.task);
  try {
    const batch = await p.task.prepare(0);
    tidy(() => {
      optimizer.zeroGrad();
      p.task.loss(batch).backward();
      optimizer.step();
    });
    const { tensors } = optimizer.stateDict();
    assert.ok(tensors.size > 0);
    for (const [k, t] of tensors) assert.equal(t.device, 'lazy:0', k);
  } finally {
    optimizer.dispose();
    await p.task.close();
  }
});

test('a run resumes on another device: begun on lazy, finished on the CPU; a config that recorded cuda resumes on the CPU', async () => {
  const data = await smallSynth();
  const settings = (name: string, device?: string) => tinySettings('attr', data, join(dir, name), { method: 'avg', ...(device ? { device } : {}) });
  await trainRun(settings('resume-whole'));
  // begun on lazy, resumed on the CPU
  await trainRun(settings('resume-lazy', LAZY), false, 3);
  await trainRun(settings('resume-lazy'), true);
  sameLog(log(join(dir, 'resume-lazy')), log(join(dir, 'resume-whole')), 'lazy → cpu');
  assert.equal(JSON.parse(readFileSync(join(dir, 'resume-lazy', 'config.json'), 'utf8')).device, 'cpu');
  // a run whose config says it trained on cuda (a GPU machine's run, copied here)
  await trainRun(settings('resume-cuda'), false, 3);
  const configPath = join(dir, 'resume-cuda', 'config.json');
  writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), device: 'cuda' }));
  await trainRun(settings('resume-cuda'), true);
  sameLog(log(join(dir, 'resume-cuda')), log(join(dir, 'resume-whole')), 'cuda config → cpu');
  assert.equal(JSON.parse(readFileSync(configPath, 'utf8')).device, 'cpu');
});

test("predict's and eval's bundle pipeline on the lazy device: every output equals the CPU's", () => {
  const bundle = readBundle(makeTestBundle(64, 52, { widthMult: 0.0625, seed: 3 }));
  manualSeed(4);
  const inputs = [0, 1].map(() => tidy(() => randn([3, 64, 52]).data() as Float32Array));
  const cpu = new TorchPipeline(bundle),
    lazy = new TorchPipeline(bundle, { device: LAZY });
  try {
    const a = cpu.run(inputs),
      b = lazy.run(inputs);
    a.forEach((r, i) => {
      for (const k of ['probabilities', 'regionWeights', 'parse', 'heatmaps'] as const) close(b[i]![k], r[k], `face ${i} ${k}`);
    });
  } finally {
    cpu.dispose();
    lazy.dispose();
  }
});

test("bench --model on the lazy device: every network's timed steps run there", () => {
  for (const model of MODEL_NAMES.filter((m) => m !== 'joint')) {
    const r = benchModel({ model, height: 32, width: 26, widthMult: 0.0625, batch: 2, steps: 1, threads: 1, seed: 0, device: LAZY });
    assert.equal(r.device, LAZY, model);
    assert.ok(r.train_img_s > 0 && r.infer_img_s > 0, model);
  }
});

test("--deterministic turns libtorch's deterministic mode on; with --cudnn-benchmark it is refused", () => {
  assert.throws(() => applyKernelChoice({ deterministic: true, cudnnBenchmark: true }), /--cudnn-benchmark and --deterministic exclude each other/);
  assert.equal(isDeterministic(), false);
  try {
    applyKernelChoice({ deterministic: true });
    assert.equal(isDeterministic(), true);
  } finally {
    setDeterministic(false);
  }
});

test('--device auto picks the CPU on this libtorch and says so', () => {
  assert.equal(buildInfo().cuda, false, 'these tests expect the CPU-only libtorch of this machine');
  const lines: string[] = [];
  assert.equal(
    resolveDevice('auto', (l) => lines.push(l)),
    'cpu',
  );
  assert.match(lines.join('\n'), /--device auto: cpu \(libtorch 1\.13\.\d+ has no CUDA\)/);
});

function facet(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stderr: r.stderr };
}

const NO_CUDA =
  /--device cuda(:1)?: @facet\/torch is built against a libtorch without CUDA \(libtorch 1\.13\.\d+, loaded from \/\S+\)\. Set LIBTORCH to an unpacked CUDA build/;

test('--device cuda on this CPU-only libtorch: train, eval and predict fail at once, naming LIBTORCH and the libtorch found, writing nothing', async () => {
  const data = await smallSynth();
  const out = join(dir, 'cuda-run'),
    cache = join(dir, 'cuda-cache');
  const t = facet('train', 'attr', '--data', data, '--out', out, '--cache-dir', cache, '--device', 'cuda', '--steps', '2', '--threads', '1', '--quiet');
  assert.equal(t.status, 2, t.stderr);
  assert.match(t.stderr, NO_CUDA);
  // nothing written, nothing decoded: the run folder and the image cache do not exist
  assert.equal(existsSync(out), false);
  assert.equal(existsSync(cache), false);
  const e = facet('eval', '--run', parserRun, '--data', data, '--cache-dir', cache, '--device', 'cuda:1', '--out', join(dir, 'cuda-metrics.json'));
  assert.equal(e.status, 2, e.stderr);
  assert.match(e.stderr, NO_CUDA);
  assert.equal(existsSync(join(dir, 'cuda-metrics.json')), false);
  assert.equal(existsSync(cache), false);
  // predict refuses before reading the bundle (this one does not exist)
  const p = facet(
    'predict',
    '--run',
    join(dir, 'no-bundle'),
    '--runtime',
    'torch',
    '--device',
    'cuda',
    '--aligned',
    '--out',
    join(dir, 'cuda-predict'),
    'x.jpg',
  );
  assert.equal(p.status, 2, p.stderr);
  assert.match(p.stderr, NO_CUDA);
  assert.equal(existsSync(join(dir, 'cuda-predict')), false);
  const x = facet('experiment', '--data', data, '--out', join(dir, 'cuda-experiment'), '--device', 'cuda', '--quiet');
  assert.equal(x.status, 2, x.stderr);
  assert.match(x.stderr, NO_CUDA);
  assert.equal(existsSync(join(dir, 'cuda-experiment')), false);
  const b = facet('bench', '--model', 'basic', '--device', 'cuda');
  assert.equal(b.status, 2, b.stderr);
  assert.match(b.stderr, NO_CUDA);
  // a misspelt device is a usage error naming the option
  const bad = facet('train', 'attr', '--data', data, '--out', out, '--device', 'gpu');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--device must be cpu, cuda, cuda:N or auto, got 'gpu'/);
});
