// The parse's guided filter (models/guided_filter.ts) against a direct loop over its
// windows, on known images, and its refined parse's invariants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '@facet/torch';
import { boxMean, greyGuide, guidedFilter, refineParse } from '../src/models/guided_filter.js';
import { rng } from './onnx_helpers.js';

/** Window means by direct summation over the clipped (2r+1)² window. */
function boxRef(x: Float64Array, h: number, w: number, r: number): Float64Array {
  const out = new Float64Array(h * w);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      let s = 0,
        n = 0;
      for (let y = Math.max(0, i - r); y <= Math.min(h - 1, i + r); y++)
        for (let x2 = Math.max(0, j - r); x2 <= Math.min(w - 1, j + r); x2++) {
          s += x[y * w + x2]!;
          n++;
        }
      out[i * w + j] = s / n;
    }
  return out;
}

/** He et al.'s algorithm 1 for one channel, in float64. */
function guidedRef(I: Float64Array, p: Float64Array, h: number, w: number, r: number, eps: number): Float64Array {
  const mul = (a: Float64Array, b: Float64Array) => a.map((v, i) => v * b[i]!);
  const [mI, mp, mIp, mII] = [I, p, mul(I, p), mul(I, I)].map((v) => boxRef(v, h, w, r));
  const a = mIp.map((v, i) => (v - mI![i]! * mp![i]!) / (mII![i]! - mI![i]! * mI![i]! + eps));
  const b = mp!.map((v, i) => v - a[i]! * mI![i]!);
  const [ma, mb] = [boxRef(a, h, w, r), boxRef(b, h, w, r)];
  return I.map((v, i) => ma[i]! * v + mb[i]!);
}

test('boxMean and guidedFilter equal a direct loop over clipped windows (odd sizes, radius 1 to 3, two channels)', () => {
  const [h, w] = [9, 7];
  const r = rng(3);
  const I = Float64Array.from({ length: h * w }, () => r());
  const p = Float64Array.from({ length: 2 * h * w }, () => r());
  for (const radius of [1, 2, 3]) {
    for (const eps of [1e-3, 0.1]) {
      const got = tidy(() =>
        guidedFilter(tensor(Float32Array.from(I), [1, 1, h, w]), tensor(Float32Array.from(p), [1, 2, h, w]), { radius, eps }).data(),
      ) as Float32Array;
      for (let c = 0; c < 2; c++) {
        const want = guidedRef(I, p.subarray(c * h * w, (c + 1) * h * w), h, w, radius, eps);
        want.forEach((v, i) =>
          assert.ok(Math.abs(got[c * h * w + i]! - v) < 1e-4, `r ${radius} eps ${eps} channel ${c} pixel ${i}: ${got[c * h * w + i]} vs ${v}`),
        );
      }
    }
    const box = tidy(() => boxMean(tensor(Float32Array.from(I), [1, 1, h, w]), radius).data()) as Float32Array;
    boxRef(I, h, w, radius).forEach((v, i) => assert.ok(Math.abs(box[i]! - v) < 1e-6));
  }
});

test('a parse border two pixels off the image edge moves onto it; a flat image only smooths', () => {
  // grey steps from 0.2 to 0.8 between columns 7 and 8; the parse's hair probability ramps
  // across columns 6 to 13 and crosses 1/2 between columns 9 and 10
  const [h, w] = [6, 16];
  const step = new Float32Array(h * w).map((_, i) => (i % w < 8 ? 0.2 : 0.8));
  const hair = (j: number) => Math.min(1, Math.max(0, (j - 5.5) / 8));
  const p = new Float32Array(2 * h * w).map((_, k) => {
    const j = k % w;
    return k < h * w ? hair(j) : 1 - hair(j);
  });
  const border = (probs: Float32Array) => Array.from({ length: w }, (_, j) => (probs[2 * w + j]! > probs[h * w + 2 * w + j]! ? 1 : 0)).indexOf(1);
  assert.equal(border(p), 10);
  const refined = tidy(() => guidedFilter(tensor(step, [1, 1, h, w]), tensor(p, [1, 2, h, w]), { radius: 4, eps: 1e-4 }).data()) as Float32Array;
  assert.equal(border(refined), 8);
  // and the parse's steepest change is now at the image's edge (the ramp had none)
  const row = Array.from(refined.subarray(2 * w, 3 * w));
  const rises = row.slice(1).map((v, j) => v - row[j]!);
  assert.equal(rises.indexOf(Math.max(...rises)), 7);
  assert.ok(rises[7]! > 0.4, `a jump of ${rises[7]} at the edge`);
  // with no edge to follow, the filter is a (double) box blur: the border stays where it was
  const flat = tidy(() =>
    guidedFilter(tensor(new Float32Array(h * w).fill(0.5), [1, 1, h, w]), tensor(p, [1, 2, h, w]), { radius: 4, eps: 1e-4 }).data(),
  ) as Float32Array;
  assert.equal(border(flat), 10);
});

test('refineParse: probabilities stay in [0, 1] and sum to 1 per pixel, with the argmax of the unclipped filter', () => {
  const [n, k, h, w] = [2, 7, 11, 9];
  const r = rng(8);
  const norm = { mean: [120, 110, 100], std: [60, 55, 50] };
  const x = tensor(
    Float32Array.from({ length: n * 3 * h * w }, () => (r() - 0.5) * 4),
    [n, 3, h, w],
  );
  const logits = tensor(
    Float32Array.from({ length: n * k * h * w }, () => (r() - 0.5) * 8),
    [n, k, h, w],
  );
  const [q, raw] = tidy(() => {
    const probs = logits.softmax(1);
    return [refineParse(probs, x, norm, { radius: 2, eps: 1e-4 }).data(), guidedFilter(greyGuide(x, norm), probs, { radius: 2, eps: 1e-4 }).data()];
  }) as [Float32Array, Float32Array];
  let clipped = 0;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h * w; i++) {
      let sum = 0,
        best = 0,
        bestRaw = 0;
      for (let c = 0; c < k; c++) {
        const at = (b * k + c) * h * w + i;
        assert.ok(q[at]! >= 0 && q[at]! <= 1 + 1e-6);
        sum += q[at]!;
        if (raw[at]! < 0) clipped++;
        if (q[at]! > q[(b * k + best) * h * w + i]!) best = c;
        if (raw[at]! > raw[(b * k + bestRaw) * h * w + i]!) bestRaw = c;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `pixel ${i} sums to ${sum}`);
      assert.equal(best, bestRaw);
    }
  assert.ok(clipped > 0, 'random logits and images should overshoot somewhere (else clipping went untested)');
  x.dispose();
  logits.dispose();
});

test("greyGuide undoes the input's normalisation: (R+G+B)/765", () => {
  const norm = { mean: [100, 120, 140], std: [50, 40, 30] };
  const rgb = [
    [255, 0, 0],
    [30, 60, 90],
  ];
  const x = new Float32Array(2 * 3);
  rgb.forEach((px, i) => px.forEach((v, c) => (x[c * 2 + i] = (v - norm.mean[c]!) / norm.std[c]!)));
  const g = tidy(() => greyGuide(tensor(x, [1, 3, 1, 2]), norm).data()) as Float32Array;
  assert.ok(Math.abs(g[0]! - 1 / 3) < 1e-6, String(g[0]));
  assert.ok(Math.abs(g[1]! - 180 / 765) < 1e-6, String(g[1]));
});
