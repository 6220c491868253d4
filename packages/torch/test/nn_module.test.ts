// nn.Module: registration, state dicts (keys, order, loading and its errors),
// train/eval, BatchNorm's running statistics, to(dtype), dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../lib/index.js';
import { Tensor, tensor, tidy, noGrad, nn, liveTensors, manualSeed } from '../lib/index.js';
import { assertClose } from './helpers/gradcheck.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Exposes the protected registration methods. */
class Open extends nn.Module {
  param(name: string, t: Tensor): Tensor {
    return this.registerParameter(name, t);
  }
  buffer(name: string, t: Tensor): Tensor {
    return this.registerBuffer(name, t);
  }
  child<M extends nn.Module>(name: string, m: M): M {
    return this.registerModule(name, m);
  }
}

class Head extends nn.Module {
  readonly up = this.registerModule('up', new nn.ConvTranspose2d(3, 2, 3, { padding: 1, bias: false }));
  readonly act = this.registerModule('act', new nn.PReLU(2));
  forward(x: Tensor): Tensor {
    return this.act.forward(this.up.forward(x));
  }
}

/** Nested like facet's networks: own parameter and buffer, children, a Sequential. */
class Net extends nn.Module {
  readonly scale = this.registerParameter('scale', T.ones([1]));
  readonly steps = this.registerBuffer('steps', T.zeros([], 'int64'));
  readonly conv = this.registerModule('conv', new nn.Conv2d(2, 3, 3, { padding: 1 }));
  readonly bn = this.registerModule('bn', new nn.BatchNorm2d(3));
  readonly head = this.registerModule('head', new Head());
  forward(x: Tensor): Tensor {
    return this.head.forward(this.bn.forward(this.conv.forward(x))).mul(this.scale);
  }
}

const EXPECTED_KEYS = [
  // PyTorch's order: a module's parameters, then its buffers, then its children.
  'scale',
  'steps',
  'conv.weight',
  'conv.bias',
  'bn.weight',
  'bn.bias',
  'bn.running_mean',
  'bn.running_var',
  'bn.num_batches_tracked',
  'head.up.weight',
  'head.act.weight',
];

test('registration rejects empty, dotted and duplicate names, accepts numeric ones', () => {
  const before = liveTensors();
  const m = new Open();
  try {
    tidy(() => {
      for (const bad of ['', 'a.b', '.a', 'a.', 'x..y']) {
        assert.throws(() => m.param(bad, T.ones([1])), TypeError, `parameter name '${bad}'`);
        assert.throws(() => m.buffer(bad, T.ones([1])), TypeError, `buffer name '${bad}'`);
        assert.throws(() => m.child(bad, new Open()), TypeError, `module name '${bad}'`);
      }
      m.param('w', T.ones([1]));
      assert.throws(() => m.param('w', T.ones([1])), /twice/);
      assert.throws(() => m.buffer('w', T.ones([1])), /twice/, 'a buffer may not reuse a parameter name');
      assert.throws(() => m.child('w', new Open()), /twice/, 'a child may not reuse a parameter name');
      m.child('sub', new Open());
      assert.throws(() => m.param('sub', T.ones([1])), /twice/);
      m.buffer('b_1', T.ones([1]));
      m.child('0', new Open()); // PyTorch's Sequential / ModuleList names
      m.param('12', T.ones([1]));
    });
    assert.deepEqual([...m.stateDict().keys()], ['w', '12', 'b_1']);
    assert.equal(liveTensors(), before + 3, 'registered tensors leave the scope; rejected ones do not');
  } finally {
    m.dispose();
  }
  assert.equal(liveTensors(), before);
});

test('stateDict: keys and order of a nested module; parameters vs buffers', () => {
  const net = new Net();
  try {
    assert.deepEqual([...net.stateDict().keys()], EXPECTED_KEYS);
    const params = [...net.namedParameters()].map(([k]) => k);
    assert.deepEqual(params, ['scale', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'head.up.weight', 'head.act.weight']);
    assert.deepEqual(
      [...net.namedBuffers()].map(([k]) => k),
      ['steps', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'],
    );
    assert.deepEqual(
      [...net.namedModules()].map(([k]) => k),
      ['', 'conv', 'bn', 'head', 'head.up', 'head.act'],
    );
    assert.deepEqual(
      [...net.namedChildren()].map(([k]) => k),
      ['conv', 'bn', 'head'],
    );
    assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf));
    assert.ok([...net.namedBuffers()].every(([, b]) => !b.requiresGrad));
    assert.equal(net.parameterCount(), 1 + (3 * 2 * 9 + 3) + (3 + 3) + 3 * 2 * 9 + 2);
    // The state dict holds the live tensors, not copies.
    assert.equal(net.stateDict().get('conv.weight'), net.conv.weight);
    assert.equal(net.stateDict().get('bn.running_mean'), net.bn.runningMean);
    // Shapes as in PyTorch.
    const shapes = Object.fromEntries([...net.stateDict()].map(([k, t]) => [k, t.shape]));
    assert.deepEqual(shapes['conv.weight'], [3, 2, 3, 3]);
    assert.deepEqual(shapes['head.up.weight'], [3, 2, 3, 3], 'ConvTranspose2d weight is [in, out, kh, kw]');
    assert.deepEqual(shapes['bn.num_batches_tracked'], []);
    assert.equal(net.bn.numBatchesTracked.dtype, 'int64');
  } finally {
    net.dispose();
  }
});

test('loadStateDict copies values; errors name the key and both shapes, and missing/unexpected keys', () => {
  manualSeed(3);
  const a = new Net(),
    b = new Net();
  try {
    tidy(() => {
      // Values move from one instance to another (they start different).
      assert.notDeepEqual(a.conv.weight.toList(), b.conv.weight.toList());
      const r = b.loadStateDict(a.stateDict());
      assert.deepEqual(r, { missing: [], unexpected: [] });
      for (const [k, t] of a.stateDict()) assert.deepEqual(b.stateDict().get(k)!.toList(), t.toList(), k);
      assert.notEqual(b.conv.weight, a.conv.weight, 'copied, not shared');
      assert.equal(b.conv.weight.requiresGrad, true);
      assert.equal(b.conv.weight.isLeaf, true);

      // Shape mismatch: the key and both shapes.
      const wrong = new Map(a.stateDict());
      wrong.set('conv.weight', T.zeros([3, 2, 5, 5]));
      assert.throws(
        () => b.loadStateDict(wrong),
        (e: unknown) => {
          const msg = (e as Error).message;
          assert.match(msg, /conv\.weight/);
          assert.match(msg, /\[3, 2, 5, 5\]/);
          assert.match(msg, /\[3, 2, 3, 3\]/);
          return true;
        },
      );

      // Missing and unexpected keys (strict by default).
      const partial = new Map(a.stateDict());
      partial.delete('bn.running_var');
      partial.delete('head.act.weight');
      partial.set('extra.weight', T.zeros([1]));
      assert.throws(
        () => b.loadStateDict(partial),
        (e: unknown) => {
          const msg = (e as Error).message;
          assert.match(msg, /missing keys \[bn\.running_var, head\.act\.weight\]/);
          assert.match(msg, /unexpected keys \[extra\.weight\]/);
          return true;
        },
      );
      const loose = b.loadStateDict(partial, { strict: false });
      assert.deepEqual(loose, { missing: ['bn.running_var', 'head.act.weight'], unexpected: ['extra.weight'] });

      // num_batches_tracked may be missing (PyTorch exports may drop it).
      const noTracked = new Map(a.stateDict());
      noTracked.delete('bn.num_batches_tracked');
      assert.deepEqual(b.loadStateDict(noTracked), { missing: [], unexpected: [] });

      // A plain object works as a source too.
      const obj = Object.fromEntries(a.stateDict());
      assert.deepEqual(b.loadStateDict(obj), { missing: [], unexpected: [] });
    });
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('train/eval propagate to every submodule', () => {
  const net = new Net();
  try {
    const flags = (): boolean[] => [...net.namedModules()].map(([, m]) => m.training);
    assert.ok(
      flags().every((f) => f),
      'modules start in training mode',
    );
    assert.equal(net.eval(), net, 'eval() returns the module');
    assert.ok(flags().every((f) => !f));
    net.train();
    assert.ok(flags().every((f) => f));
    net.train(false);
    assert.ok(flags().every((f) => !f));
    net.head.train();
    assert.deepEqual(flags(), [false, false, false, true, true, true], 'train() on a child reaches only its subtree');
  } finally {
    net.dispose();
  }
});

test("BatchNorm2d: running stats update only in training, by PyTorch's rule", () => {
  const bn = new nn.BatchNorm2d(2, { momentum: 0.5 });
  try {
    tidy(() => {
      // Channel 0: values 1..4 (mean 2.5, unbiased var 5/3); channel 1: 0, 2, 4, 6 (mean 3, unbiased var 20/3).
      const x = tensor([
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [0, 2],
            [4, 6],
          ],
        ],
      ]);
      const y = bn.forward(x);
      assert.deepEqual(bn.runningMean.toList(), [0.5 * 0 + 0.5 * 2.5, 0.5 * 0 + 0.5 * 3]);
      assertClose(bn.runningVar.toList(), [0.5 * 1 + 0.5 * (5 / 3), 0.5 * 1 + 0.5 * (20 / 3)], 1e-6, 1e-6, 'running_var uses the unbiased variance');
      assert.equal(bn.numBatchesTracked.item(), 1);
      // Training output uses the batch statistics (biased variance).
      const s0 = Math.sqrt(1.25 + 1e-5),
        s1 = Math.sqrt(5 + 1e-5);
      assertClose(y.toList(), [-1.5 / s0, -0.5 / s0, 0.5 / s0, 1.5 / s0, -3 / s1, -1 / s1, 1 / s1, 3 / s1], 1e-6, 1e-6, 'train output');

      bn.eval();
      const mean = bn.runningMean.toList(),
        vr = bn.runningVar.toList();
      const z = bn.forward(x);
      assert.deepEqual(bn.runningMean.toList(), mean, 'eval leaves running_mean');
      assert.deepEqual(bn.runningVar.toList(), vr, 'eval leaves running_var');
      assert.equal(bn.numBatchesTracked.item(), 1, 'eval does not count batches');
      const expect = [1, 2, 3, 4, 0, 2, 4, 6].map((v, i) => (v - mean[i < 4 ? 0 : 1]!) / Math.sqrt(vr[i < 4 ? 0 : 1]! + 1e-5));
      assertClose(z.toList(), expect, 1e-6, 1e-6, 'eval output uses the running stats');

      bn.train();
      noGrad(() => bn.forward(x));
      assert.equal(bn.numBatchesTracked.item(), 2);
      assert.notDeepEqual(bn.runningMean.toList(), mean, 'training again moves the stats');
    });
  } finally {
    bn.dispose();
  }
});

test("Module.to('float64') keeps the layers' fields valid; dispose frees everything", () => {
  const before = liveTensors();
  const net = new Net();
  assert.ok(liveTensors() > before);
  tidy(() => {
    const x = T.randn([1, 2, 4, 4]);
    const y32 = noGrad(() => net.eval().forward(x)).toList();
    net.to('float64');
    assert.equal(net.conv.weight.dtype, 'float64');
    assert.equal(net.stateDict().get('conv.weight'), net.conv.weight, 'the field is the registered tensor');
    assert.equal(net.bn.runningMean.dtype, 'float64');
    assert.equal(net.bn.numBatchesTracked.dtype, 'int64', 'integer buffers keep their dtype');
    assert.equal(net.steps.dtype, 'int64');
    assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf && p.dtype === 'float64'));
    const y64 = noGrad(() => net.forward(x.toDtype('float64')));
    assert.equal(y64.dtype, 'float64');
    assertClose(y64.toList(), y32, 1e-5, 1e-5, 'float64 forward matches float32');
    net.train();
    net.forward(x.toDtype('float64')).sum().backward();
    assert.equal(net.conv.weight.grad!.dtype, 'float64');
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
  });
  net.dispose();
  assert.equal(liveTensors(), before, 'dispose() frees parameters and buffers');
});

test("Module.to('lazy') and back (devices set_data cannot reach): the same tensor objects, values, requiresGrad; no leak", () => {
  T.useLazyDevice();
  const before = liveTensors();
  const net = new Net();
  tidy(() => {
    const x = T.randn([1, 2, 4, 4]);
    const y = noGrad(() => net.eval().forward(x)).toList();
    const params = net.parameters();
    net.to('lazy');
    assert.ok(net.parameters().every((p, i) => p === params[i] && p.device === 'lazy:0' && p.requiresGrad && p.isLeaf));
    assert.equal(net.bn.runningMean.device, 'lazy:0');
    assert.equal(net.stateDict().get('conv.weight'), net.conv.weight, 'the field is the registered tensor');
    assertClose(noGrad(() => net.forward(x.to('lazy'))).toList(), y, 1e-6, 1e-6, 'lazy forward matches the CPU');
    net.to('cpu');
    assert.ok(net.parameters().every((p) => p.device === 'cpu' && p.requiresGrad));
    assertClose(noGrad(() => net.forward(x)).toList(), y, 0, 0, 'back on the CPU: the same weights');
  });
  net.dispose();
  assert.equal(liveTensors(), before, 'the swapped-out tensors are freed');
});

test('loadedLibtorch names the folder of the libtorch_cpu.so this process mapped', () => {
  const dir = T.loadedLibtorch();
  assert.ok(dir && existsSync(join(dir, 'libtorch_cpu.so')), String(dir));
});

test('Sequential names children 0, 1, … as PyTorch does', () => {
  const s = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2, { bias: false }));
  try {
    assert.deepEqual([...s.stateDict().keys()], ['0.weight', '0.bias', '2.weight']);
    tidy(() => assert.deepEqual(s.forward(T.ones([5, 3])).shape, [5, 2]));
  } finally {
    s.dispose();
  }
});

test('ConvTranspose2d takes the conv2d route only where it applies', () => {
  const route = (o: nn.ConvTransposeOptions, k = 3): boolean => {
    const m = new nn.ConvTranspose2d(2, 2, k, o);
    try {
      return m.usesConv2dRoute;
    } finally {
      m.dispose();
    }
  };
  assert.equal(route({}), true);
  assert.equal(route({ padding: 1 }), true);
  assert.equal(route({ padding: 2 }), true);
  assert.equal(route({ padding: 3 }), false, 'padding > k-1');
  assert.equal(route({ stride: 2 }), false);
  assert.equal(route({ dilation: 2 }), false);
  assert.equal(route({ groups: 2 }), false);
  assert.equal(route({ stride: 2, outputPadding: 1 }), false);
});
