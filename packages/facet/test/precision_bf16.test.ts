// --precision bf16 (issue 16): every layer's forward and backward in bf16 against
// float32 within bf16's tolerance, gradients on the float32 master weights, fp32 left
// exactly as it was, and the precision carried through training, evaluation and predict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, nn, randn, rand, softmax, manualSeed, setNumThreads, tidy, noGrad, prelu, cat } from '@facet/torch';
import { CBP, pool } from '../src/models/blocks.js';
import { Gate } from '../src/models/gate.js';
import { SSPHead } from '../src/models/ssp_head.js';
import { AttributeNet } from '../src/models/attribute_net.js';
import { buildModel } from '../src/models/registry.js';
import { inPrecision, prepareInput, prepareModel, toFloat32 } from '../src/models/mixed_precision.js';
import { prepareRun } from '../src/train/setup.js';
import { trainRun } from './train_helpers.js';
import { RunDir } from '../src/runs/run_dir.js';
import type { RunConfig } from '../src/runs/config.js';
import { attributePredictions } from '../src/runs/attribute_predictions.js';
import { benchModel } from '../src/bench/model_bench.js';
import { bf16Hardware, bf16Note } from '../src/models/bf16_hardware.js';
import { smallSynth, tempDir, tinySettings } from './helpers.js';
import { pipelineInBothPrecisions, relErr as relErrFloored, tinyNetworks } from './precision_helpers.js';

setNumThreads(1);

/** bf16 keeps 8 bits of mantissa, a relative step of 2⁻⁸ ≈ 0.004 per rounding; norms floored at 1e-2. */
const relErr = (a: Tensor, b: Tensor): number => relErrFloored(a, b, 1e-2);

/** Cosine between two gradients, every parameter's flattened and joined. */
function cosine(a: Tensor[], b: Tensor[]): number {
  return tidy(() => {
    const fa = cat(a.map((t) => t.flatten())),
      fb = cat(b.map((t) => t.flatten()));
    return fa.mul(fb).sum().item() / Math.sqrt(fa.square().sum().item() * fb.square().sum().item());
  });
}

interface Outcome {
  out: Tensor;
  grads: Map<string, Tensor>;
  inputGrad: Tensor | null;
}

/**
 * Runs a module's forward and backward once in float32 and once in bf16 (a copy of the
 * same weights), with the loss Σ out·g for a fixed random g, and returns both.
 */
function bothPrecisions(make: () => nn.Module, run: (m: nn.Module, x: Tensor) => Tensor, input: Tensor, inputNeedsGrad = true): [Outcome, Outcome] {
  const reference = make();
  const copy = make();
  copy.loadStateDict(reference.stateDict());
  prepareModel(copy, 'bf16');
  const once = (m: nn.Module, precision: 'fp32' | 'bf16'): Outcome => {
    const x = input.detach().clone();
    if (inputNeedsGrad) x.requiresGrad_();
    const out = tidy(() => inPrecision(precision, () => toFloat32(run(m, prepareInput(x, precision)))));
    const g = tidy(() => {
      manualSeed(99);
      return randn(out.shape);
    });
    tidy(() => out.mul(g).sum().backward());
    g.dispose();
    // parameters the output does not depend on (the parser's coarser heads) have none
    const grads = new Map([...m.namedParameters()].filter(([, p]) => p.grad).map(([n, p]) => [n, p.grad!]));
    return { out: out.detach(), grads, inputGrad: inputNeedsGrad ? x.grad : null };
  };
  return [once(reference, 'fp32'), once(copy, 'bf16')];
}

function assertSameGradients(f: Outcome, b: Outcome, label: string): void {
  assert.deepEqual([...b.grads.keys()], [...f.grads.keys()], `${label}: the same parameters receive gradients`);
  for (const [name, g] of b.grads) {
    // the master weights stay float32 and receive float32 gradients
    assert.equal(g.dtype, 'float32', `${label}: ${name}'s gradient is ${g.dtype}`);
  }
}

function assertClose([f, b]: [Outcome, Outcome], tol: number, label: string): void {
  assert.equal(b.out.dtype, 'float32');
  const e = relErr(f.out, b.out);
  assert.ok(e <= tol, `${label}: output differs by ${e.toFixed(4)} of its norm (tolerance ${tol})`);
  if (f.inputGrad && b.inputGrad) {
    const ei = relErr(f.inputGrad, b.inputGrad);
    assert.ok(ei <= tol, `${label}: input gradient differs by ${ei.toFixed(4)}`);
  }
  assertSameGradients(f, b, label);
  for (const [name, gf] of f.grads) {
    const eg = relErr(gf, b.grads.get(name)!);
    assert.ok(eg <= tol, `${label}: gradient of ${name} differs by ${eg.toFixed(4)} of its norm (tolerance ${tol})`);
  }
}

// One layer: a few roundings, plus the odd PReLU whose input's sign bf16 flips (a
// BatchNorm bias gradient sums a few hundred terms: one flip moves it by a percent or two).
const LAYER_TOL = 0.06;

test('bf16 forward and backward of each layer match float32 within bf16 tolerance', () => {
  manualSeed(3);
  const x = randn([4, 6, 16, 12]);
  const cases: Array<[string, () => nn.Module, (m: nn.Module, x: Tensor) => Tensor]> = [
    ['Conv2d 3×3', () => new nn.Conv2d(6, 8, 3, { padding: 1, bias: false }), (m, t) => (m as nn.Conv2d).forward(t)],
    ['CBP (conv → BN → PReLU)', () => new CBP(6, 8), (m, t) => (m as CBP).forward(t)],
    ['CBP 1×1', () => new CBP(6, 8, { kernel: 1 }), (m, t) => (m as CBP).forward(t)],
    ['CBP transposed', () => new CBP(6, 8, { transposed: true }), (m, t) => (m as CBP).forward(t)],
    ['conv then pool', () => new nn.Conv2d(6, 8, 3, { padding: 1, bias: false }), (m, t) => pool((m as nn.Conv2d).forward(t))],
  ];
  for (const [label, make, run] of cases) assertClose(bothPrecisions(make, run, x), LAYER_TOL, label);
});

test('bf16 PReLU (relu(x) − a·relu(−x)) equals prelu and sends float32 gradients to its slopes', () => {
  manualSeed(4);
  const slopes = rand([5]).mul(0.5);
  const x = randn([3, 5, 4, 6]);
  const run = (dtype: 'float32' | 'bfloat16'): { act: nn.PReLU; input: Tensor; out: Tensor } => {
    const act = new nn.PReLU(5);
    noGrad(() => act.weight.copy_(slopes));
    const input = x.detach().clone().requiresGrad_();
    const out = tidy(() => act.forward(input.toDtype(dtype)));
    tidy(() => {
      manualSeed(99);
      out.toDtype('float32').mul(randn(out.shape)).sum().backward();
    });
    return { act, input, out };
  };
  const f = run('float32'),
    b = run('bfloat16');
  assert.equal(b.out.dtype, 'bfloat16');
  // forward: libtorch's prelu on the same bf16 input, up to one rounding
  tidy(() => assert.ok(relErr(prelu(x.toDtype('bfloat16').toDtype('float32'), slopes), b.out) <= 2 ** -7));
  assert.equal(b.act.weight.grad!.dtype, 'float32');
  assert.ok(relErr(f.act.weight.grad!, b.act.weight.grad!) <= LAYER_TOL, 'slope gradients');
  assert.ok(relErr(f.input.grad!, b.input.grad!) <= LAYER_TOL, 'input gradients');
});

test('bf16 SSG gate, SSP head and Linear match float32 within bf16 tolerance', () => {
  manualSeed(5);
  const masks = softmax(randn([4, 7, 16, 12]), 1);
  const a = randn([4, 4, 16, 12]);
  assertClose(
    bothPrecisions(
      () => new Gate(4),
      (m, t) => (m as Gate).forward(t, masks),
      a,
    ),
    LAYER_TOL,
    'Gate',
  );
  const feats = randn([4, 8, 5, 4]);
  const half = softmax(randn([4, 7, 10, 8]), 1);
  assertClose(
    bothPrecisions(
      () => new SSPHead(8, 5),
      (m, t) => (m as SSPHead).forward(t, half),
      feats,
    ),
    LAYER_TOL,
    'SSP head',
  );
  assertClose(
    bothPrecisions(
      () => new nn.Linear(8, 5),
      (m, t) => (m as nn.Linear).forward(t),
      randn([4, 8]),
    ),
    LAYER_TOL,
    'Linear',
  );
});

test('SSG gate on channels-last activations: the same region-major copies, kept channels-last', () => {
  manualSeed(12);
  const gate = new Gate(3);
  const masks = softmax(randn([2, 7, 8, 6]), 1);
  const a = randn([2, 3, 8, 6]);
  const nchw = tidy(() => gate.forward(a, masks));
  const cl = tidy(() => gate.forward(a.contiguous('channels_last'), masks));
  assert.ok(cl.isContiguous('channels_last'));
  // only BatchNorm's sums run in another order
  assert.ok(relErr(nchw, cl) < 1e-5, `channels-last gate differs by ${relErr(nchw, cl)}`);
});

test('bf16 whole networks (basic, SSP, SSG, parser): outputs within bf16 tolerance, gradients on every float32 master weight', () => {
  const { image, nets } = tinyNetworks(48, 40);
  for (const [name, make, run] of nets) {
    // Training mode: each layer's error is re-scaled by its BatchNorm's batch statistics
    // and the early layers' gradients sum thousands of terms of both signs, so a random
    // network's gradients agree as a whole (PyTorch's autocast shows the same, measured:
    // conv11's gradient 29 % apart at this size), not layer by layer (the tests above).
    const [f, b] = bothPrecisions(make, run, image, false);
    const e = relErr(f.out, b.out);
    assert.ok(e <= 0.08, `${name}: training-mode output differs by ${e.toFixed(4)}`);
    assertSameGradients(f, b, name);
    const c = cosine([...f.grads.values()], [...b.grads.values()]);
    assert.ok(c >= 0.9, `${name}: the gradients' cosine is ${c.toFixed(4)}`);
    // Evaluation mode (running statistics): the forward alone, a few roundings per layer.
    const ev = bothPrecisions(() => make().eval(), run, image, false);
    const ee = relErr(ev[0].out, ev[1].out);
    assert.ok(ee <= 0.02, `${name}: eval-mode output differs by ${ee.toFixed(4)}`);
  }
});

test('bf16 inference folds BatchNorm into the conv and matches float32 within bf16 tolerance', () => {
  manualSeed(10);
  const x = randn([4, 6, 16, 12]);
  const reference = new CBP(6, 8);
  noGrad(() => {
    // non-trivial statistics, so that the fold has something to fold
    reference.bn!.runningMean.copy_(randn([8]).mul(0.3));
    reference.bn!.runningVar.copy_(rand([8]).add(0.5));
    reference.bn!.weight.copy_(rand([8]).add(0.5));
    reference.bn!.bias.copy_(randn([8]).mul(0.2));
    reference.act!.weight.copy_(rand([8]).mul(0.5));
  });
  reference.eval();
  const folded = new CBP(6, 8);
  folded.loadStateDict(reference.stateDict());
  folded.eval();
  prepareModel(folded, 'bf16');
  assert.ok(folded.foldBatchNormInInference);
  const expected = noGrad(() => reference.forward(x));
  const got = noGrad(() => tidy(() => inPrecision('bf16', () => toFloat32(folded.forward(prepareInput(x, 'bf16'))))));
  const e = relErr(expected, got);
  assert.ok(e <= LAYER_TOL, `folded CBP differs by ${e.toFixed(4)}`);
  // and whole networks in inference
  const image = randn([2, 3, 48, 40]);
  const masksHalf = softmax(randn([2, 7, 24, 20]), 1),
    masksQuarter = softmax(randn([2, 7, 12, 10]), 1);
  for (const name of ['basic', 'ssp', 'ssg'] as const) {
    const make = () => {
      manualSeed(11);
      return buildModel(name, { widthMult: 0.0625, attributes: 6 }).eval() as AttributeNet;
    };
    const f = make(),
      b = make();
    prepareModel(b, 'bf16');
    const ef = noGrad(() => f.forward(image, { masksHalf, masksQuarter }));
    const eb = noGrad(() => tidy(() => inPrecision('bf16', () => toFloat32(b.forward(prepareInput(image, 'bf16'), { masksHalf, masksQuarter })))));
    const en = relErr(ef, eb);
    assert.ok(en <= 0.02, `${name}: bf16 inference differs by ${en.toFixed(4)}`);
  }
});

test('fp32 is left as it was: no layout change, the same numbers bit for bit', () => {
  manualSeed(9);
  const net = buildModel('basic', { widthMult: 0.0625, attributes: 4 }) as AttributeNet;
  prepareModel(net, 'fp32');
  for (const p of net.parameters()) assert.ok(p.isContiguous(), 'fp32 keeps the parameters as they were');
  const x = randn([2, 3, 24, 20]);
  assert.equal(prepareInput(x, 'fp32'), x);
  const direct = tidy(() => net.forward(x).data() as Float32Array);
  const through = tidy(() => inPrecision('fp32', () => toFloat32(net.forward(prepareInput(x, 'fp32')))).data() as Float32Array);
  assert.deepEqual(through, direct);
  // bf16: the kernels turn channels-last, the weights stay float32
  prepareModel(net, 'bf16');
  for (const p of net.parameters()) {
    assert.equal(p.dtype, 'float32');
    if (p.ndim === 4) assert.ok(p.isContiguous('channels_last'));
  }
});

const losses = (run: string): Array<[number, number]> =>
  new RunDir(run)
    .readLog()
    .filter((e) => 'loss' in e)
    .map((e) => [e.step as number, e.loss as number]);

test('bf16 training: recorded in config.json, weights stay float32, a resumed run reproduces the losses exactly', async () => {
  const data = await smallSynth();
  const dir = tempDir('bf16');
  const bf16 = (out: string) => {
    const s = tinySettings('attr', data, out, { method: 'avg' });
    return { ...s, recipe: { ...s.recipe, precision: 'bf16' as const } };
  };
  const whole = bf16(join(dir, 'whole'));
  await trainRun(whole);
  const split = bf16(join(dir, 'split'));
  await trainRun(split, false, 3);
  await trainRun(split, true);
  assert.equal(losses(whole.out).length, 6);
  assert.deepEqual(losses(split.out), losses(whole.out));
  const config = new RunDir(whole.out).readJson<RunConfig>('config.json');
  assert.equal(config.recipe.precision, 'bf16');
  // the checkpoint holds the float32 master weights
  const net = buildModel('basic', { widthMult: 0.0625, attributes: config.attributeNames.length }) as AttributeNet;
  new RunDir(whole.out).loadWeights(net, 'weights');
  for (const p of net.parameters()) assert.equal(p.dtype, 'float32');
  // an fp32 run records fp32, and its losses differ from bf16's only by bf16's rounding
  const fp32 = tinySettings('attr', data, join(dir, 'fp32'), { method: 'avg' });
  await trainRun(fp32);
  assert.equal(new RunDir(fp32.out).readJson<RunConfig>('config.json').recipe.precision, 'fp32');
  const [lf, lb] = [losses(fp32.out), losses(whole.out)];
  assert.ok(Math.abs(lf[0]![1] - lb[0]![1]) < 0.02 * Math.abs(lf[0]![1]), `first losses ${lf[0]![1]} (fp32) and ${lb[0]![1]} (bf16)`);
  // evaluation runs in the run's precision by default, or as asked
  const opts = { data, split: 'test' as const, cacheDir: join(dir, 'cache') };
  const asTrained = await attributePredictions(whole.out, opts);
  const inFp32 = await attributePredictions(whole.out, { ...opts, precision: 'fp32' });
  const diff = asTrained.probs.reduce((m, p, i) => Math.max(m, Math.abs(p - inFp32.probs[i]!)), 0);
  assert.ok(diff > 0, 'the bf16 evaluation ran in bf16');
  assert.ok(diff < 0.05, `bf16 and fp32 evaluations of one run differ by ${diff}`);
  rmSync(dir, { recursive: true, force: true });
});

const meanAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
const meanAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + Math.abs(v), 0) / a.length;

test("bf16 parser training: losses close to fp32's, IoU evaluated in bf16", async () => {
  const data = await smallSynth();
  const dir = tempDir('bf16-parser');
  const settings = (p: 'fp32' | 'bf16') => {
    const s = tinySettings('parser', data, join(dir, p));
    return { ...s, recipe: { ...s.recipe, steps: 3, precision: p } };
  };
  await trainRun(settings('fp32'));
  await trainRun(settings('bf16'));
  const [lf, lb] = [losses(join(dir, 'fp32')), losses(join(dir, 'bf16'))];
  assert.equal(lb.length, 3);
  lf.forEach(([, l], i) => assert.ok(Math.abs(l - lb[i]![1]) <= 0.03 * l, `step ${i + 1}: loss ${l} (fp32) and ${lb[i]![1]} (bf16)`));
  assert.notDeepEqual(lb, lf);
  const log = new RunDir(join(dir, 'bf16')).readLog();
  assert.ok(
    log.some((e) => typeof e.val_mean_iou === 'number'),
    'validated',
  );
  rmSync(dir, { recursive: true, force: true });
});

test("predict --runtime torch --precision bf16: the pipeline's outputs match fp32 within bf16 tolerance", () => {
  const { fp32, other } = pipelineInBothPrecisions('bf16');
  fp32.forEach((e, i) => {
    const g = other[i]!;
    assert.equal(g.gridHeight, e.gridHeight);
    for (const key of ['probabilities', 'regionWeights', 'parse', 'heatmaps'] as const) {
      assert.equal(g[key].length, e[key].length);
      const d = meanAbsDiff(e[key], g[key]),
        scale = meanAbs(e[key]);
      // the parse comes out of 16 convolutions in a row (a random parser's): ~0.4 % each
      assert.ok(d > 0 && d <= 0.05 * scale, `image ${i} ${key}: bf16 and fp32 differ by ${d} on average (mean |fp32| ${scale})`);
    }
  });
});

test('bench --precision bf16 reports its precision and, with --profile, the phases of a step', () => {
  const r = benchModel({ model: 'ssg', height: 32, width: 26, widthMult: 0.0625, batch: 2, steps: 1, threads: 1, seed: 0, precision: 'bf16', profile: true });
  assert.equal(r.precision, 'bf16');
  assert.equal(r.bf16_hardware, bf16Hardware());
  assert.ok(r.train_img_s > 0 && r.infer_img_s > 0);
  assert.ok(r.step_ms && r.step_ms.forward > 0 && r.step_ms.backward > 0 && r.step_ms.optimizer >= 0);
  const plain = benchModel({ model: 'basic', height: 32, width: 26, widthMult: 0.0625, batch: 2, steps: 1, threads: 1, seed: 0 });
  assert.equal(plain.precision, 'fp32');
  assert.equal(plain.step_ms, undefined);
});

test('bf16 is refused where it is not supported, naming the option', async () => {
  const data = await smallSynth();
  const dir = tempDir('bf16-refused');
  const joint = tinySettings('joint', data, join(dir, 'joint'));
  await assert.rejects(() => prepareRun({ ...joint, recipe: { ...joint.recipe, precision: 'bf16' } }), /train joint: --precision bf16 is not supported/);
  const { Predictor } = await import('../src/infer/predict.js');
  await assert.rejects(() => Predictor.open({ runtime: 'onnx', precision: 'bf16' }), /precision bf16 runs on the torch runtime/);
  await assert.rejects(() => Predictor.open({ precision: 'fp16' as never }), /precision must be one of fp32, fp32-cl, bf16, got 'fp16'/);
  rmSync(dir, { recursive: true, force: true });
});

test("bf16 hardware: AMX, AVX-512 BF16 alone or neither, read from /proc/cpuinfo's flags", () => {
  const info = (flags: string): string => `processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2 ${flags}\n\nprocessor\t: 1\n`;
  assert.equal(bf16Hardware(info('avx512f avx512_bf16 amx_bf16 amx_tile amx_int8')), 'amx');
  assert.equal(bf16Hardware(info('avx512f avx512_bf16 avx512_fp16')), 'avx512-bf16');
  assert.equal(bf16Hardware(info('avx512f')), 'none');
  assert.equal(bf16Hardware(null), 'unknown');
  assert.equal(bf16Note('amx'), null);
  assert.match(bf16Note('avx512-bf16')!, /no AMX.*--precision fp32-cl/);
  assert.match(bf16Note('none')!, /no bf16 instructions/);
});
