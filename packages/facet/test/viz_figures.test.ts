/** The PNG figures: written atomically, of the right size, with known pixels where they should be. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  lossCurves,
  parseGrid,
  parseGridLayout,
  regionWeightMap,
  regionWeightLayout,
  heatmapOverlay,
  overlayHeat,
  overlay,
  activationComparison,
  activationComparisonLayout,
  strongestChannels,
  viridis,
  turbo,
} from '../src/viz/index.js';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { REGION_NAMES } from '../src/regions.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'facet-viz-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function readRgb(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return { data, width: info.width, height: info.height };
}

const px = (img: { data: Buffer; width: number }, x: number, y: number): number[] => {
  const i = 3 * (y * img.width + x);
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
};

/** A W×H photo whose pixel (x, y) is (x, y, 200): every position is recognizable. */
function photo(w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set([x, y, 200], 3 * (y * w + x));
  return rgb;
}

test('writes are atomic: no temporary file is left, and a failed write leaves nothing', async () => {
  writeFileAtomic(join(dir, 'atomic', 'a.bin'), new Uint8Array([1, 2]));
  assert.deepEqual(readdirSync(join(dir, 'atomic')), ['a.bin']);
  await assert.rejects(parseGrid([], join(dir, 'atomic', 'b.png')), /no items/);
  assert.deepEqual(readdirSync(join(dir, 'atomic')), ['a.bin']);
});

test('lossCurves: a chart of the requested size, log scale and broken series tolerated', async () => {
  const p = join(dir, 'loss.png');
  const pts = Array.from({ length: 50 }, (_, i) => [i * 10, 2 * Math.exp(-i / 10) + 0.05] as [number, number]);
  await lossCurves(
    [
      { name: 'train', points: pts },
      {
        name: 'val',
        points: [
          [0, 2],
          [250, NaN],
          [490, 0.1],
        ],
      },
    ],
    p,
  );
  let img = await readRgb(p);
  assert.deepEqual([img.width, img.height], [800, 480]);
  await lossCurves([{ name: 'train', points: [...pts, [500, 0], [510, -1]] }], p, { logY: true, width: 640, height: 360, title: 'log' });
  img = await readRgb(p);
  assert.deepEqual([img.width, img.height], [640, 360]);
  await lossCurves([], p); // empty chart: axes only
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('.')),
    [],
  );
});

test('parseGrid: photo, prediction overlay and truth overlay at their cells', async () => {
  const w = 40,
    h = 30;
  const rgb = photo(w, h);
  const pred = new Uint8Array(w * h).fill(1); // all hair
  pred[0] = 0; // top-left background
  const truth = new Uint8Array(w * h).fill(3); // all eyes
  const items = [
    { rgb, width: w, height: h, pred, truth },
    { rgb, width: w, height: h, pred }, // no truth: grey placeholder
  ];
  const p = join(dir, 'parse.png');
  const opts = { cellHeight: h, alpha: 0.5 }; // no resizing: pixels are exact
  await parseGrid(items, p, opts);
  const L = parseGridLayout(items, opts);
  assert.deepEqual(L.columns, ['Photo', 'Predicted parse', 'Ground truth']);
  assert.equal(L.cells.length, 6);
  const img = await readRgb(p);
  assert.deepEqual([img.width, img.height], [L.width, L.height]);
  const cell = (row: number, col: number) => L.cells.find((c) => c.row === row && c.col === col)!;
  const expPred = overlay(rgb, pred, 0.5);
  const expTruth = overlay(rgb, truth, 0.5);
  for (const [x, y] of [
    [0, 0],
    [5, 7],
    [39, 29],
    [20, 15],
  ] as const) {
    const i = 3 * (y * w + x);
    assert.deepEqual(px(img, cell(0, 0).left + x, cell(0, 0).top + y), [x, y, 200], `photo at ${x},${y}`);
    assert.deepEqual(px(img, cell(0, 1).left + x, cell(0, 1).top + y), Array.from(expPred.subarray(i, i + 3)), `pred at ${x},${y}`);
    assert.deepEqual(px(img, cell(0, 2).left + x, cell(0, 2).top + y), Array.from(expTruth.subarray(i, i + 3)), `truth at ${x},${y}`);
  }
  // hand check: pixel (5, 7) is (5, 7, 200), hair (230, 25, 75) at 0.5 → (117.5→118, 16, 137.5→138)
  assert.deepEqual(px(img, cell(0, 1).left + 5, cell(0, 1).top + 7), [118, 16, 138]);
  // background is untinted
  assert.deepEqual(px(img, cell(0, 1).left, cell(0, 1).top), [0, 0, 200]);
  // row 2 has no truth: its cell is the light grey placeholder
  assert.deepEqual(px(img, cell(1, 2).left + 3, cell(1, 2).top + 3), [238, 238, 238]);
  // default cell height scales small images up to 160
  assert.equal(parseGridLayout(items).cells[0]!.height, 160);
  await assert.rejects(parseGrid([{ rgb, width: w, height: h, pred: new Uint8Array(3) }], p), /3 labels for 1200 pixels/);
});

test('regionWeightMap: cells coloured by weight, size from the layout', async () => {
  const attrs = ['Smiling', 'Bald', 'Eyeglasses'];
  const m = new Float32Array(attrs.length * 7);
  for (let i = 0; i < m.length; i++) m[i] = i / (m.length - 1); // 0 … 1
  const p = join(dir, 'weights.png');
  const opts = { highlight: [5, 1, null], title: 'weights' };
  await regionWeightMap(m, attrs, REGION_NAMES, p, opts);
  const L = regionWeightLayout(attrs, REGION_NAMES, opts);
  const img = await readRgb(p);
  assert.deepEqual([img.width, img.height], [L.width, L.height]);
  // a cell's corner area (away from its centred text and outlines) has the colour of its value
  for (const [a, r] of [
    [0, 0],
    [1, 3],
    [2, 6],
  ] as const) {
    const c = L.cell(a, r);
    const got = px(img, c.left + 6, c.top + 4);
    const want = viridis(m[a * 7 + r]!);
    got.forEach((v, k) => assert.ok(Math.abs(v - want[k]!) <= 1, `cell ${a},${r}: ${got} vs ${want}`));
  }
  // the highlighted cell is outlined in red
  const hc = L.cell(0, 5);
  const edge = px(img, hc.left + 1, hc.top + hc.height / 2);
  assert.ok(edge[0]! > 200 && edge[1]! < 80, `outline ${edge}`);
  await assert.rejects(regionWeightMap(m, attrs, REGION_NAMES.slice(0, 6), p), /21 values for 3 attributes × 6 regions/);
});

test('heatmapOverlay: exact blended pixels undecorated; decorated figure is larger', async () => {
  const w = 12,
    h = 14;
  const rgb = photo(w, h);
  const heat = { data: new Float32Array(14 * 12).map((_, i) => i), height: 14, width: 12 };
  const p = join(dir, 'heat.png');
  await heatmapOverlay(rgb, w, h, heat, p, { decorate: false, alpha: 0.5 });
  const img = await readRgb(p);
  assert.deepEqual([img.width, img.height], [w, h]);
  // same grid as the photo: no interpolation; top-left is the minimum, bottom-right the maximum
  const t0 = turbo(0),
    t1 = turbo(1);
  assert.deepEqual(px(img, 0, 0), [Math.round(0.5 * 0 + 0.5 * t0[0]), Math.round(0.5 * 0 + 0.5 * t0[1]), Math.round(0.5 * 200 + 0.5 * t0[2])]);
  assert.deepEqual(px(img, 11, 13), [Math.round(0.5 * 11 + 0.5 * t1[0]), Math.round(0.5 * 13 + 0.5 * t1[1]), Math.round(0.5 * 200 + 0.5 * t1[2])]);
  assert.deepEqual(Array.from(img.data), Array.from(overlayHeat(rgb, w, h, heat, { alpha: 0.5 })));
  await heatmapOverlay(photo(178, 218), 178, 218, heat, p, { title: 'Smiling' });
  const big = await readRgb(p);
  assert.ok(big.height > 256 && big.width > 178, `${big.width}×${big.height}`);
  await assert.rejects(heatmapOverlay(rgb, w, h, { data: new Float32Array(5), height: 2, width: 3 }, p), /5 values for a 2×3 map/);
});

test('strongestChannels: by mean or max, strongest first', () => {
  // 3 channels of 1×2: means [1, 3, 2], maxes [2, 3, 4]
  const act = new Float32Array([0, 2, 3, 3, 0, 4]);
  const byMean = strongestChannels(act, 3, 1, 2, 2);
  assert.deepEqual(
    byMean.map((m) => [m.channel, m.score]),
    [
      [1, 3],
      [2, 2],
    ],
  );
  assert.deepEqual(Array.from(byMean[1]!.data), [0, 4]);
  assert.deepEqual(
    strongestChannels(act, 3, 1, 2, 5, 'max').map((m) => m.channel),
    [2, 1, 0],
  );
  assert.throws(() => strongestChannels(act, 2, 1, 2, 1), /6 values for 2×1×2/);
});

test("activationComparison: photo and each method's maps where the layout says", async () => {
  const w = 24,
    h = 28;
  const rgb = photo(w, h);
  const map = (v: number) => ({ channel: v, height: 2, width: 2, data: new Float32Array([v, v + 1, v + 2, v + 3]) });
  const input = {
    methods: ['Avg. Pooling', 'SSP'],
    items: [
      {
        rgb,
        width: w,
        height: h,
        maps: [
          [map(0), map(1), map(2)],
          [map(5), map(6)],
        ],
        caption: 'a',
      },
      { rgb, width: w, height: h, maps: [[map(0)], [map(5)]] },
    ],
  };
  const opts = { cellHeight: h, alpha: 0.6, title: 'Figure 5' };
  const p = join(dir, 'acts.png');
  await activationComparison(input, p, opts);
  const L = activationComparisonLayout(input, opts);
  assert.deepEqual(L.perMethod, [3, 2]);
  const img = await readRgb(p);
  assert.deepEqual([img.width, img.height], [L.width, L.height]);
  const ph = L.photo(1);
  assert.deepEqual(px(img, ph.left + 3, ph.top + 4), [3, 4, 200]);
  const exp = overlayHeat(rgb, w, h, input.items[0]!.maps[1]![1]!, { alpha: 0.6 });
  const c = L.map(0, 1, 1);
  for (const [x, y] of [
    [0, 0],
    [23, 27],
    [10, 13],
  ] as const) {
    const i = 3 * (y * w + x);
    assert.deepEqual(px(img, c.left + x, c.top + y), Array.from(exp.subarray(i, i + 3)), `SSP #2 at ${x},${y}`);
  }
  await assert.rejects(activationComparison({ methods: ['x'], items: input.items }, p), /2 map lists for 1 methods/);
  assert.ok(existsSync(p));
});
