// The one fit rule (model_io/fit.ts): training's store and predict bring any image to the
// network's size through the same crop and the same pixels; landmarks follow the crop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { coverCrop, toInputPixels } from '../src/model_io/fit.js';
import { decodeItem, readCelebA, readLfwParts } from '../src/data/index.js';
import type { FaceItem } from '../src/data/types.js';
import { prepareImage } from '../src/infer/preprocess.js';
import { landmarksAtInput } from '../src/runs/landmarks.js';
import { sharedData, tempDir } from './helpers.js';

const NORM = { mean: [0, 0, 0], std: [1, 1, 1] };

test('coverCrop: known crops, whole pixels, the target aspect', () => {
  assert.deepEqual(coverCrop(178, 218, 89, 109), { left: 0, top: 0, width: 178, height: 218 });
  assert.deepEqual(coverCrop(89, 109, 178, 218), { left: 0, top: 0, width: 89, height: 109 });
  // LFW's 250×250 into 89×109: 204 columns kept, 23 cut on the left
  assert.deepEqual(coverCrop(250, 250, 89, 109), { left: 23, top: 0, width: 204, height: 250 });
  // a landscape photo loses its sides
  assert.deepEqual(coverCrop(1000, 500, 178, 218), { left: 296, top: 0, width: 408, height: 500 });
  // a tall one loses top and bottom
  assert.deepEqual(coverCrop(200, 1000, 178, 218), { left: 0, top: 377, width: 200, height: 245 });
});

test('toInputPixels: the crop centre maps to the input centre, crop corners to input corners', () => {
  const c = coverCrop(250, 250, 89, 109);
  assert.deepEqual(toInputPixels(c.left, c.top, 250, 250, 89, 109), [0, 0]);
  assert.deepEqual(toInputPixels(c.left + c.width, c.top + c.height, 250, 250, 89, 109), [89, 109]);
  assert.deepEqual(toInputPixels(89, 109, 178, 218, 89, 109), [44.5, 54.5]);
});

test('landmarks follow the crop (and mirror with the image)', () => {
  const raw = new Float32Array([100, 120, 150, 120, 125, 150, 105, 180, 145, 180]);
  const pts = landmarksAtInput(raw, [250, 250], 109, 89, false);
  const [x0, y0] = toInputPixels(100, 120, 250, 250, 89, 109);
  assert.ok(Math.abs(pts[0][0] - x0) < 1e-9 && Math.abs(pts[0][1] - y0) < 1e-9);
  const flipped = landmarksAtInput(raw, [250, 250], 109, 89, true);
  // the left eye of the mirrored face is the mirrored right eye
  const [x1] = toInputPixels(150, 120, 250, 250, 89, 109);
  assert.ok(Math.abs(flipped[0][0] - (89 - 1 - x1)) < 1e-9);
});

async function samePixels(item: FaceItem, height: number, width: number): Promise<void> {
  const stored = await decodeItem(item, { width, height });
  const predicted = await prepareImage(item.imagePath, height, width, NORM);
  assert.equal(stored.image.data.length, predicted.rgb.length);
  assert.ok(Buffer.from(stored.image.data).equals(Buffer.from(predicted.rgb)), `${item.imagePath}: training and predict pixels differ at ${width}×${height}`);
}

test('training store and predict see the same pixels: CelebA at full and half scale, LFW (cropped)', async () => {
  const celeba = readCelebA(sharedData('celeba')).items('test').slice(0, 2);
  const small = readCelebA(sharedData('celeba-small')).items().slice(0, 2);
  const lfw = readLfwParts(sharedData('lfw-parts')).items('val').slice(0, 2);
  for (const it of [...celeba, ...small]) await samePixels(it, 109, 89);
  for (const it of celeba) await samePixels(it, 218, 178);
  for (const it of lfw) await samePixels(it, 109, 89);
  // a CelebA face at its own aspect loses nothing: the half-scale folder is the full one shrunk
  const lfwMask = (await decodeItem(lfw[0]!, { width: 89, height: 109 })).mask!;
  assert.equal(lfwMask.width * lfwMask.height, 89 * 109);
});

test('EXIF orientation is honoured by both paths, sizes reported as seen', async () => {
  const dir = tempDir('fit-exif');
  // stored 60 wide × 40 high, shown turned a quarter (orientation 6): 40 × 60 upright
  const raw = Buffer.alloc(60 * 40 * 3);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 60; x++) raw.set([x * 4, y * 6, 128], (y * 60 + x) * 3);
  const file = join(dir, 'turned.png');
  writeFileSync(
    file,
    await sharp(raw, { raw: { width: 60, height: 40, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer(),
  );
  const p = await prepareImage(file, 60, 40, NORM);
  assert.deepEqual([p.originalWidth, p.originalHeight], [40, 60]);
  const item: FaceItem = { id: 'turned.png', imagePath: file, source: { file } };
  const d = await decodeItem(item, { width: 40, height: 60 });
  assert.ok(Buffer.from(d.image.data).equals(Buffer.from(p.rgb)));
  // orientation 6 turns clockwise: the stored top-left pixel (0,0,128) ends up top-right
  assert.deepEqual([...p.rgb.subarray((0 * 40 + 39) * 3, (0 * 40 + 39) * 3 + 3)], [0, 0, 128]);
});
