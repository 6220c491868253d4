/** Pixel helpers: palette overlay, heat colouring, bilinear upsampling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  REGION_PALETTE,
  overlay,
  labelsToRgb,
  bilinearResize,
  colorizeHeat,
  normalizeHeat,
  overlayHeat,
  turbo,
  viridis,
  blend,
  rgbHex,
} from '../src/viz/index.js';
import { niceTicks, logTicks, tickLabel, esc } from '../src/viz/svg.js';

const approx = (a: ArrayLike<number>, b: readonly number[], eps = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < eps, `at ${i}: ${a[i]} vs ${b[i]}`);
};

test('palette: one distinct colour per region', () => {
  assert.equal(REGION_PALETTE.length, 7);
  assert.equal(new Set(REGION_PALETTE.map(rgbHex)).size, 7);
  assert.equal(rgbHex(REGION_PALETTE[1]!), '#e6194b');
  assert.deepEqual(Array.from(labelsToRgb(new Uint8Array([1, 255]))), [230, 25, 75, 128, 128, 128]);
});

test('overlay blends the region colour, leaves background and ignored pixels alone', () => {
  // 4 grey pixels (100,100,100) labelled [hair, background, nose, 255]
  const rgb = new Uint8Array(12).fill(100);
  const out = overlay(rgb, new Uint8Array([1, 0, 6, 255]), 0.5);
  // hair (230,25,75): 0.5·100 + 0.5·230 = 165, 0.5·100 + 0.5·25 = 62.5 → 63, 0.5·100 + 0.5·75 = 87.5 → 88
  // nose (255,225,25): 177.5 → 178, 162.5 → 163, 62.5 → 63
  assert.deepEqual(Array.from(out), [165, 63, 88, 100, 100, 100, 178, 163, 63, 100, 100, 100]);
  assert.deepEqual(Array.from(rgb), Array(12).fill(100), 'input untouched');
  // alpha 1 paints the colour; skip [] tints background too
  assert.deepEqual(Array.from(overlay(rgb, new Uint8Array([3, 0, 0, 0]), 1, { skip: [] }).subarray(0, 6)), [0, 130, 200, 0, 0, 0]);
  assert.throws(() => overlay(rgb, new Uint8Array(3), 0.5), /12 RGB bytes for 3 labels/);
  assert.deepEqual(Array.from(blend(new Uint8Array([0, 200]), new Uint8Array([100, 0]), 0.25)), [25, 150]);
});

test('bilinear upsampling of a known map (half-pixel centres, as torch align_corners=False)', () => {
  // [[0, 1], [2, 3]] → 4×4. Source x of output x: (x + 0.5)/2 − 0.5 = −0.25→0, 0.25, 0.75, 1.25→1
  // (F.interpolate(size=4, mode='bilinear', align_corners=False) gives the same)
  const up = bilinearResize(new Float32Array([0, 1, 2, 3]), 2, 2, 4, 4);
  approx(up, [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  // identity, constant, and a 1×3 → 1×6 row
  approx(bilinearResize(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3, 2, 3), [1, 2, 3, 4, 5, 6]);
  approx(bilinearResize(new Float32Array(6).fill(7), 2, 3, 5, 9), Array(45).fill(7));
  // 1×3 → 1×6: source x = (x + 0.5)/2 − 0.5 = −0.25→0, 0.25, 0.75, 1.25, 1.75, 2.25→2
  approx(bilinearResize(new Float32Array([0, 4, 8]), 1, 3, 1, 6), [0, 1, 3, 5, 7, 8]);
  // downsampling 4 → 2 averages pairs (source x 0.5 and 2.5)
  approx(bilinearResize(new Float32Array([0, 2, 4, 6]), 1, 4, 1, 2), [1, 5]);
  assert.throws(() => bilinearResize(new Float32Array(5), 2, 3, 4, 4), /5 values for 2×3/);
});

test('colorizeHeat: min–max normalization through the colour map', () => {
  const heat = new Float32Array([-2, 0, 2]);
  approx(normalizeHeat(heat), [0, 0.5, 1]);
  const rgb = colorizeHeat(heat);
  assert.deepEqual(Array.from(rgb.subarray(0, 3)), [...turbo(0)]);
  assert.deepEqual(Array.from(rgb.subarray(3, 6)), [...turbo(0.5)]);
  assert.deepEqual(Array.from(rgb.subarray(6, 9)), [...turbo(1)]);
  // turbo runs (dark) → blue → green → red; viridis dark purple → yellow
  assert.ok(turbo(0.15)[2] > 200 && turbo(0.15)[0] < 100, `turbo(0.15) ${turbo(0.15)}`);
  assert.ok(turbo(0.5)[1] > 200, `turbo(0.5) ${turbo(0.5)}`);
  assert.ok(turbo(0.9)[0] > 150 && turbo(0.9)[2] < 50, `turbo(0.9) ${turbo(0.9)}`);
  assert.deepEqual([...viridis(0)], [71, 1, 85]);
  assert.ok(viridis(1)[0] > 240 && viridis(1)[1] > 220 && viridis(1)[2] < 50);
  // a fixed range clamps; a flat map is all at the start; NaN counts as the start
  approx(normalizeHeat(heat, { min: 0, max: 1 }), [0, 0, 1]);
  approx(normalizeHeat(new Float32Array([3, 3])), [0, 0]);
  approx(normalizeHeat(new Float32Array([NaN, 0, 1])), [0, 0, 1]);
  assert.deepEqual(Array.from(colorizeHeat([1, 0], { colormap: () => [9, 8, 7] })), [9, 8, 7, 9, 8, 7]);
});

test('overlayHeat: upsampled map blended over the photo', () => {
  // 1×2 map [0, 1] over a black 1×4 photo with alpha 1: the upsampled values are [0, 0.25, 0.75, 1]
  const out = overlayHeat(new Uint8Array(12), 4, 1, { data: new Float32Array([0, 1]), height: 1, width: 2 }, { alpha: 1 });
  assert.deepEqual(Array.from(out), [...turbo(0), ...turbo(0.25), ...turbo(0.75), ...turbo(1)]);
  // alpha 0 leaves the photo
  const photo = new Uint8Array([10, 20, 30, 40, 50, 60]);
  assert.deepEqual(Array.from(overlayHeat(photo, 2, 1, { data: new Float32Array([5]), height: 1, width: 1 }, { alpha: 0 })), Array.from(photo));
});

test('svg helpers: ticks and escaping', () => {
  assert.deepEqual(niceTicks(0, 10, 6), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.03, 0.97, 5), [0.25, 0.5, 0.75]);
  assert.deepEqual(logTicks(0.05, 3), [0.05, 0.1, 0.2, 0.5, 1, 2]);
  assert.deepEqual(logTicks(1e-4, 10), [1e-4, 1e-3, 1e-2, 0.1, 1, 10]);
  assert.equal(tickLabel(40000), '40,000');
  assert.equal(tickLabel(0.25), '0.25');
  assert.equal(tickLabel(1e-4), '1e-4');
  assert.equal(esc('a<b & "c"'), 'a&lt;b &amp; &quot;c&quot;');
});
