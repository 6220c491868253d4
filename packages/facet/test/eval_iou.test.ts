/** Parsing IoU accumulated over a set (spec §9), on cases computed by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoUAccumulator, coarsen } from '../src/metrics/iou.js';
import { REGION_NAMES } from '../src/regions.js';
import { LFW_PARTS_LABELS } from '../src/data/label_sets.js';
import { formatConfusion } from '../src/eval/format.js';

const u8 = (xs: number[]): Uint8Array => new Uint8Array(xs);

test('IoU accumulates intersection and union over images, skipping ignored pixels', () => {
  const acc = new IoUAccumulator(['a', 'b', 'c']);
  // image 1: pred [0,0,1,1], target [0,1,1,1]
  //   class 0: I 1, pred 2, target 1; class 1: I 2, pred 2, target 3; class 2: nothing
  acc.add(u8([0, 0, 1, 1]), u8([0, 1, 1, 1]));
  // image 2: pred [2,0,1,0], target [2,255,0,0]; pixel 1 is ignored entirely
  //   class 0: I 1 (px 3), pred 1 (px 3), target 2 (px 2, 3); class 1: pred 1 (px 2); class 2: I 1, pred 1, target 1
  acc.add(u8([2, 0, 1, 0]), u8([2, 255, 0, 0]));
  // totals: class 0: I 2, U = 3 + 3 − 2 = 4 → 0.5; class 1: I 2, U = 3 + 3 − 2 = 4 → 0.5; class 2: I 1, U 1 → 1
  const r = acc.result();
  assert.deepEqual(r.intersection, [2, 2, 1]);
  assert.deepEqual(r.union, [4, 4, 1]);
  assert.deepEqual(r.perClass, [0.5, 0.5, 1]);
  assert.ok(Math.abs(r.mean! - 2 / 3) < 1e-12);
  assert.equal(r.meanOver, 3);
  assert.equal(r.pixels, 7);
  assert.equal(r.ignored, 1);
  assert.ok(Math.abs(r.pixelAccuracy! - 5 / 7) < 1e-12);
  assert.equal(acc.count, 2);
  // rows: target, columns: prediction; the ignored pixel nowhere
  assert.deepEqual(r.confusion, [
    [2, 1, 0],
    [1, 2, 0],
    [0, 0, 1],
  ]);
  const table = formatConfusion(r.classNames, r.confusion);
  assert.match(table[0]!, /rows: truth, columns: predicted/);
  assert.deepEqual(table[3]!.trim().split(/\s+/), ['b', '14.29', '28.57', '0.00'], 'row b: 1 and 2 of the 7 counted pixels');
});

test('a class absent from predictions and targets is null and left out of the mean', () => {
  const acc = new IoUAccumulator(['a', 'b', 'c', 'd']);
  // pixel:  0  1  2  3
  // pred:   0  0  1  2
  // target: 0  1  1  0
  acc.add(u8([0, 0, 1, 2]), u8([0, 1, 1, 0]));
  const r = acc.result();
  // class 0: pred px {0,1}, target px {0,3} → I 1, U 3 → 1/3; class 1: pred px {2}, target px {1,2} → I 1, U 2 → 1/2
  // class 2: pred px {3}, target none → I 0, U 1 → 0; class 3: none → null
  assert.deepEqual(r.perClass, [1 / 3, 1 / 2, 0, null]);
  assert.equal(r.meanOver, 3);
  assert.ok(Math.abs(r.mean! - (1 / 3 + 1 / 2 + 0) / 3) < 1e-12);
  assert.equal(new IoUAccumulator(['a']).result().mean, null);
});

test('perfect parse over the 7 regions gives IoU 1 everywhere', () => {
  const acc = new IoUAccumulator(REGION_NAMES);
  const t = u8([0, 1, 2, 3, 4, 5, 6, 6, 0]);
  acc.add(t, t);
  const r = acc.result();
  assert.deepEqual(r.perClass, [1, 1, 1, 1, 1, 1, 1]);
  assert.equal(r.mean, 1);
  assert.equal(r.meanOver, 7);
});

test('bad labels are errors and leave the totals untouched', () => {
  const acc = new IoUAccumulator(REGION_NAMES);
  acc.add(u8([0, 1]), u8([0, 1]));
  assert.throws(() => acc.add(u8([0, 7]), u8([0, 1])), /predicted label 7 at pixel 1/);
  assert.throws(() => acc.add(u8([0, 1]), u8([9, 1])), /target label 9 at pixel 0/);
  assert.throws(() => acc.add(u8([0]), u8([0, 1])), /1 pixels, target 2/);
  // a custom ignore value
  acc.add(u8([3, 3]), u8([7, 7]), 7);
  const r = acc.result();
  assert.equal(r.pixels, 2);
  assert.equal(r.ignored, 2);
  assert.deepEqual(r.perClass.slice(0, 3), [1, 1, null]);
});

test('merge and reset', () => {
  const a = new IoUAccumulator(['x', 'y']);
  const b = new IoUAccumulator(['x', 'y']);
  a.add(u8([0, 1]), u8([0, 0]));
  b.add(u8([1, 1]), u8([1, 0]));
  const whole = new IoUAccumulator(['x', 'y']);
  whole.add(u8([0, 1, 1, 1]), u8([0, 0, 1, 0]));
  a.merge(b);
  assert.deepEqual(a.result(), whole.result());
  assert.throws(() => a.merge(new IoUAccumulator(['x', 'z'])), /different classes/);
  a.reset();
  assert.equal(a.result().pixels, 0);
  assert.deepEqual(a.result().confusion, [
    [0, 0],
    [0, 0],
  ]);
  assert.equal(a.count, 0);
});

test('coarsen maps the 7 regions onto LFW Part Labels', () => {
  // background → 0, hair → 1, skin/eyes/eyebrows/mouth/nose → 2 (skin); 255 stays
  assert.deepEqual(Array.from(coarsen(u8([0, 1, 2, 3, 4, 5, 6, 255]), LFW_PARTS_LABELS)), [0, 1, 2, 2, 2, 2, 2, 255]);
  // LFW evaluation: a fine prediction of eyes on a skin pixel counts as correct skin
  const acc = new IoUAccumulator(LFW_PARTS_LABELS.names);
  acc.add(coarsen(u8([3, 5, 1, 0]), LFW_PARTS_LABELS), u8([2, 2, 2, 0]));
  // skin: I 2, U 3 → 2/3; hair: pred only → 0; background: 1
  assert.deepEqual(acc.result().perClass, [1, 0, 2 / 3]);
  assert.throws(() => coarsen(u8([0]), { names: ['bg', 'hair'], coarseToFine: [[0], [1]] }), /region 2 has no class/);
});
