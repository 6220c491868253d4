// Any photo → its faces, aligned as CelebA's crops, on real photos: CelebA's own
// in-the-wild photos against their official crops, a photo without a face, two faces
// side by side, and a photo stored sideways with an EXIF orientation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FaceDetector } from '../src/face/human.js';
import { facesInPhoto, type PhotoFaces, MIN_BOX_SCORE } from '../src/face/faces_in_photo.js';
import { padToSquare } from '../src/face/find_faces.js';
import { fivePoints } from '../src/face/mesh_regions.js';
import { templatePoints } from '../src/face/align.js';
import { applySimilarity } from '../src/face/similarity.js';
import { decodeUpright, loadImage } from '../src/data/image.js';
import { sharedData, tempDir } from './helpers.js';

const WILD = sharedData('celeba-wild', 'Img', 'img_celeba');
const CROPS = sharedData('celeba', 'Img', 'img_align_celeba');
/** the first 10 wild photos (by name) whose official crop is in celeba/ */
const PAIRED = readdirSync(WILD)
  .filter((f) => readdirSync(CROPS).includes(f))
  .sort()
  .slice(0, 10);

let detector: FaceDetector;
before(async () => {
  detector = await FaceDetector.load({ maxFaces: 12 });
});
after(() => detector.dispose());

/** The detector's five points on a 178×218 crop (the face over its centre). */
async function pointsOnCrop(rgb: { data: Uint8Array; width: number; height: number }): Promise<Float32Array> {
  const faces = await detector.detectFaces(rgb);
  const f = faces.find(({ box: [x, y, w, h] }) => x <= 89 && 89 <= x + w && y <= 109 && 109 <= y + h);
  assert.ok(f, 'a face over the crop centre');
  return fivePoints(f.mesh);
}

const meanDistance = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < 5; k++) s += Math.hypot(a[2 * k]! - b[2 * k]!, a[2 * k + 1]! - b[2 * k + 1]!);
  return s / 5;
};

describe('faces in CelebA photos, against their official crops', () => {
  const found: Array<{ name: string; r: PhotoFaces }> = [];
  before(async () => {
    assert.equal(PAIRED.length, 10);
    for (const name of PAIRED) found.push({ name, r: await facesInPhoto(join(WILD, name), { detector }) });
  });

  it('finds the face of each photo; its aligned crop puts the landmarks on the template and where the official crop has them', async () => {
    const tpl = templatePoints().flat();
    const toTemplate: number[] = [];
    const toOfficial: number[] = [];
    for (const { name, r } of found) {
      assert.ok(r.faces.length >= 1, `${name}: no face`);
      const f = r.faces[0]!;
      assert.ok(f.refined, `${name}: the second look on the aligned crop found the face`);
      assert.equal(f.aligned.width, 178);
      assert.equal(f.aligned.height, 218);
      // the landmarks the fit used, carried into the frame, sit on the template (eyes, mouth corners: the fitted points)
      const mapped = [0, 1, 2, 3, 4].flatMap((k) => applySimilarity(f.aligned.photoToFrame, f.landmarks[2 * k]!, f.landmarks[2 * k + 1]!));
      for (const k of [0, 1, 3, 4])
        assert.ok(Math.hypot(mapped[2 * k]! - tpl[2 * k]!, mapped[2 * k + 1]! - tpl[2 * k + 1]!) < 6, `${name}: point ${k} of the fit`);
      // and the detector run again on the aligned crop finds them there
      const again = await pointsOnCrop({ data: f.aligned.rgb, width: 178, height: 218 });
      const official = await pointsOnCrop(await loadImage(join(CROPS, name)));
      toTemplate.push(meanDistance(again, tpl));
      toOfficial.push(meanDistance(again, official));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(
      `# 10 wild photos: aligned crop's landmarks vs template ${mean(toTemplate).toFixed(2)} px (max ${Math.max(...toTemplate).toFixed(2)}), vs the official crop's ${mean(toOfficial).toFixed(2)} px (max ${Math.max(...toOfficial).toFixed(2)})`,
    );
    // measured 2026-12-01: template 2.5 px mean, 4.4 max (the nose's own spread is 7 px); official crop 1.5 px mean, 2.9 max
    // (1.8 and 4.4 without the second look on the aligned crop)
    assert.ok(mean(toTemplate) < 4, `mean distance to the template ${mean(toTemplate)}`);
    assert.ok(mean(toOfficial) < 2.2, `mean distance to the official crop's landmarks ${mean(toOfficial)}`);
    assert.ok(Math.max(...toOfficial) < 4.5, `largest distance to the official crop's landmarks ${Math.max(...toOfficial)}`);
  });

  it('the aligned crop matches the official one by image correlation within a few px of shift', async () => {
    /** normalised cross-correlation of the grey levels over the face (eyes to chin), b shifted by (dx, dy) */
    const ncc = (a: Uint8Array, b: Uint8Array, dx = 0, dy = 0): number => {
      const va: number[] = [],
        vb: number[] = [];
      for (let y = 80; y < 190; y++)
        for (let x = 50; x < 128; x++) {
          const i = (y * 178 + x) * 3,
            j = ((y + dy) * 178 + x + dx) * 3;
          va.push(a[i]! + a[i + 1]! + a[i + 2]!);
          vb.push(b[j]! + b[j + 1]! + b[j + 2]!);
        }
      const m = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      const [ma, mb] = [m(va), m(vb)];
      let sab = 0,
        saa = 0,
        sbb = 0;
      for (let k = 0; k < va.length; k++) {
        sab += (va[k]! - ma) * (vb[k]! - mb);
        saa += (va[k]! - ma) ** 2;
        sbb += (vb[k]! - mb) ** 2;
      }
      return sab / Math.sqrt(saa * sbb);
    };
    // the shift of the official crop that best matches the aligned one (an image-based check, independent of the detector)
    const shifts: number[] = [];
    const best: number[] = [];
    for (const { name, r } of found) {
      const official = (await loadImage(join(CROPS, name))).data;
      const a = r.faces[0]!.aligned.rgb;
      let top = { c: -2, d: 0 };
      for (let dy = -5; dy <= 5; dy++)
        for (let dx = -5; dx <= 5; dx++) {
          const c = ncc(a, official, dx, dy);
          if (c > top.c) top = { c, d: Math.hypot(dx, dy) };
        }
      shifts.push(top.d);
      best.push(top.c);
    }
    console.log(
      `# aligned vs official crop: best-matching shift ${shifts.map((d) => d.toFixed(1)).join(' ')} px; correlation there ${best.map((c) => c.toFixed(2)).join(' ')}`,
    );
    // measured 2026-12-01: shifts 0–3 px, mean 1.0; correlation 0.79–0.99 (the copies here differ in tone from CelebA's sources, hence correlation, not differences)
    assert.ok(shifts.reduce((x, y) => x + y, 0) / shifts.length < 2, shifts.join(', '));
    assert.ok(Math.max(...shifts) <= 4.5, shifts.join(', '));
    assert.ok(
      best.every((c) => c > 0.7),
      best.join(', '),
    );
  });
  it("refine: false aligns from the photo's mesh alone: nearly the same crop", async () => {
    const name = PAIRED[3]!;
    const [once, twice] = [await facesInPhoto(join(WILD, name), { detector, refine: false }), await facesInPhoto(join(WILD, name), { detector })];
    assert.equal(once.faces[0]!.refined, false);
    const d = meanDistance(once.faces[0]!.landmarks, twice.faces[0]!.landmarks);
    assert.ok(d > 0 && d < 0.1 * once.faces[0]!.box[2], `landmarks moved ${d} px`);
  });
});

describe('photos made for the test', () => {
  const work = tempDir('faces-in-photo');
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a gradient has no face: an empty list', async () => {
    const w = 320,
      h = 240;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x * 0.8, y, 128], (y * w + x) * 3);
    const png = await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer();
    const r = await facesInPhoto(new Uint8Array(png), { detector });
    assert.deepEqual(r.faces, []);
    assert.equal(r.photo.width, 320);
  });

  it('two real faces side by side: two faces, the larger first, each aligned to its own face', async () => {
    // official crops of two people, one at 2× and one at 1.3×, on one canvas
    const [a, b] = [PAIRED[0]!, PAIRED[5]!];
    const big = await sharp(join(CROPS, a)).resize(356, 436).toBuffer();
    const small = await sharp(join(CROPS, b)).resize(231, 283).toBuffer();
    const file = join(work, 'two.jpg');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } })
      .composite([
        { input: small, left: 20, top: 150 },
        { input: big, left: 270, top: 20 },
      ])
      .jpeg({ quality: 92 })
      .toFile(file);
    const r = await facesInPhoto(file, { detector });
    assert.equal(r.faces.length, 2, `faces: ${r.faces.map((f) => f.box.map(Math.round).join(',')).join(' | ')}`);
    const [first, second] = r.faces;
    assert.ok(first!.box[2] * first!.box[3] > second!.box[2] * second!.box[3], 'largest first');
    assert.ok(first!.box[0] > 270 && second!.box[0] < 270, 'the big face is the right one');
    // each aligned crop shows its own face where the official crop has it
    for (const [f, name] of [
      [first!, a],
      [second!, b],
    ] as const) {
      const again = await pointsOnCrop({ data: f.aligned.rgb, width: 178, height: 218 });
      const official = await pointsOnCrop(await loadImage(join(CROPS, name)));
      assert.ok(meanDistance(again, official) < 3, `${name}: ${meanDistance(again, official)} px from the official crop's landmarks`);
    }
  });

  it('a photo stored sideways with EXIF orientation 6: the same face, in upright coordinates', async () => {
    const name = PAIRED[2]!;
    const upright = await facesInPhoto(join(WILD, name), { detector });
    // orientation 6: the stored pixels are turned 90° counter-clockwise; viewers turn them back clockwise
    const sideways = join(work, 'sideways.jpg');
    await sharp(join(WILD, name)).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(sideways);
    const meta = await sharp(sideways).metadata();
    assert.equal(meta.orientation, 6);
    assert.equal(meta.width, upright.photo.height, 'stored sideways');
    const r = await facesInPhoto(sideways, { detector });
    assert.deepEqual([r.photo.width, r.photo.height], [upright.photo.width, upright.photo.height], 'decoded upright');
    assert.ok(r.faces.length >= 1);
    const d = meanDistance(r.faces[0]!.landmarks, upright.faces[0]!.landmarks);
    assert.ok(d < 3, `landmarks ${d} px from the upright photo's`);
  });
});

describe('photos the first look misses: again on a grey square', () => {
  it('padToSquare centres the photo on grey', () => {
    const img = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1 };
    const { image, left, top } = padToSquare(img, 4, 9);
    assert.deepEqual([left, top, image.width, image.height], [1, 1, 4, 4]);
    const px = (x: number, y: number) => Array.from(image.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3));
    assert.deepEqual(px(1, 1), [1, 2, 3]);
    assert.deepEqual(px(2, 1), [4, 5, 6]);
    assert.deepEqual(px(0, 0), [9, 9, 9]);
    assert.deepEqual(px(3, 3), [9, 9, 9]);
    assert.throws(() => padToSquare(img, 1), /side 1 is not an integer ≥ 2×1/);
  });

  it("a tall narrow photo (CelebA's 059857.jpg, 115×460): nothing on the photo itself, the face on the square, in the photo's pixels", async () => {
    const file = join(WILD, '059857.jpg');
    const img = await decodeUpright(file);
    assert.deepEqual([img.width, img.height], [115, 460]);
    const direct = (await detector.detectFaces(img)).filter((f) => f.boxScore >= MIN_BOX_SCORE);
    assert.deepEqual(direct, [], 'the photo as it is: no face kept');
    const r = await facesInPhoto(file, { detector });
    assert.equal(r.faces.length, 1);
    const f = r.faces[0]!;
    assert.ok(f.refined, 'the second look found the face on its aligned crop');
    // both eyes inside the photo, level, a face's width apart, the fit close to the template
    const [lx, ly, rx, ry] = f.landmarks;
    for (const [x, y] of [
      [lx!, ly!],
      [rx!, ry!],
    ])
      assert.ok(x > 0 && x < img.width && y > 0 && y < img.height, `eye at (${x}, ${y})`);
    assert.ok(rx! - lx! > 8 && rx! - lx! < 40 && Math.abs(ry! - ly!) < 6, `eyes ${lx},${ly} and ${rx},${ry}`);
    assert.ok(f.aligned.residual < 5, `residual ${f.aligned.residual}`);
  });
});
