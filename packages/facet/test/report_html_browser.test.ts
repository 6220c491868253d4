// The predict command's HTML report in a real browser (Debian's chromium, never
// downloaded, driven by playwright-core): its inline script, which carries
// viz/colormap.ts's compiled source, runs without an error and draws each attribute's heat
// map with exactly the pixels Node's overlayHeat gives, as the map precomputed in Node.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { REGION_NAMES } from '../src/regions.js';
import type { FacePrediction, PredictionResult } from '../src/infer/predict.js';
import { HEAT_ALPHA, renderReportHtml } from '../src/infer/report_html.js';
import { argmaxRegions, regionFractions } from '../src/model_io/parse_labels.js';
import { heatRange, overlayHeat } from '../src/viz/colormap.js';
import { launchChromium, missingBrowser } from './browser_helpers.js';

const W = 20,
  H = 24,
  GH = 6,
  GW = 5;
const ATTRIBUTES = ['Smiling', 'Bangs', 'Eyeglasses', 'Male'];
const R = REGION_NAMES.length;

/** A deterministic stream in [0, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** One aligned crop's prediction, made up: odd float32 heat values, noisy pixels, a parse. */
function madeUpPrediction(): PredictionResult {
  const rand = uniform(7);
  const rgb = Uint8Array.from({ length: W * H * 3 }, () => Math.floor(256 * rand()));
  const parse = Float32Array.from({ length: R * W * H }, () => rand());
  const labels = argmaxRegions(parse, R, W * H);
  const regionWeights = new Float32Array(R * ATTRIBUTES.length);
  for (let a = 0; a < ATTRIBUTES.length; a++) {
    const w = Array.from({ length: R }, () => rand());
    const sum = w.reduce((x, y) => x + y, 0);
    w.forEach((v, r) => (regionWeights[r * ATTRIBUTES.length + a] = v / sum));
  }
  const face: FacePrediction = {
    box: { x: 0, y: 0, width: W, height: H },
    score: null,
    landmarks: null,
    aligned: null,
    inputToPhoto: { a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0 },
    probabilities: Float32Array.from([0.9, 0.2, 0.6, 0.4]),
    regionWeights,
    labels,
    regionFractions: regionFractions(labels, R),
    heatmaps: Float32Array.from({ length: ATTRIBUTES.length * GH * GW }, () => 3 * rand() - 1),
    gridHeight: GH,
    gridWidth: GW,
    rgb,
  };
  return {
    image: 'made-up.png',
    runtime: 'onnx',
    align: 'aligned',
    size: { width: W, height: H },
    inputSize: { width: W, height: H },
    attributeNames: ATTRIBUTES,
    regionNames: [...REGION_NAMES],
    faces: [face],
    preview: { rgb, width: W, height: H, scale: 1 },
    photoLabels: labels,
    timings: { decode: 0, detect: 0, refine: 0, align: 0, model: 0 },
  };
}

/** What Node draws for attribute a: the heat map blended over the input. */
function nodeHeat(p: PredictionResult, a: number): Uint8Array {
  const f = p.faces[0]!;
  return overlayHeat(f.rgb, W, H, { data: f.heatmaps.subarray(a * GH * GW, (a + 1) * GH * GW), height: GH, width: GW }, { alpha: HEAT_ALPHA });
}

/** An image element's pixels as packed RGB, read back through a canvas. */
async function imageRgb(page: Page, selector: string): Promise<Uint8Array> {
  const rgba = (await page.evaluate(`(async () => {
    const img = document.querySelector(${JSON.stringify(selector)});
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return Array.from(g.getImageData(0, 0, c.width, c.height).data);
  })()`)) as number[];
  return Uint8Array.from({ length: (rgba.length / 4) * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]!);
}

const text = (page: Page, selector: string): Promise<string | null> => page.textContent(selector);

test("prerequisite: Debian's chromium", () => {
  assert.equal(missingBrowser(), null);
});

describe('report: the inline script in chromium', { skip: missingBrowser() ?? false }, () => {
  const prediction = madeUpPrediction();
  let dir: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facet-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, await renderReportHtml(prediction));
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries viz/colormap.ts as compiled, and nothing else to fetch', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const module = readFileSync(new URL('../src/viz/colormap.js', import.meta.url), 'utf8')
      .replace(/^\/\/# sourceMappingURL=.*$/m, '')
      .trimEnd();
    assert.ok(html.includes(`<script type="module">\n${module}\n`), "the module opens the page's script");
    assert.doesNotMatch(html, /\bimport\s*[{(*'"]/);
  });

  it('opens on the most probable attribute, precomputed in Node', async () => {
    assert.equal(await page.getAttribute('img.heat', 'data-attribute'), 'Smiling');
    assert.deepEqual(await imageRgb(page, 'img.heat'), nodeHeat(prediction, 0));
  });

  it("draws another attribute's heat map with exactly Node's pixels, range and weights", async () => {
    await page.click('button.attr[data-i="2"]');
    await page.waitForSelector('img.heat[data-attribute="Eyeglasses"]', { timeout: 10_000 });
    assert.deepEqual(await imageRgb(page, 'img.heat'), nodeHeat(prediction, 2));
    const f = prediction.faces[0]!;
    const [lo, hi] = heatRange(f.heatmaps.subarray(2 * GH * GW, 3 * GH * GW));
    assert.equal(await text(page, '.heat-lo'), String(Number(lo.toPrecision(4))));
    assert.equal(await text(page, '.heat-hi'), String(Number(hi.toPrecision(4))));
    assert.equal(await text(page, '.sel-title'), 'Eyeglasses');
    assert.equal(await page.locator('.weights .wr').count(), R);
    assert.equal(await page.getAttribute('button.attr[data-i="2"]', 'aria-pressed'), 'true');
  });

  it('draws the first attribute again as Node precomputed it, by keyboard', async () => {
    // the bars are sorted by probability: Smiling, Eyeglasses, Male, Bangs
    await page.focus('button.attr[data-i="2"]');
    await page.keyboard.press('ArrowUp');
    await page.waitForSelector('img.heat[data-attribute="Smiling"]', { timeout: 10_000 });
    assert.deepEqual(await imageRgb(page, 'img.heat'), nodeHeat(prediction, 0));
  });

  it('ran without an error', () => {
    assert.deepEqual(errors, []);
  });
});
