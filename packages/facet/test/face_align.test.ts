// Alignment without the detector: the similarity fit (Umeyama) recovers known transforms
// exactly and never reflects, the warp samples where it should (bilinear, edges
// replicated, box-averaged when shrinking), alignFace lands the landmarks on the template,
// and the measured template is where CelebA's aligned faces are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Point,
  applySimilarity,
  composeSimilarity,
  fitResidual,
  fitSimilarity,
  invertSimilarity,
  similarityAngle,
  similarityFrom,
  similarityScale,
} from '../src/face/similarity.js';
import { boxShrink, warpSimilarity } from '../src/face/warp.js';
import { ALIGN_WEIGHTS, alignFace, alignmentTransform, templatePoints } from '../src/face/align.js';
import { CELEBA_TEMPLATE } from '../src/face/celeba_template.js';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

const POINTS: Point[] = [
  [10, 20],
  [55, 18],
  [33, 40],
  [15, 62],
  [52, 66],
  [30, 5],
];

test('fitSimilarity recovers rotation, scale and shift exactly from exact points', () => {
  for (const [scale, deg, tx, ty] of [
    [1, 0, 0, 0],
    [2.5, 30, -40, 12],
    [0.31, -97, 500.5, -3],
    [1.7, 180, 3, 4],
  ] as const) {
    const t = similarityFrom(scale, (deg * Math.PI) / 180, tx, ty);
    const dst = POINTS.map(([x, y]) => applySimilarity(t, x, y));
    const f = fitSimilarity(POINTS, dst);
    close(similarityScale(f), scale, 1e-9, 'scale');
    close(Math.cos(similarityAngle(f) - (deg * Math.PI) / 180), 1, 1e-12, 'angle');
    close(f.tx, tx, 1e-8, 'tx');
    close(f.ty, ty, 1e-8, 'ty');
    close(fitResidual(f, POINTS, dst), 0, 1e-9, 'residual');
  }
});

test('fitSimilarity: least squares under noise, weights, and no reflection for mirrored targets', () => {
  // noise that sums to zero and is orthogonal to the points leaves the exact transform the optimum
  const t = similarityFrom(1.3, 0.4, 7, -2);
  const dst = POINTS.map(([x, y]) => applySimilarity(t, x, y));
  const f = fitSimilarity(
    POINTS,
    dst.map(([x, y], i) => [x + (i % 2 ? 0.5 : -0.5), y] as const),
  );
  assert.ok(fitResidual(f, POINTS, dst) < 0.5);
  // a point with weight 0 does not count, however wrong
  const bad = dst.map((p, i) => (i === 2 ? ([p[0] + 100, p[1] - 80] as const) : p));
  const w = POINTS.map((_, i) => (i === 2 ? 0 : 1));
  const g = fitSimilarity(POINTS, bad, w);
  close(g.a, t.a, 1e-9, 'a');
  close(g.b, t.b, 1e-9, 'b');
  assert.equal(fitResidual(g, POINTS, bad, w) < 1e-9, true);
  // a mirrored point set: the best proper similarity, not a reflection (a·a + b·b > 0, det > 0 by construction)
  const mirrored = POINTS.map(([x, y]) => [-x, y] as const);
  const m = fitSimilarity(POINTS, mirrored);
  assert.ok(fitResidual(m, POINTS, mirrored) > 5, 'a reflection cannot be fitted');
  // errors name the problem
  assert.throws(() => fitSimilarity(POINTS, POINTS.slice(1)), /6 source points but 5/);
  assert.throws(
    () =>
      fitSimilarity(
        [
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [2, 2],
        ],
      ),
    /one place/,
  );
  assert.throws(
    () =>
      fitSimilarity(
        POINTS,
        POINTS,
        POINTS.map(() => 0),
      ),
    /no point has a positive weight/,
  );
});

test('invert and compose', () => {
  const t = similarityFrom(0.37, 2.1, 13, -8);
  const u = similarityFrom(3, -0.5, -1, 4);
  const i = invertSimilarity(t);
  for (const [x, y] of POINTS) {
    const [px, py] = applySimilarity(t, x, y);
    const [bx, by] = applySimilarity(i, px, py);
    close(bx, x, 1e-9, 'x');
    close(by, y, 1e-9, 'y');
    const [cx, cy] = applySimilarity(composeSimilarity(t, u), x, y);
    const [dx, dy] = applySimilarity(u, px, py);
    close(cx, dx, 1e-9, 'compose x');
    close(cy, dy, 1e-9, 'compose y');
  }
  assert.throws(() => invertSimilarity({ a: 0, b: 0, tx: 1, ty: 1 }), /degenerate/);
});

/** A w×h image whose pixel (x, y) is (x, y, x + y) modulo 256, as a linear ramp. */
function ramp(w: number, h: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x, y, (x + y) % 256], (y * w + x) * 3);
  return { data, width: w, height: h };
}

test('warp: identity and whole-pixel shifts copy pixels; half pixels interpolate; outside repeats the edge', () => {
  const img = ramp(40, 30);
  assert.deepEqual(warpSimilarity(img, { a: 1, b: 0, tx: 0, ty: 0 }, 40, 30), img.data);
  // frame (i, j) ← photo (i + 5, j + 3)
  const shifted = warpSimilarity(img, { a: 1, b: 0, tx: 5, ty: 3 }, 10, 10);
  for (let j = 0; j < 10; j++) for (let i = 0; i < 10; i++) assert.deepEqual([...shifted.subarray((j * 10 + i) * 3, (j * 10 + i) * 3 + 2)], [i + 5, j + 3]);
  // half a pixel to the right: the mean of two neighbours (a linear ramp stays exact)
  const half = warpSimilarity(img, { a: 1, b: 0, tx: 0.5, ty: 0 }, 10, 1);
  for (let i = 0; i < 9; i++) close(half[i * 3]!, i + 0.5, 0.5, `x at ${i}`);
  // left of and above the photo: the first column and row repeated
  const out = warpSimilarity(img, { a: 1, b: 0, tx: -20, ty: -20 }, 25, 25);
  assert.deepEqual([...out.subarray(0, 3)], [0, 0, 0]);
  assert.deepEqual([...out.subarray((24 * 25 + 24) * 3, (24 * 25 + 24) * 3 + 2)], [4, 4]);
  assert.deepEqual([...out.subarray(24 * 25 * 3, 24 * 25 * 3 + 2)], [0, 4], 'left of the photo: its first column');
});

test('warp: a quarter turn moves pixels where the transform says', () => {
  const img = ramp(20, 20);
  // frame → photo: rotate 90° about the photo's centre
  const rot = composeSimilarity(composeSimilarity({ a: 1, b: 0, tx: -10, ty: -10 }, similarityFrom(1, Math.PI / 2, 0, 0)), { a: 1, b: 0, tx: 10, ty: 10 });
  const out = warpSimilarity(img, rot, 20, 20);
  for (const [i, j] of [
    [0, 0],
    [3, 7],
    [19, 2],
    [11, 19],
  ] as const) {
    const [u, v] = applySimilarity(rot, i + 0.5, j + 0.5);
    const o = (j * 20 + i) * 3;
    assert.deepEqual([out[o], out[o + 1]], [Math.floor(u), Math.floor(v)], `frame (${i}, ${j}) ← photo (${u}, ${v})`);
  }
});

test('warp: shrinking by k averages k×k blocks (no aliasing of a fine pattern)', () => {
  // a 1-pixel checkerboard of 0 and 200: any shrink should give ~100 everywhere
  const w = 120,
    h = 90;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill((x + y) % 2 ? 200 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  const img = { data, width: w, height: h };
  for (const scale of [2, 3, 4.6]) {
    const out = warpSimilarity(img, { a: scale, b: 0, tx: 1, ty: 1 }, Math.floor((w - 2) / scale), Math.floor((h - 2) / scale));
    const values = [...out];
    assert.ok(
      values.every((v) => Math.abs(v - 100) <= 35),
      `shrink ×${scale}: values from ${Math.min(...values)} to ${Math.max(...values)}`,
    );
  }
  // boxShrink itself: exact means, partial blocks at the edges
  const s = boxShrink(ramp(5, 3), { left: 0, top: 0, width: 5, height: 3 }, 2);
  assert.equal(s.width, 3);
  assert.equal(s.height, 2);
  assert.deepEqual([...s.data.subarray(0, 3)], [1, 1, 1]); // x 0,1 × y 0,1: means 0.5, 0.5 and 1, rounded half up
  assert.deepEqual([...s.data.subarray((1 * 3 + 2) * 3, (1 * 3 + 2) * 3 + 3)], [4, 2, 6]); // the corner block holds one pixel
  // sizes are checked
  assert.throws(() => warpSimilarity({ data: new Uint8Array(5), width: 2, height: 2 }, { a: 1, b: 0, tx: 0, ty: 0 }, 2, 2), /5 bytes for 2×2/);
});

test("alignFace: a rotated, scaled, shifted copy of the template's points lands on the template; the face's pixels follow", () => {
  const tpl = templatePoints();
  // the "photo": the template's face, turned by 20°, ×2.3, moved; landmarks go with it
  const frameToPhoto = similarityFrom(2.3, (20 * Math.PI) / 180, 140, 35);
  const landmarks = tpl.flatMap(([x, y]) => applySimilarity(frameToPhoto, x, y));
  const t = alignmentTransform(landmarks);
  for (const [k, [x, y]] of tpl.entries()) {
    const [fx, fy] = applySimilarity(t, landmarks[2 * k]!, landmarks[2 * k + 1]!);
    close(fx, x, 1e-6, `point ${k} x`);
    close(fy, y, 1e-6, `point ${k} y`);
  }
  // draw a white dot at each landmark of a grey photo: alignment puts white at the template's points
  const W = 640,
    H = 600;
  const data = new Uint8Array(W * H * 3).fill(60);
  for (let k = 0; k < 5; k++) {
    const cx = landmarks[2 * k]!,
      cy = landmarks[2 * k + 1]!;
    for (let y = Math.floor(cy - 4); y <= cy + 4; y++)
      for (let x = Math.floor(cx - 4); x <= cx + 4; x++) {
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= 16) data.fill(255, (y * W + x) * 3, (y * W + x) * 3 + 3);
      }
  }
  const a = alignFace({ data, width: W, height: H }, landmarks);
  assert.equal(a.width, 178);
  assert.equal(a.height, 218);
  assert.equal(a.rgb.length, 178 * 218 * 3);
  close(a.residual, 0, 1e-6, 'residual');
  close(similarityScale(a.frameToPhoto), 2.3, 1e-9, 'frame → photo scale');
  for (const [x, y] of tpl) {
    const o = (Math.floor(y) * 178 + Math.floor(x)) * 3;
    assert.ok(a.rgb[o]! > 200, `white at the template point (${x}, ${y}): ${a.rgb[o]}`);
  }
  assert.equal(a.rgb[(5 * 178 + 5) * 3], 60, 'grey away from the points');
  // the inverse mapping takes the frame's points back to the photo's landmarks
  const [px, py] = applySimilarity(a.frameToPhoto, tpl[0]![0], tpl[0]![1]);
  close(px, landmarks[0]!, 1e-6, 'back x');
  close(py, landmarks[1]!, 1e-6, 'back y');
});

test("the measured template: eyes level and CelebA's published mean landmarks within 2 px; the nose does not count in the fit", () => {
  const t = CELEBA_TEMPLATE;
  assert.deepEqual(t.frame, { width: 178, height: 218 });
  assert.deepEqual(
    t.points.map((p) => p.name),
    ['lefteye', 'righteye', 'nose', 'leftmouth', 'rightmouth'],
  );
  assert.ok(t.measured.faces >= 300, `measured on ${t.measured.faces} faces`);
  // CelebA's list_landmarks_align_celeba.txt means (pixel indices; +0.5 for continuous coordinates)
  const celeba = [
    [69, 111],
    [108, 111],
    [89, 134],
    [72, 152],
    [106, 152],
  ];
  t.points.forEach((p, k) => {
    close(p.x, celeba[k]![0]! + 0.5, 2, `${p.name} x`);
    close(p.y, celeba[k]![1]! + 0.5, 2, `${p.name} y`);
  });
  close(t.points[0]!.y, t.points[1]!.y, 0.5, 'eyes level');
  assert.deepEqual(ALIGN_WEIGHTS, [1, 1, 0, 1, 1]);
});
