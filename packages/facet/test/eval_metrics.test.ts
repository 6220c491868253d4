/** Attribute metrics (spec §9) on cases computed by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeMetrics, averagePrecision, balancedAccuracy, prevalence, THRESHOLD } from '../src/metrics/metrics.js';

const close = (a: number | null, b: number, msg?: string): void => {
  assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${msg ?? ''} got ${a}, expected ${b}`);
};

test('AP: ties in score enter as one block', () => {
  // scores [0.9, 0.5, 0.5, 0.1], labels [1, 0, 1, 0]; 2 positives.
  // block {0.9}:      TP 1, seen 1 → P = 1,   R = 1/2; adds (1/2 − 0)·1     = 1/2
  // block {0.5, 0.5}: TP 2, seen 3 → P = 2/3, R = 1;   adds (1 − 1/2)·2/3   = 1/3
  // block {0.1}:      TP 2, seen 4 → R unchanged;      adds 0
  // AP = 1/2 + 1/3 = 5/6 ≈ 0.8333 (item by item it would be 1 or 5/6 depending on the tie order)
  close(averagePrecision([0.9, 0.5, 0.5, 0.1], [1, 0, 1, 0]), 5 / 6);
  // the order of the tied items does not matter
  close(averagePrecision([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]), 5 / 6);
  close(averagePrecision([0.5, 0.1, 0.9, 0.5], [1, 0, 1, 0]), 5 / 6);
});

test('AP: all-equal scores give the prevalence', () => {
  // one block: R = 1, P = 2/5 → AP = 1·2/5
  close(averagePrecision([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 0, 1, 0]), 0.4);
  close(averagePrecision(new Float32Array(4).fill(0.7), [1, 1, 1, 1]), 1);
});

test('AP: perfect and inverted rankings', () => {
  close(averagePrecision([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]), 1);
  // inverted: positives at ranks 3 and 4: (1/2)·(1/3) + (1/2)·(2/4) = 1/6 + 1/4 = 5/12
  close(averagePrecision([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 5 / 12);
  // a single positive at rank 2 of 3: (1)·(1/2)
  close(averagePrecision([3, 2, 1], [0, 1, 0]), 0.5);
  // scores need not be probabilities
  close(averagePrecision([-1, 5, 2], [0, 1, 1]), 1);
});

test('AP: undefined without positives; bad input is an error', () => {
  assert.equal(averagePrecision([0.2, 0.9], [0, 0]), null);
  assert.throws(() => averagePrecision([0.2, 0.9], [0, 2]), /label 2/);
  assert.throws(() => averagePrecision([NaN, 0.9], [0, 1]), /not finite/);
  assert.throws(() => averagePrecision([0.2], [0, 1]), /1 scores but 2 labels/);
});

test('balanced accuracy with and without degenerate classes', () => {
  // TPR = 3/4, TNR = 1/2 → 0.625
  close(balancedAccuracy({ tp: 3, fn: 1, tn: 1, fp: 1 }).balancedAccuracy, 0.625);
  // no negatives: TNR undefined → BA = TPR = 3/4
  const noNeg = balancedAccuracy({ tp: 3, fn: 1, tn: 0, fp: 0 });
  close(noNeg.balancedAccuracy, 0.75);
  assert.equal(noNeg.tnr, null);
  // no positives: TPR undefined → BA = TNR = 2/5
  const noPos = balancedAccuracy({ tp: 0, fn: 0, tn: 2, fp: 3 });
  close(noPos.balancedAccuracy, 0.4);
  assert.equal(noPos.tpr, null);
  assert.throws(() => balancedAccuracy({ tp: 0, fn: 0, tn: 0, fp: 0 }), /empty/);
});

test('threshold: p ≥ 0.5 is a positive prediction', () => {
  assert.equal(THRESHOLD, 0.5);
  // one attribute, 4 images: p = 0.5 (label 1) → TP; p = 0.4999 (label 1) → FN;
  // p = 0.5 (label 0) → FP; p = 0.4999 (label 0) → TN. error = 2/4
  const r = attributeMetrics(new Float32Array([0.5, 0.4999, 0.5, 0.4999]), new Uint8Array([1, 1, 0, 0]), ['x']);
  const m = r.attributes[0]!;
  assert.deepEqual([m.tp, m.fn, m.fp, m.tn], [1, 1, 1, 1]);
  close(m.error, 0.5);
});

// Two attributes × 4 images, row-major (image n: [attr0, attr1]).
//   attr0: p [0.9, 0.5, 0.5, 0.1], y [1, 0, 1, 0] → predictions [1, 1, 1, 0]: TP 2, FP 1, TN 1, FN 0
//          error 1/4; TPR 1, TNR 1/2 → BA 3/4; AP 5/6 (see above); prevalence 1/2
//          majority (test prevalence 0.5 ≥ 0.5 → "positive"): error 1 − 1/2 = 1/2
//   attr1: p [0.2, 0.7, 0.4, 0.6], y [0, 0, 0, 0] → predictions [0, 1, 0, 1]: FP 2, TN 2
//          error 1/2; TPR undefined → BA = TNR = 1/2; AP undefined; prevalence 0
//          majority ("negative"): error 0
//   means: error 3/8, accuracy 5/8, mAP 5/6 (1 attribute), BA 5/8, majority error 1/4
const probs = new Float32Array([0.9, 0.2, 0.5, 0.7, 0.5, 0.4, 0.1, 0.6]);
const labels = new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0]);

test('attributeMetrics: per-attribute values and means', () => {
  const r = attributeMetrics(probs, labels, ['a0', 'a1']);
  assert.equal(r.count, 4);
  const [a0, a1] = r.attributes;
  assert.equal(a0!.name, 'a0');
  assert.deepEqual([a0!.tp, a0!.fp, a0!.tn, a0!.fn], [2, 1, 1, 0]);
  close(a0!.error, 0.25);
  close(a0!.accuracy, 0.75);
  close(a0!.balancedAccuracy, 0.75);
  close(a0!.averagePrecision, 5 / 6);
  assert.equal(a0!.positives, 2);
  close(a0!.prevalence, 0.5);
  close(a0!.baselineError, 0.5);
  assert.equal(a0!.baselinePrediction, 1);
  close(a1!.error, 0.5);
  assert.equal(a1!.averagePrecision, null);
  assert.equal(a1!.tpr, null);
  close(a1!.balancedAccuracy, 0.5);
  assert.equal(a1!.positives, 0);
  close(a1!.baselineError, 0);
  assert.equal(a1!.baselinePrediction, 0);
  close(r.meanError, 3 / 8);
  close(r.meanAccuracy, 5 / 8);
  close(r.mAP, 5 / 6);
  assert.equal(r.apCount, 1);
  close(r.meanBalancedAccuracy, 5 / 8);
  close(r.meanBaselineError, 0.25);
});

test('attributeMetrics: majority baseline from the training prevalence', () => {
  // train prevalence 0.3 → "negative" for attr0: error = test prevalence 1/2;
  // 0.8 → "positive" for attr1: error = 1 − 0 = 1. Mean 3/4.
  const r = attributeMetrics(probs, labels, ['a0', 'a1'], { trainPrevalence: [0.3, 0.8] });
  close(r.attributes[0]!.baselineError, 0.5);
  close(r.attributes[1]!.baselineError, 1);
  close(r.meanBaselineError, 0.75);
  // prevalence() computes the training prevalence from a label matrix
  assert.deepEqual(Array.from(prevalence(labels, 2)), [0.5, 0]);
});

test('attributeMetrics: malformed input is an error', () => {
  assert.throws(() => attributeMetrics(probs, labels.subarray(0, 6), ['a0', 'a1']), /8 probabilities but 6 labels/);
  assert.throws(() => attributeMetrics(probs, labels, ['a0', 'a1', 'a2']), /not a multiple of 3/);
  assert.throws(() => attributeMetrics(probs, new Uint8Array([1, 0, 0, 0, 1, 0, 0, 3]), ['a0', 'a1']), /a1, image 3.*label 3/);
  assert.throws(() => attributeMetrics(new Float32Array([NaN, 0]), new Uint8Array([1, 0]), ['a0', 'a1']), /a0, image 0.*not finite/);
  assert.throws(() => attributeMetrics(probs, labels, ['a0', 'a1'], { trainPrevalence: [0.5] }), /trainPrevalence/);
  assert.throws(() => attributeMetrics(new Float32Array(0), new Uint8Array(0), ['a0']), /no images/);
});

test('attributeMetrics: the 40 × many case agrees with per-attribute AP', () => {
  // a pseudo-random but fixed data set: per-attribute AP equals averagePrecision on the column
  const N = 500,
    A = 40;
  const p = new Float32Array(N * A);
  const y = new Uint8Array(N * A);
  let s = 12345;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < N * A; i++) {
    y[i] = rnd() < 0.3 ? 1 : 0;
    p[i] = Math.round((0.5 * rnd() + 0.4 * y[i]!) * 20) / 20; // coarse scores → many ties
  }
  const r = attributeMetrics(
    p,
    y,
    Array.from({ length: A }, (_, a) => `a${a}`),
  );
  for (const a of [0, 17, 39]) {
    const col = Array.from({ length: N }, (_, n) => p[n * A + a]!);
    const lab = Array.from({ length: N }, (_, n) => y[n * A + a]!);
    close(r.attributes[a]!.averagePrecision, averagePrecision(col, lab)!);
    assert.ok(r.attributes[a]!.averagePrecision! > 0.5);
  }
  assert.equal(r.apCount, A);
});
