// Gradient and known-value checks for what the spec defines beyond plain layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, tensor, randn, rand, softmax, manualSeed, tidy, type Tensor } from '@facet/torch';
import { shrinkMasks, regionFeatures, SSPHead } from '../src/models/ssp_head.js';
import { Gate } from '../src/models/gate.js';
import { AttributeNet } from '../src/models/attribute_net.js';

const f64 = (t: Tensor): Tensor => t.toDtype('float64');

test('mask shrinking: max for regions 3–6, average for 0–2 (known values)', () => {
  // One 4×4 map per region: value = region·100 + position, so every 2×2 cell differs.
  const data = new Float32Array(7 * 16);
  for (let r = 0; r < 7; r++) for (let p = 0; p < 16; p++) data[r * 16 + p] = r * 100 + p;
  const out = tidy(() => shrinkMasks(tensor(data, [1, 7, 4, 4]), [2, 2]).toList());
  // Cells of a 4×4 grid: top-left holds positions 0,1,4,5.
  const avgTopLeft = (r: number): number => r * 100 + (0 + 1 + 4 + 5) / 4;
  const maxTopLeft = (r: number): number => r * 100 + 5;
  for (let r = 0; r < 7; r++) {
    const expected = r >= 3 ? maxTopLeft(r) : avgTopLeft(r);
    assert.equal(out[r * 4], expected, `region ${r}`);
  }
});

test('mask shrinking has exact gradients', () => {
  manualSeed(1);
  tidy(() => {
    const masks = f64(rand([1, 7, 5, 6]));
    const r = gradcheck((m) => shrinkMasks(m, [3, 2]), [masks]);
    assert.ok(r.checked === 7 * 30);
  });
});

test('SSP region features are mask-weighted means (known values)', () => {
  tidy(() => {
    // Two positions; region 0 covers only the first, region 1 both with weights 1 and 3.
    const masks = tensor([[[[1, 0]], [[1, 3]]]]); // 1×2×1×2
    const feats = tensor([[[[2, 6]]]]); // 1×1×1×2
    const f = regionFeatures(masks, feats, 0).toList();
    assert.deepEqual(f, [2, (2 + 18) / 4]);
  });
});

test('SSP: region pooling and both branches have exact gradients', () => {
  manualSeed(2);
  const head = new SSPHead(6, 4).to('float64');
  tidy(() => {
    const features = f64(randn([2, 6, 3, 2]));
    const masks = f64(softmax(randn([2, 7, 5, 4]), 1));
    const r = gradcheck((a, m) => head.forward(a, m), [features, masks]);
    assert.ok(r.checked > 0);
    // Logit = Σ_r w[r,a]·s_rec[r,a] with w a softmax over regions.
    const out = head.forwardDetailed(features, masks);
    const sums = out.regionWeights.sum([1]).toList();
    for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-12);
    // s_rec is the recognition branch on the region features, and the logits its w-weighted sum
    const rec = head.rec.forward(regionFeatures(shrinkMasks(masks, [3, 2]), features));
    assert.ok(out.regionScores.sub(rec).abs().max().item() < 1e-12);
    assert.ok(
      out.logits
        .sub(out.regionWeights.mul(out.regionScores).sum([1]))
        .abs()
        .max()
        .item() < 1e-12,
    );
  });
  head.dispose();
});

test('SSP with uniformWeights (the --loc-warmup phase): w = 1/7, the localization branch gets no gradient', () => {
  manualSeed(3);
  const head = new SSPHead(6, 4);
  tidy(() => {
    const features = randn([2, 6, 3, 2]);
    const masks = softmax(randn([2, 7, 5, 4]), 1);
    head.uniformWeights = true;
    const out = head.forwardDetailed(features, masks);
    for (const w of out.regionWeights.toList() as number[]) assert.ok(Math.abs(w - 1 / 7) < 1e-7);
    out.logits.sum().backward();
    assert.equal(head.loc.weight.grad!.abs().max().item(), 0);
    assert.ok(head.rec.weight.grad!.abs().max().item() > 0);
    head.zeroGrad();
    head.uniformWeights = false;
    head.forward(features, masks).sum().backward();
    assert.ok(head.loc.weight.grad!.abs().max().item() > 0);
  });
  head.dispose();
});

test('SSG: mask normalisation and gating have exact gradients; copies are region-major', () => {
  manualSeed(3);
  const gate = new Gate(3).to('float64');
  gate.eval();
  tidy(() => {
    const a = f64(randn([2, 3, 4, 4]));
    const masks = f64(softmax(randn([2, 7, 8, 8]), 1));
    gradcheck((x, m) => gate.forward(x, m), [a, masks], { maxElements: 120 });
  });
  gate.train();
  tidy(() => {
    const a = f64(randn([2, 3, 4, 4]));
    const masks = f64(softmax(randn([2, 7, 4, 4]), 1));
    gradcheck((x, m) => gate.forward(x, m), [a, masks], { maxElements: 120 });
  });
  gate.dispose();
});

test('SSP on conv42 / conv52 pools that layer (a 1/8 grid) and builds nothing after it', () => {
  manualSeed(4);
  const names = (net: AttributeNet) => [...net.namedParameters()].map(([n]) => n.split('.')[0]);
  for (const [layer, grid, absent] of [
    ['conv42', [8, 6], 'conv51'],
    ['conv52', [8, 6], 'conv61'],
    ['conv62', [4, 3], null],
  ] as const) {
    const net = new AttributeNet({ widthMult: 1 / 32, attributes: 5, head: 'ssp', sspFeatures: layer });
    tidy(() => {
      const x = randn([2, 3, 64, 48]);
      const out = net.forwardDetailed(x, { masksHalf: softmax(randn([2, 7, 32, 24]), 1) });
      assert.deepEqual(out.features.shape.slice(2), grid, layer);
      assert.deepEqual(out.logits.shape, [2, 5]);
      if (absent) assert.ok(!names(net).includes(absent), `${layer}: ${absent} is not built`);
      else assert.ok(names(net).includes('conv62'));
    });
    net.dispose();
  }
  assert.throws(() => new AttributeNet({ head: 'avg', sspFeatures: 'conv42' }), /needs the SSP head/);
});
