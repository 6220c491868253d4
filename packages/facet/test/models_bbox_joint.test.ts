import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn, softmax, manualSeed, tidy, noGrad, gradcheck, nn, type Tensor } from '@facet/torch';
import { AttributeNet } from '../src/models/attribute_net.js';
import { boxMasks, createBBoxNet, BOX_COUNT } from '../src/models/bbox.js';
import { JointModel } from '../src/models/joint.js';
import { buildModel } from '../src/models/registry.js';
import { averageProbabilities } from '../src/models/ensemble.js';

test("BBox with the 7 masks (and SSP's shrink rule) in place of boxes equals SSP", () => {
  manualSeed(4);
  const ssp = buildModel('ssp', { widthMult: 0.0625 }) as AttributeNet;
  const bbox = new AttributeNet({ widthMult: 0.0625, head: 'ssp', maxPooled: [3, 4, 5, 6] });
  bbox.loadStateDict(ssp.stateDict());
  ssp.eval();
  bbox.eval();
  noGrad(() =>
    tidy(() => {
      const x = randn([2, 3, 45, 37]);
      const masks = softmax(randn([2, 7, 23, 19]), 1);
      const a = ssp.forward(x, { masksHalf: masks }).toList();
      const b = bbox.forward(x, { masksHalf: masks }).toList();
      assert.deepEqual(b, a);
    }),
  );
  ssp.dispose();
  bbox.dispose();
});

test('BBox: 16 boxes per image from 5 landmarks, the last the whole image', () => {
  const lm: Array<[[number, number], [number, number], [number, number], [number, number], [number, number]]> = [
    [
      [60, 100],
      [120, 100],
      [90, 130],
      [70, 160],
      [110, 160],
    ],
  ];
  tidy(() => {
    const m = boxMasks(lm, 218, 178);
    assert.deepEqual(m.shape, [1, BOX_COUNT, 109, 89]);
    const perBox = m.sum([2, 3]).toList();
    assert.equal(perBox[15], 109 * 89);
    // Each box has about (0.2·W)² input pixels, i.e. a quarter of that at half scale.
    const expected = (0.2 * 178) ** 2 / 4;
    for (let r = 0; r < 15; r++) assert.ok(Math.abs(perBox[r]! - expected) / expected < 0.25, `box ${r}: ${perBox[r]}`);
  });
  manualSeed(5);
  const net = createBBoxNet({ widthMult: 0.0625 });
  tidy(() => {
    const logits = net.forward(randn([1, 3, 218, 178]), { masksHalf: boxMasks(lm, 218, 178) });
    assert.deepEqual(logits.shape, [1, 40]);
    logits.sum().backward();
    assert.ok(net.sspHead!.loc.weight.grad!.abs().sum().item() > 0, 'localization branch receives gradient');
  });
  net.dispose();
});

test("joint model: the attribute net's conv11…conv42 are the parser's encoder", () => {
  manualSeed(6);
  const joint = new JointModel({ widthMult: 0.0625 });
  const keys = [...joint.stateDict().keys()];
  assert.ok(keys.includes('parser.encoder.conv11.conv.weight'));
  assert.ok(!keys.some((k) => k.startsWith('attributes.encoder.')), 'shared weights are stored once');
  assert.equal(joint.attributes.encoder, joint.parser.encoder);
  tidy(() => {
    const labels = randn([2, 45, 37]).gt(0).toDtype('int64');
    const targets = randn([2, 40]).gt(0).toDtype('float32');
    const loss = joint.loss(randn([2, 3, 45, 37]), targets, randn([2, 3, 45, 37]), labels);
    assert.deepEqual(loss.shape, []);
    loss.backward();
    const g = joint.parser.encoder.blocks[0]!.first.conv.weight.grad!;
    assert.ok(g.abs().sum().item() > 0);
    assert.deepEqual(joint.forward(randn([1, 3, 45, 37])).shape, [1, 40]);
  });
  // Gradient of the shared encoder is the sum of both losses' gradients.
  joint.dispose();
});

test('joint model: gradients of the full network are exact (tiny width, float64)', () => {
  manualSeed(7);
  const joint = new JointModel({ widthMult: 0.02, attributes: 3 }).to('float64');
  joint.eval();
  tidy(() => {
    const x = randn([1, 3, 9, 7]).toDtype('float64');
    gradcheck((img) => [joint.forward(img), ...joint.parse(img)], [x], { maxElements: 40 });
  });
  joint.dispose();
});

test('ensemble averages sigmoid probabilities', () => {
  tidy(() => {
    const a = randn([2, 5]),
      b = randn([2, 5]);
    const avg = averageProbabilities([a, b]).toList();
    const pa = a.sigmoid().toList(),
      pb = b.sigmoid().toList();
    avg.forEach((v, i) => assert.ok(Math.abs(v - (pa[i]! + pb[i]!) / 2) < 1e-7));
  });
});

test('every attribute network takes odd input sizes and returns N×40', () => {
  manualSeed(8);
  for (const name of ['basic', 'spp', 'naive', 'ssp', 'ssg'] as const) {
    const net = buildModel(name, { widthMult: 0.0625 }) as AttributeNet;
    tidy(() => {
      const x = randn([2, name === 'naive' ? 10 : 3, 51, 43]);
      const masks = { masksHalf: softmax(randn([2, 7, 26, 22]), 1), masksQuarter: softmax(randn([2, 7, 13, 11]), 1) };
      const y: Tensor = net.forward(x, masks);
      assert.deepEqual(y.shape, [2, 40], name);
    });
    net.dispose();
  }
  void nn;
});
