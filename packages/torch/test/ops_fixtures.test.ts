// Forward values and input gradients against PyTorch 1.13: fixtures/ops/*.safetensors
// come from scripts/make_op_fixtures.py (see there for the layout). Each case here
// recomputes the op with facet from the stored inputs, takes the loss sum(out * gout),
// and compares the output and every stored gradient (float32: 1e-5 abs + 1e-5 rel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../lib/index.js';
import { Tensor, tidy, nn, loadSafetensors, noGrad } from '../lib/index.js';
import { assertClose } from './helpers/gradcheck.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist/test -> ../../fixtures/ops; test (ts) -> ../fixtures/ops
const FIXTURES = [join(here, '..', '..', 'fixtures', 'ops'), join(here, '..', 'fixtures', 'ops')].find((p) => existsSync(p))!;
const ATOL = 1e-5,
  RTOL = 1e-5;

type Inputs = Map<string, Tensor>;
interface Result {
  out: Tensor | Tensor[];
  /** Tensors whose .grad stands for grad.<name> when the op did not use in.<name> itself (module parameters). */
  leaves?: Record<string, Tensor>;
  /** Tensors to compare with after.<name>. */
  after?: Record<string, Tensor>;
}
type Case = (inp: Inputs) => Result;

const get = (m: Inputs, k: string): Tensor => {
  const t = m.get(k);
  assert.ok(t, `fixture lacks in.${k}`);
  return t;
};

/** A module whose parameters and buffers are loaded from the fixture's inputs. */
function loaded<M extends nn.Module>(m: M, inp: Inputs, names: Record<string, string>): M {
  const sd = new Map<string, Tensor>();
  for (const [param, input] of Object.entries(names)) sd.set(param, get(inp, input));
  m.loadStateDict(sd, { strict: false });
  return m;
}

const modules: nn.Module[] = [];
const keepModule = <M extends nn.Module>(m: M): M => {
  modules.push(m);
  return m;
};

const convT =
  (p: number): Case =>
  (inp) => {
    const m = keepModule(loaded(new nn.ConvTranspose2d(3, 4, 3, { padding: p }), inp, { weight: 'w', bias: 'b' }));
    assert.equal(m.usesConv2dRoute, true);
    return { out: m.forward(get(inp, 'x')), leaves: { w: m.weight, b: m.bias! } };
  };

const CASES: Record<string, Array<[string, Case]>> = {
  conv2d: [
    ['conv2d stride 2 padding 1', (i) => ({ out: T.conv2d(get(i, 'x'), get(i, 'w'), get(i, 'b'), [2, 2], [1, 1]) })],
    [
      'nn.Conv2d',
      (i) => {
        const m = keepModule(loaded(new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }), i, { weight: 'w', bias: 'b' }));
        return { out: m.forward(get(i, 'x')), leaves: { w: m.weight, b: m.bias! } };
      },
    ],
  ],
  conv2d_groups_dilation: [['conv2d groups 2 dilation 2', (i) => ({ out: T.conv2d(get(i, 'x'), get(i, 'w'), null, [1, 1], [2, 2], [2, 2], 2) })]],
  conv_transpose2d_p0: [
    ['nn.ConvTranspose2d padding 0 (conv2d route)', convT(0)],
    ['conv_transpose2d padding 0 (raw op)', (i) => ({ out: T.convTranspose2d(get(i, 'x'), get(i, 'w'), get(i, 'b')) })],
  ],
  conv_transpose2d_p1: [
    ['nn.ConvTranspose2d padding 1 (conv2d route)', convT(1)],
    ['conv_transpose2d padding 1 (raw op)', (i) => ({ out: T.convTranspose2d(get(i, 'x'), get(i, 'w'), get(i, 'b'), [1, 1], [1, 1]) })],
  ],
  conv_transpose2d_s2: [
    [
      'conv_transpose2d stride 2 output_padding 1',
      (i) => ({
        out: T.convTranspose2d(get(i, 'x'), get(i, 'w'), get(i, 'b'), [2, 2], [1, 1], [1, 1]),
      }),
    ],
    [
      'nn.ConvTranspose2d stride 2',
      (i) => {
        const m = keepModule(loaded(new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }), i, { weight: 'w', bias: 'b' }));
        assert.equal(m.usesConv2dRoute, false);
        return { out: m.forward(get(i, 'x')), leaves: { w: m.weight, b: m.bias! } };
      },
    ],
  ],
  batch_norm_train: [
    [
      'batch_norm training (raw op, running stats updated)',
      (i) => ({
        out: T.batchNorm(get(i, 'x'), get(i, 'w'), get(i, 'b'), get(i, 'running_mean'), get(i, 'running_var'), true, 0.1, 1e-5),
        after: { running_mean: get(i, 'running_mean'), running_var: get(i, 'running_var') },
      }),
    ],
    [
      'nn.BatchNorm2d training',
      (i) => {
        const m = keepModule(loaded(new nn.BatchNorm2d(3), i, { weight: 'w', bias: 'b', running_mean: 'running_mean', running_var: 'running_var' }));
        assert.equal(m.training, true);
        const out = m.forward(get(i, 'x'));
        assert.equal(m.numBatchesTracked.item(), 1);
        return { out, leaves: { w: m.weight, b: m.bias }, after: { running_mean: m.runningMean, running_var: m.runningVar } };
      },
    ],
  ],
  batch_norm_eval: [
    [
      'batch_norm eval (raw op)',
      (i) => ({
        out: T.batchNorm(get(i, 'x'), get(i, 'w'), get(i, 'b'), get(i, 'running_mean'), get(i, 'running_var'), false, 0.1, 1e-5),
      }),
    ],
    [
      'nn.BatchNorm2d eval',
      (i) => {
        const m = keepModule(loaded(new nn.BatchNorm2d(3), i, { weight: 'w', bias: 'b', running_mean: 'running_mean', running_var: 'running_var' }).eval());
        return { out: m.forward(get(i, 'x')), leaves: { w: m.weight, b: m.bias }, after: { running_mean: m.runningMean, running_var: m.runningVar } };
      },
    ],
  ],
  prelu: [
    ['prelu', (i) => ({ out: T.prelu(get(i, 'x'), get(i, 'w')) })],
    [
      'nn.PReLU',
      (i) => {
        const m = keepModule(loaded(new nn.PReLU(3), i, { weight: 'w' }));
        return { out: m.forward(get(i, 'x')), leaves: { w: m.weight } };
      },
    ],
  ],
  max_pool2d_ceil: [
    ['max_pool2d 2x2 ceil_mode on 5x7', (i) => ({ out: nn.functional.maxPool2d(get(i, 'x'), [2, 2], { ceilMode: true }) })],
    ['nn.MaxPool2d ceil_mode', (i) => ({ out: new nn.MaxPool2d(2, { stride: 2, ceilMode: true }).forward(get(i, 'x')) })],
  ],
  max_pool2d_k3s2p1: [['max_pool2d 3x3 stride 2 padding 1', (i) => ({ out: T.maxPool2d(get(i, 'x'), [3, 3], [2, 2], [1, 1]) })]],
  avg_pool2d_ceil: [['avg_pool2d 2x2 ceil_mode', (i) => ({ out: nn.functional.avgPool2d(get(i, 'x'), [2, 2], { ceilMode: true }) })]],
  adaptive_max_pool2d: [['adaptive_max_pool2d 7x5 -> 3x2', (i) => ({ out: new nn.AdaptiveMaxPool2d([3, 2]).forward(get(i, 'x')) })]],
  adaptive_avg_pool2d: [['adaptive_avg_pool2d 7x5 -> 3x4', (i) => ({ out: new nn.AdaptiveAvgPool2d([3, 4]).forward(get(i, 'x')) })]],
  upsample_nearest: [['interpolate nearest 4x5 -> 9x11', (i) => ({ out: nn.functional.interpolate(get(i, 'x'), { size: [9, 11] }) })]],
  upsample_nearest_down: [['interpolate nearest 9x11 -> 4x5', (i) => ({ out: T.upsampleNearest2d(get(i, 'x'), [4, 5]) })]],
  upsample_bilinear: [['interpolate bilinear 4x5 -> 7x9', (i) => ({ out: nn.functional.interpolate(get(i, 'x'), { size: [7, 9], mode: 'bilinear' }) })]],
  upsample_bilinear_ac: [
    [
      'interpolate bilinear align_corners',
      (i) => ({
        out: nn.functional.interpolate(get(i, 'x'), { size: [5, 7], mode: 'bilinear', alignCorners: true }),
      }),
    ],
  ],
  softmax: [['softmax dim 1', (i) => ({ out: get(i, 'x').softmax(1) })]],
  log_softmax: [['log_softmax dim -1', (i) => ({ out: get(i, 'x').logSoftmax(-1) })]],
  bce_pos_weight: [
    [
      'bce with logits, pos_weight',
      (i) => ({
        out: nn.functional.binaryCrossEntropyWithLogits(get(i, 'x'), get(i, 't'), { posWeight: get(i, 'pw') }),
      }),
    ],
  ],
  bce_weight_pos_weight: [
    [
      'bce with logits, weight + pos_weight, sum',
      (i) => ({
        out: nn.functional.binaryCrossEntropyWithLogits(get(i, 'x'), get(i, 't'), { weight: get(i, 'wt'), posWeight: get(i, 'pw'), reduction: 'sum' }),
      }),
    ],
  ],
  cross_entropy: [
    [
      'cross_entropy NCHW, class weights, ignore_index 255',
      (i) => ({
        out: nn.functional.crossEntropy(get(i, 'x'), get(i, 'y'), { weight: get(i, 'cw'), ignoreIndex: 255 }),
      }),
    ],
  ],
  cross_entropy_none: [
    [
      'cross_entropy reduction none',
      (i) => ({
        out: nn.functional.crossEntropy(get(i, 'x'), get(i, 'y'), { weight: get(i, 'cw'), ignoreIndex: 255, reduction: 'none' }),
      }),
    ],
  ],
  einsum: [["einsum 'nrhw,nchw->nrc'", (i) => ({ out: T.einsum('nrhw,nchw->nrc', [get(i, 'm'), get(i, 'f')]) })]],
  linear: [['linear', (i) => ({ out: T.linear(get(i, 'x'), get(i, 'w'), get(i, 'b')) })]],
  matmul: [['matmul broadcast', (i) => ({ out: get(i, 'a').matmul(get(i, 'b')) })]],
  mse: [['mse_loss', (i) => ({ out: T.mseLoss(get(i, 'x'), get(i, 'y')) })]],
  logsumexp: [['logsumexp dims keepdim', (i) => ({ out: get(i, 'x').logsumexp([0, 2], true) })]],
  var_std: [['var / std', (i) => ({ out: [get(i, 'x').variance([1]), get(i, 'x').std([0, 2], true, true)] })]],
  leaky_relu_sigmoid_tanh: [
    [
      'leaky_relu / sigmoid / tanh',
      (i) => {
        const x = get(i, 'x');
        return { out: [x.leakyRelu(0.2), x.sigmoid(), x.tanh()] };
      },
    ],
  ],
  gate: [
    [
      'SSG gate weighting (adaptive_avg_pool, sum, clamp_min, div, unsqueeze, mul, flatten)',
      (i) => {
        const a = get(i, 'a');
        const m = T.adaptiveAvgPool2d(get(i, 'm'), a.shape.slice(2));
        const w = m.div(m.sum([2, 3], true).clampMin(1e-6));
        return { out: w.unsqueeze(2).mul(a.unsqueeze(1)).flatten(1, 2) };
      },
    ],
  ],
};

function runCase(file: string, label: string, run: Case): void {
  tidy(() => {
    const all = loadSafetensors(join(FIXTURES, `${file}.safetensors`));
    const inputs: Inputs = new Map();
    const outs: Tensor[] = [],
      gouts: Tensor[] = [],
      grads = new Map<string, Tensor>(),
      after = new Map<string, Tensor>();
    for (const [k, t] of all) {
      if (k.startsWith('in.')) inputs.set(k.slice(3), t);
      else if (k.startsWith('grad.')) grads.set(k.slice(5), t);
      else if (k.startsWith('after.')) after.set(k.slice(6), t);
    }
    const single = all.has('out');
    for (let n = 0; single ? n < 1 : all.has(`out.${n}`); n++) {
      outs.push(all.get(single ? 'out' : `out.${n}`)!);
      gouts.push(all.get(single ? 'gout' : `gout.${n}`)!);
    }
    assert.ok(outs.length > 0 && grads.size > 0, `${file}: fixture has no output or no gradient`);
    for (const k of grads.keys()) get(inputs, k).requiresGrad = true;

    const r = run(inputs);
    const got = Array.isArray(r.out) ? r.out : [r.out];
    assert.equal(got.length, outs.length, `${label}: number of outputs`);
    let loss: Tensor | null = null;
    got.forEach((o, n) => {
      assert.deepEqual(o.shape, outs[n]!.shape, `${label}: output ${n} shape`);
      assert.equal(o.dtype, 'float32', `${label}: output ${n} dtype`);
      assertClose(o.toList(), outs[n]!.toList(), ATOL, RTOL, `${label}: output ${n}`);
      const s = o.mul(gouts[n]!).sum();
      loss = loss === null ? s : loss.add(s);
    });
    loss!.backward();
    for (const [k, expected] of grads) {
      const leaf = r.leaves?.[k] ?? get(inputs, k);
      const g = leaf.grad;
      assert.ok(g, `${label}: no gradient for ${k}`);
      assert.deepEqual(g.shape, expected.shape, `${label}: grad ${k} shape`);
      assertClose(g.toList(), expected.toList(), ATOL, RTOL, `${label}: grad ${k}`);
    }
    // after.<name>: state after the call (the op updates in.<name> in place unless the case says otherwise).
    for (const [k, expected] of after) {
      const t = r.after?.[k] ?? get(inputs, k);
      assertClose(t.toList(), expected.toList(), ATOL, RTOL, `${label}: ${k} after the call`);
    }
  });
  for (const m of modules.splice(0)) m.dispose();
}

test('every fixture file has a case, and every case a fixture (fixtures stay small)', () => {
  const files = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => f.replace(/\.safetensors$/, ''));
  const special = ['rng', 'dtypes'];
  assert.deepEqual(files.filter((f) => !special.includes(f)).sort(), Object.keys(CASES).sort());
  const bytes = readdirSync(FIXTURES).reduce((s, f) => s + statSync(join(FIXTURES, f)).size, 0);
  assert.ok(bytes < 2_000_000, `fixtures/ops is ${bytes} bytes`);
});

for (const [file, variants] of Object.entries(CASES)) {
  for (const [label, run] of variants) {
    test(`${file}: ${label} matches PyTorch (forward and input gradients)`, () => runCase(file, label, run));
  }
}

test('batch_norm: running stats move in training only, and match PyTorch', () => {
  tidy(() => {
    const f = loadSafetensors(join(FIXTURES, 'batch_norm_eval.safetensors'));
    const m = loaded(new nn.BatchNorm2d(3), f, { weight: 'in.w', bias: 'in.b', running_mean: 'in.running_mean', running_var: 'in.running_var' });
    try {
      m.eval();
      noGrad(() => m.forward(f.get('in.x')!));
      assertClose(m.runningMean.toList(), f.get('in.running_mean')!.toList(), 0, 0, 'eval keeps running_mean');
      assertClose(m.runningVar.toList(), f.get('in.running_var')!.toList(), 0, 0, 'eval keeps running_var');
      assert.equal(m.numBatchesTracked.item(), 0);
    } finally {
      m.dispose();
    }
  });
});
