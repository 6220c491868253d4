// Numerical gradient checks (central differences, float64, eps 1e-6) of every
// differentiable op in codegen/ops.table.mjs against libtorch's autograd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../lib/index.js';
import { Tensor, tensor, tidy, nn } from '../lib/index.js';
import { gradcheck, uniform, distinct, assertClose, type GradcheckOptions } from './helpers/gradcheck.js';

/** Runs one gradcheck in a scope and asserts it compared something. */
function check(name: string, fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: () => Tensor[], options: GradcheckOptions = {}): void {
  tidy(() => {
    const n = gradcheck(fn, inputs(), { name, ...options });
    assert.ok(n > 0, `${name}: nothing compared`);
  });
}

const u = (shape: number[], seed: number, lo = -1, hi = 1): Tensor => uniform(shape, seed, lo, hi);
const pos = (shape: number[], seed: number): Tensor => uniform(shape, seed, 0.5, 2);
const i64 = (values: number[], shape?: number[]): Tensor => tensor(BigInt64Array.from(values.map(BigInt)), shape ?? [values.length]);

test('gradcheck detects a wrong gradient', () => {
  // A function whose autograd gradient is deliberately not its derivative: x*detach(x)
  // has numerical gradient 2x but autograd gradient x.
  tidy(() => {
    assert.throws(() => gradcheck((x) => x.mul(x.detach()), [u([4], 1)]), /autograd .* numerical/);
  });
});

test('elementwise arithmetic: add/sub/mul/div with tensors (broadcast) and scalars', () => {
  check(
    'add',
    (a, b) => a.add(b),
    () => [u([2, 3], 1), u([3], 2)],
  );
  check(
    'add alpha',
    (a, b) => T.add(a, b, 0.5),
    () => [u([2, 3], 1), u([2, 1], 2)],
  );
  check(
    'add scalar',
    (a) => a.add(2.5),
    () => [u([2, 3], 3)],
  );
  check(
    'sub',
    (a, b) => a.sub(b),
    () => [u([2, 3], 4), u([2, 3], 5)],
  );
  check(
    'sub alpha',
    (a, b) => T.sub(a, b, 3),
    () => [u([2, 3], 4), u([1, 3], 5)],
  );
  check(
    'sub scalar',
    (a) => a.sub(-1.5),
    () => [u([3], 6)],
  );
  check(
    'mul',
    (a, b) => a.mul(b),
    () => [u([2, 3], 7), u([2, 1], 8)],
  );
  check(
    'mul scalar',
    (a) => a.mul(-3),
    () => [u([4], 9)],
  );
  check(
    'div',
    (a, b) => a.div(b),
    () => [u([2, 3], 10), pos([3], 11)],
  );
  check(
    'div scalar',
    (a) => a.div(4),
    () => [u([4], 12)],
  );
  check(
    'neg',
    (a) => a.neg(),
    () => [u([5], 13)],
  );
  check(
    'remainder',
    (a) => a.remainder(0.7),
    () => [uniform([5], 14, 0.05, 0.65)],
  );
});

test('elementwise math', () => {
  check(
    'pow scalar',
    (a) => a.pow(3),
    () => [u([2, 3], 20)],
  );
  check(
    'pow fractional',
    (a) => a.pow(1.5),
    () => [pos([2, 3], 21)],
  );
  check(
    'pow tensor',
    (a, b) => a.pow(b),
    () => [pos([2, 3], 22), u([2, 3], 23)],
  );
  check(
    'exp',
    (a) => a.exp(),
    () => [u([2, 3], 24)],
  );
  check(
    'log',
    (a) => a.log(),
    () => [pos([2, 3], 25)],
  );
  check(
    'log1p',
    (a) => a.log1p(),
    () => [pos([2, 3], 26)],
  );
  check(
    'sqrt',
    (a) => a.sqrt(),
    () => [pos([2, 3], 27)],
  );
  check(
    'rsqrt',
    (a) => a.rsqrt(),
    () => [pos([2, 3], 28)],
  );
  check(
    'square',
    (a) => a.square(),
    () => [u([2, 3], 29)],
  );
  check(
    'reciprocal',
    (a) => a.reciprocal(),
    () => [pos([2, 3], 30)],
  );
  check(
    'abs',
    (a) => a.abs(),
    () => [distinct([2, 3], 31)],
  );
  check(
    'sin',
    (a) => a.sin(),
    () => [u([2, 3], 32)],
  );
  check(
    'cos',
    (a) => a.cos(),
    () => [u([2, 3], 33)],
  );
  check(
    'sigmoid',
    (a) => a.sigmoid(),
    () => [u([2, 3], 34, -3, 3)],
  );
  check(
    'tanh',
    (a) => a.tanh(),
    () => [u([2, 3], 35, -2, 2)],
  );
  // sign/floor/ceil/round: zero gradient almost everywhere.
  check(
    'sign',
    (a) => a.sign(),
    () => [distinct([5], 36)],
  );
  check(
    'floor',
    (a) => a.floor(),
    () => [distinct([5], 37)],
  );
  check(
    'ceil',
    (a) => a.ceil(),
    () => [distinct([5], 38)],
  );
  check(
    'round',
    (a) => a.round(),
    () => [distinct([5], 39)],
  );
});

test('activations: relu, leaky_relu, prelu (input and weight), clamp, softmax, log_softmax', () => {
  check(
    'relu',
    (a) => a.relu(),
    () => [distinct([3, 4], 40)],
  );
  check(
    'leaky_relu',
    (a) => a.leakyRelu(0.2),
    () => [distinct([3, 4], 41)],
  );
  check(
    'leaky_relu default slope',
    (a) => a.leakyRelu(),
    () => [distinct([3, 4], 42)],
  );
  check(
    'prelu per channel',
    (x, w) => T.prelu(x, w),
    () => [distinct([2, 3, 2, 2], 43), u([3], 44, 0.1, 0.5)],
  );
  check(
    'prelu shared',
    (x, w) => T.prelu(x, w),
    () => [distinct([2, 3, 2], 45), u([1], 46, 0.1, 0.5)],
  );
  check(
    'clamp',
    (a) => a.clamp(-0.2, 0.3),
    () => [distinct([12], 47)],
  );
  check(
    'clamp min only',
    (a) => a.clamp(-0.1),
    () => [distinct([12], 48)],
  );
  check(
    'clamp max only',
    (a) => a.clamp(null, 0.1),
    () => [distinct([12], 49)],
  );
  check(
    'clamp_min',
    (a) => a.clampMin(0.05),
    () => [distinct([12], 50)],
  );
  check(
    'softmax',
    (a) => a.softmax(1),
    () => [u([2, 4, 3], 51, -2, 2)],
  );
  check(
    'softmax last',
    (a) => a.softmax(-1),
    () => [u([3, 5], 52, -2, 2)],
  );
  check(
    'log_softmax',
    (a) => a.logSoftmax(-1),
    () => [u([3, 5], 53, -2, 2)],
  );
  check(
    'log_softmax dim0',
    (a) => a.logSoftmax(0),
    () => [u([3, 5], 54, -2, 2)],
  );
});

test('selection: maximum/minimum, where, masked_fill', () => {
  check(
    'maximum',
    (a, b) => a.maximum(b),
    () => [u([3, 4], 60), u([3, 4], 61)],
  );
  check(
    'minimum',
    (a, b) => a.minimum(b),
    () => [u([3, 4], 62), u([4], 63)],
  );
  const cond = (): Tensor =>
    tensor(
      [
        [true, false, true],
        [false, false, true],
      ],
      { dtype: 'bool' },
    );
  check(
    'where',
    (a, b) => T.where(cond(), a, b),
    () => [u([2, 3], 64), u([2, 3], 65)],
  );
  check(
    'where broadcast',
    (a, b) => T.where(cond(), a, b),
    () => [u([2, 3], 66), u([3], 67)],
  );
  check(
    'where scalar other',
    (a) => T.where(cond(), a, 0.5),
    () => [u([2, 3], 68)],
  );
  check(
    'where scalar input',
    (b) => T.where(cond(), -2, b),
    () => [u([2, 3], 69)],
  );
  check(
    'masked_fill',
    (a) => a.maskedFill(cond(), 7),
    () => [u([2, 3], 70)],
  );
});

test('reductions with dims and keepdim', () => {
  check(
    'sum all',
    (a) => a.sum(),
    () => [u([2, 3, 4], 80)],
  );
  check(
    'sum dim',
    (a) => a.sum([1]),
    () => [u([2, 3, 4], 81)],
  );
  check(
    'sum dims keepdim',
    (a) => a.sum([0, 2], true),
    () => [u([2, 3, 4], 82)],
  );
  check(
    'mean all',
    (a) => a.mean(),
    () => [u([2, 3, 4], 83)],
  );
  check(
    'mean dim keepdim',
    (a) => a.mean([-1], true),
    () => [u([2, 3, 4], 84)],
  );
  check(
    'mean dims',
    (a) => a.mean([0, 2]),
    () => [u([2, 3, 4], 85)],
  );
  check(
    'amax all',
    (a) => a.amax(),
    () => [distinct([2, 3, 4], 86)],
  );
  check(
    'amax dim',
    (a) => a.amax([1]),
    () => [distinct([2, 3, 4], 87)],
  );
  check(
    'amax dims keepdim',
    (a) => a.amax([0, 2], true),
    () => [distinct([2, 3, 4], 88)],
  );
  check(
    'amin dim',
    (a) => a.amin([2]),
    () => [distinct([2, 3, 4], 89)],
  );
  check(
    'max()',
    (a) => a.max(),
    () => [distinct([3, 4], 90)],
  );
  check(
    'min()',
    (a) => a.min(),
    () => [distinct([3, 4], 91)],
  );
  check(
    'max_dim values',
    (a) => a.maxDim(1)[0],
    () => [distinct([3, 4], 92)],
  );
  check(
    'min_dim values keepdim',
    (a) => a.minDim(0, true)[0],
    () => [distinct([3, 4], 93)],
  );
  check(
    'logsumexp',
    (a) => a.logsumexp([1]),
    () => [u([2, 3, 4], 94)],
  );
  check(
    'logsumexp keepdim',
    (a) => a.logsumexp([0, 2], true),
    () => [u([2, 3, 4], 95)],
  );
  check(
    'var dim',
    (a) => a.variance([1]),
    () => [u([2, 3, 4], 96)],
  );
  check(
    'var all biased',
    (a) => a.variance(null, false),
    () => [u([2, 3, 4], 97)],
  );
  check(
    'var dims keepdim',
    (a) => a.variance([0, 2], true, true),
    () => [u([2, 3, 4], 98)],
  );
  check(
    'std dim',
    (a) => a.std([2]),
    () => [u([2, 3, 4], 99)],
  );
  check(
    'std all',
    (a) => a.std(),
    () => [u([2, 3, 4], 100)],
  );
  check(
    'std biased keepdim',
    (a) => a.std([1], false, true),
    () => [u([2, 3, 4], 101)],
  );
  check(
    'cumsum',
    (a) => a.cumsum(1),
    () => [u([2, 4], 102)],
  );
  check(
    'sort values',
    (a) => a.sort(-1, true)[0],
    () => [distinct([3, 4], 103)],
  );
  check(
    'topk values',
    (a) => a.topk(2, 1)[0],
    () => [distinct([3, 5], 104)],
  );
});

test('linear algebra: matmul, mm, bmm, linear, einsum', () => {
  check(
    'matmul 2d',
    (a, b) => a.matmul(b),
    () => [u([2, 3], 110), u([3, 4], 111)],
  );
  check(
    'matmul batched broadcast',
    (a, b) => a.matmul(b),
    () => [u([2, 2, 3], 112), u([3, 4], 113)],
  );
  check(
    'matmul vector',
    (a, b) => a.matmul(b),
    () => [u([2, 3], 114), u([3], 115)],
  );
  check(
    'mm',
    (a, b) => a.mm(b),
    () => [u([3, 2], 116), u([2, 4], 117)],
  );
  check(
    'bmm',
    (a, b) => a.bmm(b),
    () => [u([2, 3, 2], 118), u([2, 2, 3], 119)],
  );
  check(
    'linear',
    (x, w, b) => T.linear(x, w, b),
    () => [u([3, 4], 120), u([2, 4], 121), u([2], 122)],
  );
  check(
    'linear no bias 3d',
    (x, w) => T.linear(x, w),
    () => [u([2, 3, 4], 123), u([5, 4], 124)],
  );
  check(
    'einsum ij,jk->ik',
    (a, b) => T.einsum('ij,jk->ik', [a, b]),
    () => [u([2, 3], 125), u([3, 2], 126)],
  );
  check(
    'einsum nrhw,nchw->nrc',
    (m, f) => T.einsum('nrhw,nchw->nrc', [m, f]),
    () => [u([2, 3, 2, 3], 127), u([2, 2, 2, 3], 128)],
  );
  check(
    'einsum bij->bji',
    (a) => T.einsum('bij->bji', [a]),
    () => [u([2, 3, 2], 129)],
  );
});

test('conv2d: stride, padding, dilation, groups (input, weight, bias)', () => {
  check(
    'conv2d plain',
    (x, w, b) => T.conv2d(x, w, b),
    () => [u([2, 2, 4, 5], 130), u([3, 2, 3, 3], 131), u([3], 132)],
  );
  check(
    'conv2d stride 2 padding 1',
    (x, w, b) => T.conv2d(x, w, b, [2, 2], [1, 1]),
    () => [u([1, 2, 5, 6], 133), u([2, 2, 3, 3], 134), u([2], 135)],
  );
  check(
    'conv2d groups 2',
    (x, w, b) => T.conv2d(x, w, b, [1, 1], [1, 1], [1, 1], 2),
    () => [u([1, 4, 4, 4], 136), u([4, 2, 3, 3], 137), u([4], 138)],
  );
  check(
    'conv2d dilation 2, asymmetric stride',
    (x, w) => T.conv2d(x, w, null, [1, 2], [2, 1], [2, 2]),
    () => [u([1, 2, 5, 5], 139), u([2, 2, 3, 2], 140)],
  );
  check(
    'conv2d 1x1',
    (x, w) => T.conv2d(x, w),
    () => [u([2, 3, 3, 2], 141), u([2, 3, 1, 1], 142)],
  );
});

test('conv_transpose2d raw op: stride, padding, output_padding, groups', () => {
  check(
    'conv_transpose2d plain',
    (x, w, b) => T.convTranspose2d(x, w, b),
    () => [u([2, 2, 3, 4], 150), u([2, 3, 3, 3], 151), u([3], 152)],
  );
  check(
    'conv_transpose2d stride 2 padding 1 output_padding 1',
    (x, w, b) => T.convTranspose2d(x, w, b, [2, 2], [1, 1], [1, 1]),
    () => [u([1, 2, 3, 3], 153), u([2, 2, 3, 3], 154), u([2], 155)],
  );
  check(
    'conv_transpose2d groups 2',
    (x, w, b) => T.convTranspose2d(x, w, b, [1, 1], [1, 1], [0, 0], 2),
    () => [u([1, 4, 3, 3], 156), u([4, 1, 3, 3], 157), u([2], 158)],
  );
});

test('nn.ConvTranspose2d conv2d route (padding 0 and 1): values match the raw op, grads wrt input, weight, bias', () => {
  for (const padding of [0, 1]) {
    const m = new nn.ConvTranspose2d(2, 3, 3, { padding }).to('float64');
    try {
      assert.equal(m.usesConv2dRoute, true);
      assert.equal(m.weight.dtype, 'float64');
      tidy(() => {
        const x = u([2, 2, 4, 5], 160 + padding);
        const viaModule = m.forward(x);
        const raw = T.convTranspose2d(x, m.weight, m.bias, [1, 1], [padding, padding]);
        assert.deepEqual(viaModule.shape, [2, 3, 6 - 2 * padding, 7 - 2 * padding]);
        assert.deepEqual(viaModule.shape, raw.shape);
        assertClose(viaModule.toList(), raw.toList(), 1e-12, 1e-12, `ConvTranspose2d route padding ${padding}`);
        // Perturbing the module's own parameters in place: gradients through flip/transpose.
        const n = gradcheck((xx) => m.forward(xx), [x, m.weight, m.bias!], { name: `ConvTranspose2d route padding ${padding}` });
        assert.equal(n, x.numel + m.weight.numel + 3);
      });
    } finally {
      m.dispose();
    }
  }
  // A stride-2 module takes the raw op.
  const s2 = new nn.ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }).to('float64');
  try {
    assert.equal(s2.usesConv2dRoute, false);
    check(
      'ConvTranspose2d stride 2',
      (xx) => s2.forward(xx),
      () => [u([1, 2, 3, 3], 163), s2.weight, s2.bias!],
    );
  } finally {
    s2.dispose();
  }
});

test('batch_norm training and eval (input, weight, bias)', () => {
  check(
    'batch_norm train',
    (x, w, b) => T.batchNorm(x, w, b, null, null, true, 0.1, 1e-5),
    () => [u([3, 2, 3, 3], 170), u([2], 171, 0.5, 1.5), u([2], 172)],
  );
  // With running stats given, training mode still normalises by batch statistics.
  check(
    'batch_norm train with running stats',
    (x, w, b) => {
      const rm = T.zeros([2], 'float64'),
        rv = T.ones([2], 'float64');
      return T.batchNorm(x, w, b, rm, rv, true, 0.1, 1e-5);
    },
    () => [u([2, 2, 2, 3], 173), u([2], 174, 0.5, 1.5), u([2], 175)],
  );
  check(
    'batch_norm eval',
    (x, w, b) => {
      const rm = tensor([0.2, -0.1], { dtype: 'float64' }),
        rv = tensor([0.5, 2], { dtype: 'float64' });
      return T.batchNorm(x, w, b, rm, rv, false, 0.1, 1e-5);
    },
    () => [u([2, 2, 2, 3], 176), u([2], 177, 0.5, 1.5), u([2], 178)],
  );
  check(
    'batch_norm no affine',
    (x) => T.batchNorm(x, null, null, null, null, true),
    () => [u([4, 3, 2], 179)],
  );
});

test('pooling: max (ceil_mode on odd sizes), avg, adaptive max/avg', () => {
  check(
    'max_pool2d 2x2 ceil_mode 5x7',
    (x) => T.maxPool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], true),
    () => [distinct([1, 2, 5, 7], 180)],
  );
  check(
    'max_pool2d 2x2 floor 5x7',
    (x) => T.maxPool2d(x, [2, 2], [2, 2]),
    () => [distinct([1, 2, 5, 7], 181)],
  );
  check(
    'max_pool2d 3x3 stride 2 pad 1',
    (x) => T.maxPool2d(x, [3, 3], [2, 2], [1, 1]),
    () => [distinct([2, 1, 5, 6], 182)],
  );
  check(
    'avg_pool2d 2x2 ceil_mode 5x7',
    (x) => T.avgPool2d(x, [2, 2], [2, 2], [0, 0], true),
    () => [u([1, 2, 5, 7], 183)],
  );
  check(
    'avg_pool2d 3x3 pad 1 exclude pad',
    (x) => T.avgPool2d(x, [3, 3], [1, 1], [1, 1], false, false),
    () => [u([1, 1, 4, 5], 184)],
  );
  check(
    'adaptive_max_pool2d',
    (x) => T.adaptiveMaxPool2d(x, [2, 3]),
    () => [distinct([1, 2, 5, 7], 185)],
  );
  check(
    'adaptive_avg_pool2d',
    (x) => T.adaptiveAvgPool2d(x, [3, 2]),
    () => [u([1, 2, 5, 7], 186)],
  );
  check(
    'adaptive_avg_pool2d global',
    (x) => T.adaptiveAvgPool2d(x, [1, 1]),
    () => [u([2, 2, 3, 3], 187)],
  );
});

test('upsampling: nearest to an odd size, bilinear', () => {
  check(
    'upsample_nearest2d 3x4 -> 7x9',
    (x) => T.upsampleNearest2d(x, [7, 9]),
    () => [u([1, 2, 3, 4], 190)],
  );
  check(
    'upsample_nearest2d 5x7 -> 3x4 (down)',
    (x) => T.upsampleNearest2d(x, [3, 4]),
    () => [u([1, 1, 5, 7], 191)],
  );
  check(
    'interpolate nearest 2x3 -> 5x5',
    (x) => nn.functional.interpolate(x, { size: [5, 5] }),
    () => [u([1, 2, 2, 3], 192)],
  );
  check(
    'upsample_bilinear2d 3x4 -> 5x7',
    (x) => T.upsampleBilinear2d(x, [5, 7]),
    () => [u([1, 2, 3, 4], 193)],
  );
  check(
    'upsample_bilinear2d align_corners',
    (x) => T.upsampleBilinear2d(x, [5, 6], true),
    () => [u([1, 1, 3, 4], 194)],
  );
  check(
    'interpolate bilinear',
    (x) => nn.functional.interpolate(x, { size: [4, 7], mode: 'bilinear' }),
    () => [u([1, 1, 3, 3], 195)],
  );
});

test('shape and indexing ops', () => {
  check(
    'reshape',
    (a) => a.reshape([3, -1]),
    () => [u([2, 3, 2], 200)],
  );
  check(
    'view',
    (a) => a.view([6, 2]),
    () => [u([2, 3, 2], 201)],
  );
  check(
    'permute',
    (a) => a.permute([2, 0, 1]),
    () => [u([2, 3, 2], 202)],
  );
  check(
    'transpose',
    (a) => a.transpose(0, 2),
    () => [u([2, 3, 2], 203)],
  );
  check(
    'T()',
    (a) => a.T(),
    () => [u([2, 3], 204)],
  );
  check(
    'flatten',
    (a) => a.flatten(1),
    () => [u([2, 3, 2], 205)],
  );
  check(
    'flatten range',
    (a) => a.flatten(0, 1),
    () => [u([2, 3, 2], 206)],
  );
  check(
    'squeeze all',
    (a) => a.squeeze(),
    () => [u([2, 1, 3, 1], 207)],
  );
  check(
    'squeeze dim',
    (a) => a.squeeze(1),
    () => [u([2, 1, 3], 208)],
  );
  check(
    'unsqueeze',
    (a) => a.unsqueeze(1),
    () => [u([2, 3], 209)],
  );
  check(
    'expand',
    (a) => a.expand([4, 2, 3]),
    () => [u([2, 1], 210)],
  );
  check(
    'repeat',
    (a) => a.repeat([2, 3]),
    () => [u([2, 2], 211)],
  );
  check(
    'cat',
    (a, b) => T.cat([a, b], 1),
    () => [u([2, 2], 212), u([2, 3], 213)],
  );
  check(
    'stack',
    (a, b) => T.stack([a, b], 2),
    () => [u([2, 3], 214), u([2, 3], 215)],
  );
  check(
    'split',
    (a) => a.split(2, 1),
    () => [u([2, 5], 216)],
  );
  check(
    'split_with_sizes',
    (a) => a.splitWithSizes([1, 3], 0),
    () => [u([4, 2], 217)],
  );
  check(
    'chunk',
    (a) => a.chunk(3, 1),
    () => [u([2, 6], 218)],
  );
  check(
    'narrow',
    (a) => a.narrow(1, 1, 2),
    () => [u([3, 4], 219)],
  );
  check(
    'select',
    (a) => a.select(0, 1),
    () => [u([3, 4], 220)],
  );
  check(
    'slice step',
    (a) => a.slice(1, 1, null, 2),
    () => [u([3, 5], 221)],
  );
  check(
    'index_select (repeated index)',
    (a) => a.indexSelect(1, i64([2, 0, 2])),
    () => [u([2, 4], 222)],
  );
  check(
    'gather',
    (a) => a.gather(1, i64([0, 2, 2, 1, 1, 0], [2, 3])),
    () => [u([2, 4], 223)],
  );
  check(
    'flip',
    (a) => a.flip([0, 2]),
    () => [u([2, 3, 2], 224)],
  );
  check(
    'contiguous channels_last',
    (a) => a.contiguous('channels_last'),
    () => [u([1, 2, 2, 3], 225)],
  );
  check(
    'clone',
    (a) => a.clone(),
    () => [u([3], 226)],
  );
  check(
    'to_dtype float32 round trip',
    (a) => a.toDtype('float64').mul(2),
    () => [u([3], 227)],
  );
});

test('losses: bce with logits (weight, pos_weight), cross_entropy (weights, ignore_index, NCHW), mse, nll', () => {
  const target = (): Tensor =>
    tensor(
      [
        [1, 0, 1],
        [0, 0.3, 1],
      ],
      { dtype: 'float64' },
    );
  check(
    'bce mean',
    (x) => T.binaryCrossEntropyWithLogits(x, target()),
    () => [u([2, 3], 230, -2, 2)],
  );
  check(
    'bce weight + pos_weight',
    (x) =>
      T.binaryCrossEntropyWithLogits(
        x,
        target(),
        tensor(
          [
            [0.5, 1, 2],
            [1, 1, 0.25],
          ],
          { dtype: 'float64' },
        ),
        tensor([3, 0.5, 1.5], { dtype: 'float64' }),
      ),
    () => [u([2, 3], 231, -2, 2)],
  );
  check(
    'bce pos_weight, none',
    (x) => nn.functional.binaryCrossEntropyWithLogits(x, target(), { posWeight: tensor([2, 1, 4], { dtype: 'float64' }), reduction: 'none' }),
    () => [u([2, 3], 232, -2, 2)],
  );
  check(
    'bce sum',
    (x) => nn.functional.binaryCrossEntropyWithLogits(x, target(), { reduction: 'sum' }),
    () => [u([2, 3], 233, -2, 2)],
  );

  // N=2, C=3, H=2, W=2 with class weights and ignored pixels (label 255).
  const labels = (): Tensor => i64([0, 2, 255, 1, 1, 255, 0, 2], [2, 2, 2]);
  const cw = (): Tensor => tensor([0.5, 2, 1], { dtype: 'float64' });
  check(
    'cross_entropy NCHW weight ignore_index',
    (x) => nn.functional.crossEntropy(x, labels(), { weight: cw(), ignoreIndex: 255 }),
    () => [u([2, 3, 2, 2], 234, -2, 2)],
  );
  check(
    'cross_entropy NCHW sum',
    (x) => nn.functional.crossEntropy(x, labels(), { ignoreIndex: 255, reduction: 'sum' }),
    () => [u([2, 3, 2, 2], 235, -2, 2)],
  );
  check(
    'cross_entropy none',
    (x) => nn.functional.crossEntropy(x, labels(), { weight: cw(), ignoreIndex: 255, reduction: 'none' }),
    () => [u([2, 3, 2, 2], 236, -2, 2)],
  );
  check(
    'cross_entropy N×C label smoothing',
    (x) => nn.functional.crossEntropy(x, i64([2, 0, 1]), { labelSmoothing: 0.1 }),
    () => [u([3, 4], 237, -2, 2)],
  );
  check(
    'nll_loss',
    (x) => T.nllLoss(x.logSoftmax(1), labels(), cw(), 1, 255),
    () => [u([2, 3, 2, 2], 238, -2, 2)],
  );
  check(
    'mse mean (input and target)',
    (x, y) => T.mseLoss(x, y),
    () => [u([2, 3], 239), u([2, 3], 240)],
  );
  check(
    'mse sum',
    (x, y) => T.mseLoss(x, y, 2),
    () => [u([4], 241), u([4], 242)],
  );
  check(
    'dropout eval is identity',
    (x) => T.dropout(x, 0.5, false),
    () => [u([4], 243)],
  );
});

test('a composite: conv → batch_norm → prelu → max_pool → upsample → cross_entropy', () => {
  const labels = (): Tensor => i64([0, 1, 1, 0, 2, 2, 1, 0, 255, 1, 0, 2, 2, 1, 0, 1, 2, 0, 1, 255], [1, 4, 5]);
  check(
    'composite',
    (x, w, g, b, a) => {
      const y = T.conv2d(x, w, null, [1, 1], [1, 1]);
      const z = T.prelu(T.batchNorm(y, g, b, null, null, true), a);
      const p = T.maxPool2d(z, [2, 2], [2, 2], [0, 0], [1, 1], true);
      const up = T.upsampleNearest2d(p, [4, 5]);
      return nn.functional.crossEntropy(up, labels(), { ignoreIndex: 255 });
    },
    () => [u([1, 2, 4, 5], 250), u([3, 2, 3, 3], 251), u([3], 252, 0.5, 1.5), u([3], 253), u([3], 254, 0.1, 0.3)],
  );
});

test('dropout in training (mask fixed by reseeding) and in-place ops on intermediate tensors', () => {
  check(
    'dropout train',
    (x) => {
      T.manualSeed(5);
      return T.dropout(x, 0.4, true);
    },
    () => [u([3, 5], 260)],
  );
  tidy(() => {
    // The check above must have dropped something and scaled the rest by 1/(1-p).
    T.manualSeed(5);
    const y = T.dropout(T.ones([3, 5], 'float64'), 0.4, true).toList();
    assert.ok(y.some((v) => v === 0) && y.some((v) => Math.abs(v - 1 / 0.6) < 1e-12) && y.every((v) => v === 0 || Math.abs(v - 1 / 0.6) < 1e-12));
  });
  // mul(1) makes a non-leaf that in-place ops may modify under autograd.
  check(
    'add_',
    (a, b) => a.mul(1).add_(b, 2),
    () => [u([2, 3], 261), u([3], 262)],
  );
  check(
    'sub_ scalar',
    (a) => a.mul(1).sub_(0.5),
    () => [u([2, 3], 263)],
  );
  check(
    'mul_',
    (a, b) => a.mul(1).mul_(b),
    () => [u([2, 3], 264), u([2, 3], 265)],
  );
  check(
    'div_',
    (a, b) => a.mul(1).div_(b),
    () => [u([2, 3], 266), pos([2, 3], 267)],
  );
  check(
    'addcmul_',
    (a, b, c) => a.mul(1).addcmul_(b, c, 0.5),
    () => [u([4], 268), u([4], 269), u([4], 270)],
  );
  check(
    'addcdiv_',
    (a, b, c) => a.mul(1).addcdiv_(b, c, -0.5),
    () => [u([4], 271), u([4], 272), pos([4], 273)],
  );
  check(
    'lerp_',
    (a, b) => a.mul(1).lerp_(b, 0.3),
    () => [u([4], 274), u([4], 275)],
  );
  check(
    'sqrt_',
    (a) => a.mul(1).sqrt_(),
    () => [pos([4], 276)],
  );
  check(
    'clamp_min_',
    (a) => a.mul(1).clampMin_(0.05),
    () => [distinct([8], 277)],
  );
  check(
    'copy_ (gradient flows to the source)',
    (a, b) => a.mul(1).copy_(b).mul(a),
    () => [u([4], 278), u([4], 279)],
  );
  check(
    'fill_ cuts the gradient',
    (a) => a.mul(1).fill_(2).add(a),
    () => [u([4], 280)],
  );
});
