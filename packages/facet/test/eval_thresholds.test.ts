// Decision cuts tuned on a validation split: known answers, the guards against
// overfitting a few items, and the fold into the model (p ≥ 0.5 becomes the tuned cut).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logitShift, tuneThresholds } from '../src/metrics/thresholds.js';

test('a cut between the classes is found; 0.5 stays where it is already best', () => {
  // attribute 0: positives at 0.3–0.4, negatives at 0.05–0.2 → a cut in (0.2, 0.3)
  // attribute 1: separated at 0.5 already
  const p0 = [0.05, 0.1, 0.15, 0.2, 0.3, 0.35, 0.4];
  const y0 = [0, 0, 0, 0, 1, 1, 1];
  const p1 = [0.1, 0.2, 0.3, 0.45, 0.6, 0.7, 0.9];
  const y1 = [0, 0, 0, 0, 1, 1, 1];
  const probs = new Float32Array(14);
  const labels = new Uint8Array(14);
  for (let i = 0; i < 7; i++) {
    probs[i * 2] = p0[i]!;
    labels[i * 2] = y0[i]!;
    probs[i * 2 + 1] = p1[i]!;
    labels[i * 2 + 1] = y1[i]!;
  }
  const t = tuneThresholds(probs, labels, 2);
  assert.ok(Math.abs(t.thresholds[0]! - 0.25) < 1e-6, `cut ${t.thresholds[0]}`);
  assert.deepEqual([t.errorsAtHalf[0], t.errorsAtCut[0]], [3, 0]);
  assert.equal(t.thresholds[1], 0.5);
  assert.deepEqual([t.errorsAtHalf[1], t.errorsAtCut[1]], [0, 0]);
});

test('a gain below minGain keeps 0.5; cuts stay inside [low, 1 − low]', () => {
  // one positive at 0.45 among negatives: moving the cut saves a single error
  const probs = new Float32Array([0.1, 0.2, 0.45, 0.3]);
  const labels = new Uint8Array([0, 0, 1, 0]);
  assert.equal(tuneThresholds(probs, labels, 1).thresholds[0], 0.5);
  assert.ok(Math.abs(tuneThresholds(probs, labels, 1, { minGain: 1 }).thresholds[0]! - 0.375) < 1e-6);
  // every positive at 0.01–0.03: the best cut would be ~0.02, but cuts stop at low = 0.05
  const low = tuneThresholds(new Float32Array([0.01, 0.02, 0.03, 0.005]), new Uint8Array([1, 1, 1, 0]), 1, { minGain: 1 });
  assert.ok(low.thresholds[0]! >= 0.05 || low.thresholds[0] === 0.5, `cut ${low.thresholds[0]}`);
});

test('ties of probability are never split', () => {
  const probs = new Float32Array([0.3, 0.3, 0.3, 0.3, 0.8]);
  const labels = new Uint8Array([1, 0, 1, 1, 1]);
  const t = tuneThresholds(probs, labels, 1, { minGain: 1 }).thresholds[0]!;
  assert.ok(t <= Math.fround(0.3), `cut ${t}: the tied block at 0.3 goes positive as a whole`);
});

test('the logit shift moves the cut to p = 0.5', () => {
  for (const t of [0.1, 0.25, 0.5, 0.8]) {
    const logit = Math.log(t / (1 - t));
    const shifted = 1 / (1 + Math.exp(-(logit + logitShift(t))));
    assert.ok(Math.abs(shifted - 0.5) < 1e-12);
  }
});
