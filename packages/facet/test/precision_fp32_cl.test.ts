// --precision fp32-cl: float32 arithmetic on channels-last tensors. The same numbers as
// fp32 up to float32 summation order (the convolutions run other oneDNN kernels), in
// every network's forward and backward, in training, evaluation and predict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, nn, randn, manualSeed, setNumThreads, tidy, noGrad } from '@facet/torch';
import { inPrecision, prepareInput, prepareModel, toFloat32 } from '../src/models/mixed_precision.js';
import type { Precision } from '../src/models/precision.js';
import { trainRun } from './train_helpers.js';
import { RunDir } from '../src/runs/run_dir.js';
import type { RunConfig } from '../src/runs/config.js';
import { benchModel } from '../src/bench/model_bench.js';
import { smallSynth, tempDir, tinySettings } from './helpers.js';
import { pipelineInBothPrecisions, relErr as relErrFloored, tinyNetworks } from './precision_helpers.js';

setNumThreads(1);

/** float32 rounding noise is ~1e-8: norms floored at 1e-4. */
const relErr = (a: Tensor, b: Tensor): number => relErrFloored(a, b, 1e-4);

interface Outcome {
  out: Tensor;
  grads: Map<string, Tensor>;
}

function forwardBackward(m: nn.Module, run: (m: nn.Module, x: Tensor) => Tensor, input: Tensor, precision: Precision): Outcome {
  const out = tidy(() => inPrecision(precision, () => toFloat32(run(m, prepareInput(input, precision)))));
  const g = tidy(() => {
    manualSeed(99);
    return randn(out.shape);
  });
  tidy(() => out.mul(g).sum().backward());
  g.dispose();
  return { out: out.detach(), grads: new Map([...m.namedParameters()].filter(([, p]) => p.grad).map(([n, p]) => [n, p.grad!])) };
}

test("fp32-cl whole networks (basic, SSP, SSG, parser): channels-last kernels, outputs and every gradient equal fp32's to float32 rounding", () => {
  const { image, nets } = tinyNetworks(48, 40);
  for (const [name, make, run] of nets) {
    const reference = make(),
      cl = make();
    prepareModel(cl, 'fp32-cl');
    for (const p of cl.parameters()) {
      assert.equal(p.dtype, 'float32');
      if (p.ndim === 4) assert.ok(p.isContiguous('channels_last'), `${name}: a kernel left NCHW`);
    }
    const f = forwardBackward(reference, run, image, 'fp32');
    const c = forwardBackward(cl, run, image, 'fp32-cl');
    const e = relErr(f.out, c.out);
    assert.ok(e <= 1e-5, `${name}: training-mode output differs by ${e}`);
    assert.deepEqual([...c.grads.keys()], [...f.grads.keys()], `${name}: the same parameters receive gradients`);
    for (const [k, gf] of f.grads) {
      const gc = c.grads.get(k)!;
      assert.equal(gc.dtype, 'float32');
      const eg = relErr(gf, gc);
      // BatchNorm's batch statistics re-scale each layer's rounding: still far below bf16's 1e-2
      assert.ok(eg <= 1e-3, `${name}: gradient of ${k} differs by ${eg}`);
    }
    // inference folds BatchNorm into the convolution
    reference.eval();
    cl.eval();
    const ef = noGrad(() => run(reference, image));
    const ec = noGrad(() => tidy(() => inPrecision('fp32-cl', () => toFloat32(run(cl, prepareInput(image, 'fp32-cl'))))));
    const ee = relErr(ef, ec);
    assert.ok(ee <= 1e-5, `${name}: eval-mode output differs by ${ee}`);
  }
});

test("fp32-cl training: recorded in config.json, losses equal fp32's to float32 rounding, a resumed run reproduces its losses exactly", async () => {
  const data = await smallSynth();
  const dir = tempDir('fp32-cl');
  const losses = (run: string): number[] =>
    new RunDir(run)
      .readLog()
      .filter((e) => 'loss' in e)
      .map((e) => e.loss as number);
  const settings = (out: string, precision: Precision) => {
    const s = tinySettings('attr', data, out, { method: 'avg' });
    return { ...s, recipe: { ...s.recipe, precision } };
  };
  try {
    const whole = settings(join(dir, 'whole'), 'fp32-cl');
    await trainRun(whole);
    const split = settings(join(dir, 'split'), 'fp32-cl');
    await trainRun(split, false, 3);
    await trainRun(split, true);
    assert.deepEqual(losses(split.out), losses(whole.out));
    assert.equal(new RunDir(whole.out).readJson<RunConfig>('config.json').recipe.precision, 'fp32-cl');
    const fp32 = settings(join(dir, 'fp32'), 'fp32');
    await trainRun(fp32);
    const [lf, lc] = [losses(fp32.out), losses(whole.out)];
    assert.equal(lc.length, lf.length);
    lf.forEach((l, i) => assert.ok(Math.abs(l - lc[i]!) <= 1e-4 * Math.abs(l), `step ${i + 1}: loss ${l} (fp32) and ${lc[i]} (fp32-cl)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("predict --runtime torch --precision fp32-cl: the pipeline's outputs equal fp32's to float32 rounding; bench reports the precision", () => {
  const { fp32, other } = pipelineInBothPrecisions('fp32-cl');
  fp32.forEach((e, i) => {
    for (const key of ['probabilities', 'regionWeights', 'parse', 'heatmaps'] as const) {
      const worst = Array.from(e[key]).reduce((m, v, j) => Math.max(m, Math.abs(v - other[i]![key][j]!)), 0);
      assert.ok(worst <= 1e-4, `image ${i} ${key}: fp32-cl and fp32 differ by up to ${worst}`);
    }
  });
  const r = benchModel({ model: 'ssp', height: 32, width: 26, widthMult: 0.0625, batch: 2, steps: 1, threads: 1, seed: 0, precision: 'fp32-cl' });
  assert.equal(r.precision, 'fp32-cl');
  assert.ok(r.train_img_s > 0 && r.infer_img_s > 0);
});
