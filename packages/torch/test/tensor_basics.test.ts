// Tensors: dtypes and typed arrays, creation and seeding (against PyTorch), shape and
// device, memory formats, autocast, errors, disposal and scopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../lib/index.js';
import { Tensor, tensor, tidy, keep, noGrad, manualSeed, autocast, liveTensors, loadSafetensors, scopeDepth } from '../lib/index.js';
import { assertClose } from './helpers/gradcheck.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = [join(here, '..', '..', 'fixtures', 'ops'), join(here, '..', 'fixtures', 'ops')].find((p) => existsSync(p))!;

test('every dtype round-trips from and to typed arrays', () => {
  tidy(() => {
    const f32 = tensor(new Float32Array([1.5, -2.25, 3e-8, 1e30]), [2, 2]);
    assert.equal(f32.dtype, 'float32');
    assert.deepEqual(f32.shape, [2, 2]);
    assert.ok(f32.data() instanceof Float32Array);
    assert.deepEqual(Array.from(f32.data() as Float32Array), Array.from(new Float32Array([1.5, -2.25, 3e-8, 1e30])));

    const f64v = [Math.PI, -1e-300, 1e300, 0.1];
    const f64 = tensor(new Float64Array(f64v), [4]);
    assert.equal(f64.dtype, 'float64');
    assert.ok(f64.data() instanceof Float64Array);
    assert.deepEqual(Array.from(f64.data() as Float64Array), f64v);

    const i64v = [0n, -1n, 9007199254740993n, -(2n ** 62n)];
    const i64 = tensor(BigInt64Array.from(i64v), [2, 2]);
    assert.equal(i64.dtype, 'int64');
    assert.ok(i64.data() instanceof BigInt64Array);
    assert.deepEqual(Array.from(i64.data() as BigInt64Array), i64v, 'int64 keeps all 64 bits');

    const i32v = [2147483647, -2147483648, 0, 7];
    const i32 = tensor(Int32Array.from(i32v), [4]);
    assert.equal(i32.dtype, 'int32');
    assert.ok(i32.data() instanceof Int32Array);
    assert.deepEqual(Array.from(i32.data() as Int32Array), i32v);

    const u8 = tensor(Uint8Array.from([0, 1, 128, 255]), [4]);
    assert.equal(u8.dtype, 'uint8');
    assert.deepEqual(Array.from(u8.data() as Uint8Array), [0, 1, 128, 255]);

    const b = tensor(Uint8Array.from([1, 0, 0, 1]), [4], { dtype: 'bool' });
    assert.equal(b.dtype, 'bool');
    assert.ok(b.data() instanceof Uint8Array);
    assert.deepEqual(Array.from(b.data() as Uint8Array), [1, 0, 0, 1]);
    const bn = tensor([true, false, true], { dtype: 'bool' });
    assert.equal(bn.dtype, 'bool');
    assert.deepEqual(bn.toList(), [1, 0, 1]);

    // bfloat16: Uint16Array holds the bits; data() widens to float32, bytes() keeps 2 bytes each.
    const bits = Uint16Array.from([0x3f80, 0xc040, 0x0000, 0x7f80]); // 1, -3, 0, +inf
    const bf = tensor(bits, [4]);
    assert.equal(bf.dtype, 'bfloat16');
    assert.ok(bf.data() instanceof Float32Array);
    assert.deepEqual(Array.from(bf.data() as Float32Array), [1, -3, 0, Infinity]);
    const raw = bf.bytes();
    assert.equal(raw.length, 8);
    assert.deepEqual(Array.from(new Uint16Array(raw.buffer, raw.byteOffset, 4)), Array.from(bits));

    // Nested arrays with a dtype option.
    const n64 = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'int64' },
    );
    assert.equal(n64.dtype, 'int64');
    assert.deepEqual(n64.shape, [2, 2]);
    assert.deepEqual(n64.toList(), [1, 2, 3, 4]);
    const nbf = tensor([1, 2.5, -0.5], { dtype: 'bfloat16' });
    assert.equal(nbf.dtype, 'bfloat16');
    assert.deepEqual(nbf.toList(), [1, 2.5, -0.5]);
    assert.throws(() => tensor([[1, 2], [3]]), TypeError, 'ragged arrays are refused');
  });
});

test('dtype conversions match PyTorch (bfloat16 rounding, int truncation, bool)', () => {
  tidy(() => {
    const f = loadSafetensors(join(FIXTURES, 'dtypes.safetensors'));
    const src = f.get('src')!;
    assert.equal(src.dtype, 'float32');
    const bf = src.toDtype('bfloat16');
    assert.equal(bf.dtype, 'bfloat16');
    assert.deepEqual(Array.from(bf.bytes()), Array.from(f.get('bf16')!.bytes()), 'float32 -> bfloat16 bits');
    assert.deepEqual(bf.toList(), f.get('bf16_back')!.toList());
    assert.deepEqual(src.clamp(-1e6, 1e6).toDtype('int32').toList(), f.get('i32')!.toList());
    assert.deepEqual(src.clamp(-1e6, 1e6).toDtype('int64').toList(), f.get('i64')!.toList());
    assert.deepEqual(src.clamp(0, 255).toDtype('uint8').toList(), f.get('u8')!.toList());
    assert.deepEqual(src.toDtype('bool').toList(), f.get('bool')!.toList());
    assert.deepEqual(src.toDtype('float64').toList(), f.get('f64')!.toList());
    assert.equal(src.to('float64').dtype, 'float64');
    assert.equal(src.to('int64').dtype, 'int64');
    assert.equal(src.float().dtype, 'float32');
  });
});

test('creation: zeros, ones, full, arange, linspace, eye, *_like', () => {
  tidy(() => {
    const z = T.zeros([2, 3]);
    assert.deepEqual(z.shape, [2, 3]);
    assert.equal(z.dtype, 'float32');
    assert.deepEqual(z.toList(), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(T.ones([2], 'int32').toList(), [1, 1]);
    assert.equal(T.ones([2], 'int32').dtype, 'int32');
    assert.deepEqual(T.full([3], 2.5, 'float64').toList(), [2.5, 2.5, 2.5]);
    assert.equal(T.full([3], 2.5, 'float64').dtype, 'float64');
    assert.deepEqual(T.arange(0, 5).toList(), [0, 1, 2, 3, 4]);
    assert.deepEqual(T.arange(1, 2, 0.25).toList(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(T.arange(0, 6, 2, 'int64').toList(), [0, 2, 4]);
    assert.deepEqual(T.linspace(0, 1, 5).toList(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(T.eye(2).toList(), [1, 0, 0, 1]);
    const x = T.full([2, 2], 3, 'float64');
    assert.deepEqual(x.zerosLike().toList(), [0, 0, 0, 0]);
    assert.equal(x.onesLike().dtype, 'float64');
    assert.deepEqual(x.fullLike(-1).toList(), [-1, -1, -1, -1]);
    assert.deepEqual(T.scalar(4).shape, []);
    assert.equal(T.scalar(4).item(), 4);
  });
});

test("rand/randn/randint/randperm: same seed -> same values, and PyTorch's values for that seed", () => {
  tidy(() => {
    const draw = (): number[][] => [T.randn([40]).toList(), T.rand([20]).toList(), T.randint(0, 100, [20]).toList()];
    manualSeed(99);
    const a = draw();
    manualSeed(99);
    const b = draw();
    assert.deepEqual(a, b, 'same seed, same values');
    manualSeed(100);
    assert.notDeepEqual(draw()[0], a[0], 'another seed, other values');

    const ref = loadSafetensors(join(FIXTURES, 'rng.safetensors'));
    manualSeed(1234);
    const close = (got: Tensor, key: string): void => {
      const e = ref.get(key)!;
      assert.deepEqual(got.shape, e.shape, key);
      assert.equal(got.dtype, e.dtype, key);
      assertClose(got.toList(), e.toList(), 0, 0, `${key} (libtorch's generator as in PyTorch)`);
    };
    close(T.randn([5]), 'seed1234.randn_5');
    close(T.randn([40]), 'seed1234.randn_40');
    close(T.rand([20]), 'seed1234.rand_20');
    close(T.randint(0, 100, [20]), 'seed1234.randint_0_100_20');
    close(T.randn([6], 'float64'), 'seed1234.randn_f64_6');
    manualSeed(7);
    close(T.randn([2, 3]), 'seed7.randn_2x3');
    close(T.randperm(10), 'seed7.randperm_10');

    const r = T.rand([1000]).toList();
    assert.ok(r.every((v) => v >= 0 && v < 1));
    const ri = T.randint(-3, 4, [1000]).toList();
    assert.ok(ri.every((v) => Number.isInteger(v) && v >= -3 && v < 4));
    assert.deepEqual(
      [...new Set(ri)].sort((p, q) => p - q),
      [-3, -2, -1, 0, 1, 2, 3],
    );
  });
});

test('shape, dtype, device, ndim, numel, size(dim)', () => {
  tidy(() => {
    const x = T.zeros([2, 3, 4], 'float64');
    assert.deepEqual(x.shape, [2, 3, 4]);
    assert.equal(x.dtype, 'float64');
    assert.equal(x.device, 'cpu');
    assert.equal(x.ndim, 3);
    assert.equal(x.numel, 24);
    assert.equal(x.size(1), 3);
    assert.equal(x.size(-1), 4);
    assert.throws(() => x.size(3), RangeError);
    const s = T.scalar(1);
    assert.deepEqual(s.shape, []);
    assert.equal(s.numel, 1);
    assert.equal(x.cpu().device, 'cpu');
    assert.match(x.toString(), /shape=\[2, 3, 4\].*float64.*cpu/);
  });
});

test("to('cuda') throws a clear Error on this CPU-only build", () => {
  if (T.cudaAvailable()) return assert.fail('this test expects a CPU-only libtorch');
  assert.equal(T.buildInfo().cuda, false);
  tidy(() => {
    const x = T.ones([2]);
    assert.throws(
      () => x.to('cuda'),
      (e: unknown) => e instanceof Error && !(e instanceof TypeError) && /cuda/i.test((e as Error).message),
    );
    assert.throws(() => T.zeros([2], 'float32', 'cuda'), /cuda/i);
    assert.throws(() => tensor([1, 2], { device: 'cuda' }), /cuda/i);
    assert.throws(() => x.to('tpu'), Error);
  });
});

test('contiguous and channels_last', () => {
  tidy(() => {
    const x = T.arange(0, 2 * 3 * 4 * 5).reshape([2, 3, 4, 5]);
    assert.equal(x.isContiguous(), true);
    assert.equal(x.isContiguous('channels_last'), false);
    const cl = x.contiguous('channels_last');
    assert.equal(cl.isContiguous('channels_last'), true);
    assert.equal(cl.isContiguous(), false);
    assert.deepEqual(cl.shape, [2, 3, 4, 5]);
    assert.deepEqual(cl.toList(), x.toList(), 'values come out in logical (NCHW) order');
    const back = cl.contiguous();
    assert.equal(back.isContiguous(), true);
    const t = x.reshape([6, 20]).transpose(0, 1);
    assert.equal(t.isContiguous(), false);
    assert.equal(t.contiguous().isContiguous(), true);
    assert.deepEqual(t.contiguous().toList(), t.toList());
    // Convolution accepts channels_last input and gives the same values.
    const w = T.linspace(-1, 1, 4 * 3 * 3 * 3).reshape([4, 3, 3, 3]);
    assertClose(T.conv2d(cl, w).toList(), T.conv2d(x, w).toList(), 1e-3, 1e-5, 'conv2d channels_last');
  });
});

test('autocast: bfloat16 conv/matmul inside, float32 outside, state restored', () => {
  tidy(() => {
    const x = T.randn([1, 2, 5, 5]),
      w = T.randn([3, 2, 3, 3]);
    const a = T.randn([4, 3]),
      b = T.randn([3, 2]);
    const [c, m, l, s] = autocast(() => [T.conv2d(x, w), a.matmul(b), T.linear(a, b.T()), x.softmax(1)]);
    assert.equal(c!.dtype, 'bfloat16');
    assert.equal(m!.dtype, 'bfloat16');
    assert.equal(l!.dtype, 'bfloat16');
    assert.equal(s!.dtype, 'float32', 'softmax stays float32');
    // bfloat16 results are close to float32 ones (8 bits of mantissa).
    assertClose(m!.toList(), a.matmul(b).toList(), 0.05, 0.02, 'autocast matmul');
    assert.equal(T.conv2d(x, w).dtype, 'float32');
    assert.equal(a.matmul(b).dtype, 'float32');
    assert.throws(
      () =>
        autocast(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(a.mm(b).dtype, 'float32', 'autocast is off after a throw');
  });
});

test('errors: libtorch failures are Errors with its message; bad JS arguments are TypeErrors', () => {
  tidy(() => {
    const a = T.ones([2, 3]),
      b = T.ones([2, 3]);
    assert.throws(
      () => a.mm(b),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.ok(!(e instanceof TypeError), 'a libtorch error is not a TypeError');
        assert.match((e as Error).message, /mm/);
        assert.match((e as Error).message, /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
        return true;
      },
    );
    assert.throws(
      () => a.add(T.ones([4])),
      (e: unknown) => e instanceof Error && !(e instanceof TypeError) && /size of tensor a \(3\) must match/.test((e as Error).message),
    );
    assert.throws(
      () => T.cat([a, T.ones([2, 3, 1])]),
      (e: unknown) => e instanceof Error && !(e instanceof TypeError),
    );
    const bad = 'not a tensor' as unknown as Tensor;
    assert.throws(() => T.add(bad, a), TypeError);
    assert.throws(() => a.add(bad), TypeError);
    assert.throws(() => T.conv2d(a, bad), TypeError);
    assert.throws(() => T.zeros([1.5]), TypeError);
    assert.throws(() => T.zeros([2, -1]), Error);
    assert.throws(() => a.reshape(['3', 2] as unknown as number[]), TypeError);
    assert.throws(() => a.sum([0.5]), TypeError);
    assert.throws(() => a.transpose(0.5, 1), TypeError);
    assert.throws(() => T.zeros([2], 'float31' as 'float32'), TypeError);
    assert.throws(() => T.cat([a, bad]), TypeError);
  });
});

test('dispose: use after dispose throws, dispose is idempotent, liveTensors counts handles', () => {
  const before = liveTensors();
  const x = T.ones([3]);
  assert.equal(liveTensors(), before + 1);
  const y = x.add(1);
  assert.equal(liveTensors(), before + 2);
  x.dispose();
  assert.equal(x.isDisposed, true);
  assert.equal(liveTensors(), before + 1);
  x.dispose();
  assert.equal(liveTensors(), before + 1, 'a second dispose frees nothing more');
  assert.throws(() => x.shape, /dispose/);
  assert.throws(() => x.add(1), /dispose/);
  assert.throws(() => y.add(x), /dispose/);
  assert.throws(() => x.toList(), /dispose/);
  assert.equal(x.toString(), 'Tensor(<disposed>)');
  assert.deepEqual(y.toList(), [2, 2, 2], 'an op result outlives its input');
  {
    using z = T.zeros([1]);
    assert.equal(liveTensors(), before + 2);
    assert.equal(z.isDisposed, false);
  }
  assert.equal(liveTensors(), before + 1, '`using` disposes at the end of the block');
  y.dispose();
  assert.equal(liveTensors(), before);
});

test('tidy: frees what the scope made except its result; refuses Promises; nests; keep()', async () => {
  const before = liveTensors();
  const r = tidy(() => {
    const a = T.ones([2]);
    const b = a.mul(3);
    a.add(b);
    return b;
  });
  assert.equal(liveTensors(), before + 1);
  assert.deepEqual(r.toList(), [3, 3]);
  r.dispose();

  const obj = tidy(() => ({ p: T.ones([1]), list: [T.zeros([1]), 5], map: new Map([['k', T.ones([2])]]) }));
  assert.equal(liveTensors(), before + 3, 'tensors in objects, arrays and Maps escape');
  obj.p.dispose();
  (obj.list[0] as Tensor).dispose();
  obj.map.get('k')!.dispose();

  let kept: Tensor | null = null;
  tidy(() => {
    const inner = tidy(() => T.ones([1]).add(1));
    assert.equal(scopeDepth(), 1);
    assert.equal(inner.isDisposed, false, 'the inner result moves to the outer scope');
    kept = keep(T.zeros([2]));
  });
  assert.equal(scopeDepth(), 0);
  assert.equal(liveTensors(), before + 1, 'only the kept tensor survives');
  kept!.dispose();

  assert.throws(() => tidy(() => Promise.resolve(T.ones([1])) as unknown as Tensor), TypeError);
  assert.throws(() => tidy((async () => 1) as unknown as () => number), /Promise/);
  assert.equal(scopeDepth(), 0);
  await new Promise((res) => setImmediate(res));
  assert.equal(liveTensors(), before, 'a refused Promise leaves nothing behind');

  assert.throws(
    () =>
      tidy(() => {
        T.ones([5]);
        throw new Error('inside');
      }),
    /inside/,
  );
  assert.equal(liveTensors(), before, 'a throwing scope frees its tensors');
  assert.equal(scopeDepth(), 0);
});

test('autograd basics: requiresGrad, backward, grad getter/setter, noGrad, item', () => {
  tidy(() => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    assert.equal(x.grad, null);
    const y = x.mul(x).sum();
    assert.equal(y.isLeaf, false);
    y.backward();
    assert.deepEqual(x.grad!.toList(), [2, 4, 6]);
    x.mul(2).sum().backward();
    assert.deepEqual(x.grad!.toList(), [4, 6, 8], 'gradients accumulate');
    x.grad = T.zeros([3]);
    assert.deepEqual(x.grad.toList(), [0, 0, 0]);
    x.zeroGrad();
    assert.equal(x.grad as Tensor | null, null);
    const z = noGrad(() => x.mul(2));
    assert.equal(z.requiresGrad, false);
    assert.equal(T.isGradEnabled(), true);
    assert.throws(() => y.backward(), Error, 'a freed graph cannot run backward twice');
    const v = x.mul(2);
    v.backward(tensor([1, 0, -1]));
    assert.deepEqual((x.grad as Tensor | null)!.toList(), [2, 0, -2]);
    assert.equal(T.scalar(2.5).item(), 2.5);
    assert.equal(tensor([7], { dtype: 'int64' }).item(), 7);
    assert.equal(tensor([true], { dtype: 'bool' }).item(), 1);
    assert.throws(() => T.ones([2]).item(), Error);
  });
});
