// The graph constructions against libtorch's own ops on odd sizes: Resize (nearest,
// asymmetric, floor) vs upsample_nearest2d, and the mask shrink (MatMul averaging,
// Gather+ReduceMax) vs adaptive_avg_pool2d / adaptive_max_pool2d, and the three
// PReLU forms vs libtorch's prelu, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { tensor, nn, tidy, prelu } from '@facet/torch';
import { shrinkMasks } from '../src/models/ssp_head.js';
import { adaptiveBins, preluForm } from '../src/infer/onnx/ops.js';
import { preluTestModel, resizeTestModel, shrinkTestModel } from './helpers/onnx_test_models.js';
import { MAX_POOLED_REGIONS } from '../src/regions.js';
import { maxAbsDiff, rng } from './onnx_helpers.js';

async function runOnnx(model: Uint8Array, x: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(model);
  try {
    const out = await s.run({ x: new ort.Tensor('float32', x, dims) });
    const y = out['y']!;
    return { data: y.data as Float32Array, dims: y.dims };
  } finally {
    await s.release();
  }
}

function random(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r());
}

/** The parser's upsampling pairs for an input size, plus some free ones. */
const half = (n: number): number => Math.ceil(n / 2);
const resizePairs: Array<[[number, number], [number, number]]> = [];
for (const [H, W] of [
  [218, 178],
  [45, 37],
  [109, 89],
  [101, 67],
  [13, 7],
  [255, 3],
] as const) {
  const h2 = [half(H), half(W)] as [number, number],
    h4 = [half(h2[0]), half(h2[1])] as [number, number];
  const h8 = [half(h4[0]), half(h4[1])] as [number, number];
  resizePairs.push([h8, h4], [h4, h2], [h2, [H, W]]);
}
resizePairs.push(
  [
    [5, 3],
    [13, 11],
  ],
  [
    [13, 11],
    [5, 3],
  ],
  [
    [7, 7],
    [7, 7],
  ],
  [
    [3, 9],
    [20, 9],
  ],
  [
    [17, 19],
    [50, 61],
  ],
);

test('Resize(nearest, asymmetric, floor) equals libtorch upsample_nearest2d on odd sizes', async () => {
  for (const [[h, w], [oh, ow]] of resizePairs) {
    const x = random(2 * 3 * h * w, h * 100 + w);
    const expected = tidy(() => nn.functional.interpolate(tensor(x, [2, 3, h, w]), { size: [oh, ow] }).data() as Float32Array);
    const got = await runOnnx(resizeTestModel(3, [h, w], [oh, ow]), x, [2, 3, h, w]);
    assert.deepEqual(got.dims, [2, 3, oh, ow]);
    assert.equal(maxAbsDiff(expected, got.data), 0, `${h}×${w} → ${oh}×${ow}`);
  }
});

test("adaptive bins are PyTorch's: [floor(i·n/m), ceil((i+1)·n/m))", () => {
  assert.deepEqual(adaptiveBins(5, 3), [
    [0, 2],
    [1, 4],
    [3, 5],
  ]);
  assert.deepEqual(adaptiveBins(109, 14)[13], [101, 109]);
  assert.deepEqual(adaptiveBins(3, 5), [
    [0, 1],
    [0, 2],
    [1, 2],
    [1, 3],
    [2, 3],
  ]);
});

const shrinkPairs: Array<[[number, number], [number, number]]> = [
  [
    [109, 89],
    [14, 12],
  ],
  [
    [23, 19],
    [3, 3],
  ],
  [
    [55, 45],
    [7, 6],
  ],
  [
    [13, 11],
    [5, 4],
  ],
  [
    [7, 5],
    [7, 5],
  ],
  [
    [10, 9],
    [4, 3],
  ],
  [
    [5, 3],
    [7, 6],
  ],
  [
    [51, 34],
    [7, 5],
  ],
];

for (const maxPooled of [MAX_POOLED_REGIONS, [] as number[], [0, 2, 5]]) {
  test(`mask shrink (max pooled: [${maxPooled.join(', ')}]) equals libtorch's adaptive pooling on odd sizes`, async () => {
    for (const [[h, w], [oh, ow]] of shrinkPairs) {
      // masks with distinct values so a wrong bin shows
      const x = random(2 * 7 * h * w, h * 31 + w);
      const expected = tidy(() => shrinkMasks(tensor(x, [2, 7, h, w]), [oh, ow], maxPooled).data() as Float32Array);
      const got = await runOnnx(shrinkTestModel(7, [h, w], [oh, ow], maxPooled), x, [2, 7, h, w]);
      assert.deepEqual(got.dims, [2, 7, oh, ow]);
      // max pooling is exact; averages differ only by float rounding (row then column means)
      const per = oh * ow;
      for (let n = 0; n < 2; n++)
        for (let r = 0; r < 7; r++) {
          const at = (n * 7 + r) * per;
          const d = maxAbsDiff(expected.subarray(at, at + per), got.data.subarray(at, at + per));
          if (maxPooled.includes(r)) assert.equal(d, 0, `max region ${r}: ${h}×${w} → ${oh}×${ow}`);
          else assert.ok(d <= 1e-6, `avg region ${r}: ${h}×${w} → ${oh}×${ow}: ${d}`);
        }
    }
  });
}

test('PReLU as Max(x, a·x), Min(x, a·x) or PRelu equals libtorch prelu exactly', async () => {
  const cases: Array<[number[], string]> = [
    [[0.25, -0.3, 0, 1, 0.999], 'max'],
    [[1, 1.5, 3, 1.0001, 1], 'min'],
    [[0.2, 1.7, 1, -0.5, 0.9], 'prelu'],
  ];
  const [h, w] = [5, 7];
  for (const [slopes, form] of cases) {
    assert.equal(preluForm(slopes), form);
    const c = slopes.length;
    const x = Float32Array.from(random(2 * c * h * w, c + slopes[1]!), (v, i) => (i % 11 === 0 ? 0 : (v - 0.5) * 8));
    const got = await runOnnx(preluTestModel(slopes, [h, w]), x, [2, c, h, w]);
    const want = tidy(() => prelu(tensor(x, [2, c, h, w]), tensor(new Float32Array(slopes))).data() as Float32Array);
    // bit for bit, except that 0·(negative slope) may come out as 0 or -0
    assert.deepEqual(
      Array.from(got.data, (v) => v + 0),
      Array.from(want, (v) => v + 0),
      form,
    );
  }
});
