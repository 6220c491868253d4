// The page in a real browser: Debian's chromium (never downloaded) driven by
// playwright-core, against facet serve on 127.0.0.1. Upload a synthetic face, wait for 40
// attribute bars and a drawn parse overlay, click an attribute and see its heat map;
// the model runs in the page (onnxruntime-web, wasm threads under COOP/COEP) and nothing
// is fetched from another origin; an int8 export served with --onnx runs there too. Skipped (with the reason) when chromium or the built
// page (npm run build:web) is missing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createPredictor } from '../src/serve/predictor.js';
import { readBundle } from '../src/infer/bundle.js';
import { exportBundleInt8 } from '../src/infer/onnx/int8_export.js';
import { launchChromium, missingBrowserPrerequisite, waitUntil } from './browser_helpers.js';
import { faceJpeg, type Running, startServer, testPredictor } from './serve_helpers.js';

// The page's globals, typed just enough for the page.evaluate callbacks below (this
// file compiles without the DOM lib; the callbacks run in the browser).
interface PageElement {
  width: number;
  height: number;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  style: { opacity: string };
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
  body: { classList: { contains(name: string): boolean } };
};
declare const self: { crossOriginIsolated: boolean };
declare const window: { facet: { probabilities: number[]; photo: string } };

const SCREENSHOT = process.env.FACET_SCREENSHOT ?? '/tmp/facet-web.png';
test("prerequisites: Debian's chromium and the built page", () => {
  assert.equal(missingBrowserPrerequisite(), null);
});

/** Pixels of a canvas with alpha > 0, and the sum of its RGB. */
async function canvasInk(page: Page, selector: string): Promise<{ opaque: number; rgb: number; width: number; height: number }> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel)!;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    let rgb = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3]! > 0) opaque++;
      rgb += d[i]! + d[i + 1]! + d[i + 2]!;
    }
    return { opaque, rgb, width: c.width, height: c.height };
  }, selector);
}

describe('web: the page in chromium', { skip: missingBrowserPrerequisite() ?? false }, () => {
  let s: Running;
  let browser: Browser;
  let page: Page;
  const foreign: string[] = [];
  const problems: string[] = [];

  before(async () => {
    s = await startServer({ concurrency: 1, queue: 4 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const origin = new URL(s.url).origin;
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await s?.close();
  });

  it('loads the model in the page, cross-origin isolated, with wasm threads', async () => {
    const t0 = Date.now();
    await page.goto(s.url);
    await page.waitForSelector('body.ready', { timeout: 60_000 });
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    const status = await page.textContent('#status');
    assert.match(status ?? '', /40 attributes · 178×218 · wasm/);
    assert.equal(await page.locator('.sample').count(), 2);
    console.log(`# model ready in the page after ${Date.now() - t0} ms: ${status}`);
  });

  it('a synthetic face upload → 40 attribute bars, a drawn parse overlay, the same probabilities as the server', async () => {
    const t0 = Date.now();
    const jpeg = await faceJpeg(1);
    await page.setInputFiles('#file', { name: 'face.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await waitUntil(page, '40 attribute rows', () => document.querySelectorAll('#attributes .attr-row').length === 40, '', 60_000);
    const parse = await canvasInk(page, '#parse-overlay');
    assert.equal(parse.width, 178);
    assert.equal(parse.height, 218);
    assert.ok(parse.opaque > 0, 'the parse overlay has drawn (non-transparent) pixels');
    const photo = await canvasInk(page, '#photo-parse');
    assert.equal(photo.opaque, 178 * 218);
    // the browser's preprocessing (canvas, no resize at the bundle's size) matches sharp's closely
    const browserProbs = await page.evaluate(() => window.facet.probabilities);
    // the page runs the model on the whole image (an aligned crop): so does the server with ?align=aligned
    const server = (await (
      await fetch(new URL('/v1/predict?align=aligned', s.url), { method: 'POST', body: jpeg, headers: { 'content-type': 'image/jpeg' } })
    ).json()) as {
      faces: Array<{ attributes: Record<string, number> }>;
    };
    const serverProbs = Object.values(server.faces[0]!.attributes);
    const diff = Math.max(...serverProbs.map((p, i) => Math.abs(p - browserProbs[i]!)));
    // the same float graph in wasm and in Node: float rounding only (1.2e-7 measured)
    assert.ok(diff < 1e-5, `browser vs server probabilities differ by ${diff}`);
    console.log(`# upload → 40 bars in ${Date.now() - t0} ms; browser vs server max |Δp| = ${diff.toExponential(2)}`);
  });

  it('clicking an attribute draws its heat map and region weights; opacity controls the overlay', async () => {
    const row = page.locator('#attributes .attr-row').nth(7);
    const name = await row.getAttribute('data-attribute');
    assert.ok(name);
    await row.click();
    await waitUntil(page, `the heat map of ${name}`, (n) => document.querySelector('#heat-overlay')?.dataset.attribute === n, name, 10_000);
    const heat = await canvasInk(page, '#heat-overlay');
    assert.equal(heat.opaque, 178 * 218);
    assert.ok(heat.rgb > 0);
    assert.equal(await page.locator('#region-chart .region-row').count(), 7);
    assert.equal(await page.getAttribute('#region-chart', 'data-attribute'), name);
    assert.equal(await row.getAttribute('aria-pressed'), 'true');
    await page.locator('#parse-opacity').fill('20');
    assert.equal(await page.evaluate(() => document.querySelector('#parse-overlay')!.style.opacity), '0.2');
    await page.locator('#parse-opacity').fill('55');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`# screenshot: ${SCREENSHOT}`);
  });

  it('a sample face runs too; nothing came from another origin and the page logged no errors', async () => {
    const sample = page.locator('.sample').first();
    const name = await sample.getAttribute('data-sample');
    assert.ok(name);
    await sample.click();
    // the status names the photo it reports on: the previous upload's "inference" line does not count
    await waitUntil(page, `${name}'s result`, (n) => (document.querySelector('#status')?.textContent ?? '').includes(`${n}: inference`), name, 30_000);
    await page.setInputFiles('#file', { name: 'junk.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not an image') });
    await waitUntil(page, 'the error status', () => document.querySelector('#status')?.dataset.kind === 'error', '', 10_000);
    assert.match((await page.textContent('#status')) ?? '', /junk\.jpg is not an image/);
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems, []);
  });

  it('a photo chosen while a sample is still loading wins: the late sample never overwrites it', async () => {
    const sample = page.locator('.sample').nth(1);
    const name = await sample.getAttribute('data-sample');
    assert.ok(name);
    const before = await page.evaluate(() => window.facet.photo);
    let delivered = false;
    // hold the sample's bytes back until the junk file has been chosen
    await page.route(
      (url) => url.pathname.startsWith('/samples/'),
      async (route) => {
        await new Promise((r) => setTimeout(r, 1000));
        await route.continue();
        delivered = true;
      },
    );
    try {
      await sample.click();
      await page.setInputFiles('#file', { name: 'junk2.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('still not an image') });
      await waitUntil(page, 'the error status', () => document.querySelector('#status')?.dataset.kind === 'error', '', 10_000);
      while (!delivered) await new Promise((r) => setTimeout(r, 20));
      await waitUntil(page, 'the page to settle', () => !document.body.classList.contains('busy'), '', 10_000);
      assert.equal(await page.getAttribute('#status', 'data-kind'), 'error');
      assert.match((await page.textContent('#status')) ?? '', /junk2\.jpg is not an image/);
      assert.equal(await page.evaluate(() => window.facet.photo), before, `the superseded ${name} was not shown`);
    } finally {
      await page.unroute((url) => url.pathname.startsWith('/samples/'));
    }
  });

  it('an int8 export (serve --onnx) runs in the page as well, agreeing with the server running it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facet-web-int8-'));
    const file = join(dir, 'int8.onnx');
    const { dir: bundleDir } = await testPredictor();
    writeFileSync(file, (await exportBundleInt8(readBundle(bundleDir), { syntheticCount: 8 })).bytes);
    const predictor = await createPredictor({ onnxFile: file }, { threads: 1 });
    const int8 = await startServer({ predictor });
    const p = await browser.newPage();
    try {
      await p.goto(int8.url);
      await p.waitForSelector('body.ready', { timeout: 60_000 });
      const jpeg = await faceJpeg(1);
      await p.setInputFiles('#file', { name: 'face.jpg', mimeType: 'image/jpeg', buffer: jpeg });
      await waitUntil(p, '40 attribute rows (int8)', () => document.querySelectorAll('#attributes .attr-row').length === 40, '', 60_000);
      const browserProbs = await p.evaluate(() => window.facet.probabilities);
      const server = (await (
        await fetch(new URL('/v1/predict?align=aligned', int8.url), { method: 'POST', body: jpeg, headers: { 'content-type': 'image/jpeg' } })
      ).json()) as {
        faces: Array<{ attributes: Record<string, number> }>;
      };
      const diff = Math.max(...Object.values(server.faces[0]!.attributes).map((v, i) => Math.abs(v - browserProbs[i]!)));
      assert.ok(diff < 1e-5, `int8: browser vs server probabilities differ by ${diff}`);
      console.log(`# int8 model (${readFileSync(file).length} bytes) in the page: browser vs server max |Δp| = ${diff.toExponential(2)}`);
    } finally {
      await p.close();
      await int8.close();
      await predictor.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
