// The label engine: FaceMesh on real CelebA faces, the region maps drawn from it, polygon
// filling, `facet label` end to end and its output read back as a data set.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FaceDetector, type DetectedFace } from '../src/face/human.js';
import { FACE_OVAL, UNLABELLED, fivePoints, foreheadBand, meshRegionMap, toPixelIndices } from '../src/face/mesh_regions.js';
import { fillPolygon, polygonCentroid } from '../src/face/polygon.js';
import { JOURNAL_FILE, findFace, labelFaces } from '../src/face/labeller.js';
import { writeLabelFigure } from '../src/face/label_figure.js';
import { runLabel } from '../src/cli/commands/label.js';
import { runDataCheck } from '../src/cli/commands/data.js';
import { openDataset } from '../src/data/detect.js';
import { detectFormat } from '../src/data/detect.js';
import { DataError } from '../src/data/errors.js';
import { LABELS_FILE, LANDMARKS_FILE, maskPath } from '../src/data/face_labels.js';
import { loadImage, loadMask, loadMaskSource } from '../src/data/image.js';
import { MESH_LABELS, MeshLabel } from '../src/data/label_sets.js';
import { sharedData, tempDir } from './helpers.js';

const CELEBA = () => sharedData('celeba');
const imagesOf = (root: string) => join(root, 'Img', 'img_align_celeba');

/**
 * CelebA's mean aligned landmarks (178×218 frame), as published with the data set's
 * list_landmarks_align_celeba.txt: left eye, right eye, nose, left and right mouth corner.
 */
const CELEBA_MEAN = [69, 111, 108, 111, 89, 134, 72, 152, 106, 152];

async function rgbOf(path: string) {
  const img = await loadImage(path);
  return { data: img.data, width: img.width, height: img.height };
}

let detector: FaceDetector;
/** the first 20 faces of celeba/ (by file name) and what the detector found in each */
const faces: { id: string; width: number; height: number; found: DetectedFace[] }[] = [];

before(async () => {
  detector = await FaceDetector.load();
  const dir = imagesOf(CELEBA());
  for (const id of readdirSync(dir).sort().slice(0, 20)) {
    const rgb = await rgbOf(join(dir, id));
    faces.push({ id, width: rgb.width, height: rgb.height, found: await detector.detectFaces(rgb) });
  }
});

describe('face detector (Human, BlazeFace + FaceMesh)', () => {
  it('runs on the WebAssembly backend', () => {
    assert.equal(detector.backend, 'wasm');
    assert.match(detector.humanVersion, /^3\.3\./);
    assert.match(detector.tfjsVersion, /^4\./);
  });

  it('finds exactly one face, with 468 points inside the image, in each of 20 real aligned faces', () => {
    assert.equal(faces.length, 20);
    for (const f of faces) {
      assert.equal(f.found.length, 1, `${f.id}: ${f.found.length} faces`);
      const face = f.found[0]!;
      assert.equal(face.mesh.length, 468, f.id);
      assert.ok(face.score > 0.5, `${f.id}: score ${face.score}`);
      const [x, y, w, h] = face.box;
      assert.ok(w > 60 && h > 60 && x > -w / 2 && y > -h / 2, `${f.id}: box ${face.box.join(',')}`);
      const outside = face.mesh.filter(([px, py]) => px < -2 || py < -2 || px > f.width + 2 || py > f.height + 2).length;
      assert.equal(outside, 0, `${f.id}: ${outside} mesh points outside the image`);
    }
  });

  it("puts the mean of the five points within 6 px of CelebA's mean aligned landmarks", () => {
    const mean = new Array<number>(10).fill(0);
    for (const f of faces) {
      const p = toPixelIndices(fivePoints(f.found[0]!.mesh));
      p.forEach((v, k) => (mean[k]! += v / faces.length));
      assert.ok(p[0]! < p[2]! && p[6]! < p[8]!, `${f.id}: CelebA's left eye and mouth corner are on the image's left`);
    }
    const names = ['left eye', 'right eye', 'nose', 'left mouth corner', 'right mouth corner'];
    for (let k = 0; k < 5; k++) {
      const d = Math.hypot(mean[2 * k]! - CELEBA_MEAN[2 * k]!, mean[2 * k + 1]! - CELEBA_MEAN[2 * k + 1]!);
      assert.ok(
        d <= 6,
        `${names[k]}: mean (${mean[2 * k]!.toFixed(1)}, ${mean[2 * k + 1]!.toFixed(1)}) is ${d.toFixed(1)} px from CelebA's (${CELEBA_MEAN[2 * k]}, ${CELEBA_MEAN[2 * k + 1]})`,
      );
    }
  });

  it('finds the faces of the half-size folder (89×109) too, at half the positions', async () => {
    const dir = imagesOf(sharedData('celeba-small'));
    const mean = new Array<number>(10).fill(0);
    const ids = readdirSync(dir).sort().slice(0, 8);
    for (const id of ids) {
      const rgb = await rgbOf(join(dir, id));
      assert.deepEqual([rgb.width, rgb.height], [89, 109]);
      const found = await detector.detectFaces(rgb);
      assert.ok(found.length >= 1, `${id}: no face`);
      fivePoints(found[0]!.mesh).forEach((v, k) => (mean[k]! += v / ids.length));
    }
    for (let k = 0; k < 10; k++) assert.ok(Math.abs(mean[k]! - CELEBA_MEAN[k]! / 2) <= 4, `coordinate ${k}: ${mean[k]} vs ${CELEBA_MEAN[k]! / 2}`);
  });

  it('takes only a face over the centre of an aligned crop: a false face in a corner is a miss', async () => {
    // 024222.jpg: a painted face BlazeFace misses, and a "face" it finds in the bottom-left corner
    const img = await loadImage(join(imagesOf(CELEBA()), '024222.jpg'));
    const all = await detector.detectFaces(img);
    assert.ok(all.length >= 1 && all[0]!.box[0] + all[0]!.box[2] < img.width / 2, 'the detector finds the corner face');
    const centred = await findFace(detector, img);
    assert.equal(centred.found, null);
    assert.equal(centred.offCentre, true);
    const anywhere = await findFace(detector, img, false);
    assert.ok(anywhere.found);
    // an ordinary face is found either way, at native size
    const ok = await findFace(detector, await loadImage(join(imagesOf(CELEBA()), faces[0]!.id)));
    assert.equal(ok.found?.upsampled, false);
  });

  it('refuses to run after dispose(), while other detectors keep working', async () => {
    const d = await FaceDetector.load();
    const rgb = await rgbOf(join(imagesOf(CELEBA()), faces[0]!.id));
    assert.equal((await d.detectFaces(rgb)).length, 1);
    d.dispose();
    await assert.rejects(d.detectFaces(rgb), /after dispose/);
    assert.equal((await detector.detectFaces(rgb)).length, 1);
  });
});

function centroid(map: Uint8Array, width: number, label: number): { x: number; y: number; n: number } {
  let x = 0;
  let y = 0;
  let n = 0;
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== label) continue;
    x += i % width;
    y += Math.floor(i / width);
    n++;
  }
  return { x: x / n, y: y / n, n };
}

describe('region maps from the mesh', () => {
  it('places eyes above nose above mouth, eyes on both sides of the midline, skin the largest face class', () => {
    for (const f of faces) {
      const mesh = f.found[0]!.mesh;
      const map = meshRegionMap(mesh, f.width, f.height);
      assert.equal(map.length, f.width * f.height);
      const c = (l: number) => centroid(map, f.width, l);
      for (const [name, l] of Object.entries(MeshLabel)) assert.ok(c(l).n > 0, `${f.id}: no ${name} pixels`);
      const eyes = c(MeshLabel.eyes);
      const brows = c(MeshLabel.eyebrows);
      const nose = c(MeshLabel.nose);
      const mouth = c(MeshLabel.mouth);
      assert.ok(brows.y < eyes.y && eyes.y < nose.y && nose.y < mouth.y, `${f.id}: brows ${brows.y} eyes ${eyes.y} nose ${nose.y} mouth ${mouth.y}`);
      // the face's midline: the x of the nose (CelebA's crops are aligned, so near the image centre)
      const mid = nose.x;
      assert.ok(Math.abs(mid - f.width / 2) < 15, `${f.id}: nose at x ${mid}`);
      let left = 0;
      let right = 0;
      for (let i = 0; i < map.length; i++) if (map[i] === MeshLabel.eyes) i % f.width < mid ? left++ : right++;
      assert.ok(left > 15 && right > 15, `${f.id}: eye pixels ${left} left / ${right} right of the midline`);
      const skin = c(MeshLabel.skin).n;
      for (const l of [MeshLabel.eyes, MeshLabel.eyebrows, MeshLabel.mouth, MeshLabel.nose])
        assert.ok(skin > 3 * c(l).n, `${f.id}: skin ${skin} vs class ${l} ${c(l).n}`);
      // the face oval holds every face class; outside it is hair_or_background, but for
      // the forehead band above it, which is unlabelled
      const oval = new Uint8Array(map.length);
      fillPolygon(
        oval,
        f.width,
        f.height,
        FACE_OVAL.map((i) => mesh[i]!),
        1,
      );
      const band = new Uint8Array(map.length);
      fillPolygon(band, f.width, f.height, foreheadBand(mesh), 1);
      const noseY = mesh[4]![1];
      let unlabelled = 0;
      for (let i = 0; i < map.length; i++) {
        if (map[i] === UNLABELLED) {
          unlabelled++;
          if (!band[i] || oval[i]) assert.fail(`${f.id}: an unlabelled pixel outside the forehead band at pixel ${i}`);
          if (Math.floor(i / f.width) > noseY) assert.fail(`${f.id}: an unlabelled pixel below the nose at pixel ${i}`);
        } else if (!oval[i] && map[i] !== MeshLabel.hair_or_background && map[i] !== MeshLabel.eyebrows) {
          assert.fail(`${f.id}: class ${map[i]} outside the face oval at pixel ${i}`);
        }
      }
      assert.ok(unlabelled > 0.02 * map.length, `${f.id}: the forehead band covers ${unlabelled} pixels`);
    }
  });

  it('fivePoints: eye centres inside the eyes, mouth corners at the ends of the mouth', () => {
    for (const f of faces) {
      const mesh = f.found[0]!.mesh;
      const map = meshRegionMap(mesh, f.width, f.height);
      const p = fivePoints(mesh);
      const at = (x: number, y: number) => map[Math.floor(y) * f.width + Math.floor(x)];
      assert.equal(at(p[0]!, p[1]!), MeshLabel.eyes, `${f.id}: left eye centre not on an eye pixel`);
      assert.equal(at(p[2]!, p[3]!), MeshLabel.eyes, `${f.id}: right eye centre not on an eye pixel`);
      const mouth = centroid(map, f.width, MeshLabel.mouth);
      assert.ok(p[6]! < mouth.x && mouth.x < p[8]!, `${f.id}: mouth corners ${p[6]}, ${p[8]} around ${mouth.x}`);
    }
  });
});

describe('polygon filling', () => {
  const count = (m: Uint8Array, v = 1) => m.reduce((s, x) => s + (x === v ? 1 : 0), 0);

  it('fills a 4×4 square with exactly 16 pixels, in the right place', () => {
    const m = new Uint8Array(10 * 10);
    assert.equal(
      fillPolygon(
        m,
        10,
        10,
        [
          [2, 3],
          [6, 3],
          [6, 7],
          [2, 7],
        ],
        1,
      ),
      16,
    );
    assert.equal(count(m), 16);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) assert.equal(m[y * 10 + x], x >= 2 && x < 6 && y >= 3 && y < 7 ? 1 : 0, `(${x}, ${y})`);
  });

  it('fills a right triangle with legs 8 with the 28 pixels whose centres are inside', () => {
    const m = new Uint8Array(10 * 10);
    // centres (x + ½, y + ½) with x + y + 1 < 8: 1 + 2 + … + 7 = 28 (those on the hypotenuse are out)
    assert.equal(
      fillPolygon(
        m,
        10,
        10,
        [
          [0, 0],
          [8, 0],
          [0, 8],
        ],
        1,
      ),
      28,
    );
    assert.equal(count(m), 28);
    assert.equal(m[0 * 10 + 6], 1);
    assert.equal(m[0 * 10 + 7], 0);
    assert.equal(m[6 * 10 + 0], 1);
    assert.equal(m[7 * 10 + 0], 0);
  });

  it('is winding-independent, shares edges without overlap, fills concave shapes and clips to the image', () => {
    const a = new Uint8Array(100);
    const b = new Uint8Array(100);
    fillPolygon(
      a,
      10,
      10,
      [
        [0, 0],
        [8, 0],
        [0, 8],
      ],
      1,
    );
    fillPolygon(
      b,
      10,
      10,
      [
        [0, 8],
        [8, 0],
        [0, 0],
      ],
      1,
    );
    assert.deepEqual(a, b);
    // two triangles sharing a diagonal tile a 5×5 square: 25 pixels, none twice
    const m = new Uint8Array(100);
    const n1 = fillPolygon(
      m,
      10,
      10,
      [
        [1, 1],
        [6, 1],
        [6, 6],
      ],
      1,
    );
    const n2 = fillPolygon(
      m,
      10,
      10,
      [
        [1, 1],
        [6, 6],
        [1, 6],
      ],
      2,
    );
    assert.equal(n1 + n2, 25);
    assert.equal(count(m, 1) + count(m, 2), 25);
    // an L of three unit-aligned squares of 2×2
    const l = new Uint8Array(100);
    assert.equal(
      fillPolygon(
        l,
        10,
        10,
        [
          [0, 0],
          [2, 0],
          [2, 2],
          [4, 2],
          [4, 4],
          [0, 4],
        ],
        1,
      ),
      12,
    );
    // half outside the image
    const c = new Uint8Array(100);
    assert.equal(
      fillPolygon(
        c,
        10,
        10,
        [
          [-5, -5],
          [5, -5],
          [5, 5],
          [-5, 5],
        ],
        1,
      ),
      25,
    );
    assert.deepEqual(
      polygonCentroid([
        [0, 0],
        [4, 0],
        [4, 2],
        [0, 2],
      ]),
      [2, 1],
    );
  });
});

describe('facet label', () => {
  let out: string;
  let logs: string[];

  before(async () => {
    out = join(tempDir('label'), 'out');
    logs = [];
    const code = await runLabel(CELEBA(), { out, limit: 8, split: 'all', quiet: true }, (s) => logs.push(s));
    assert.equal(code, 0, logs.join('\n'));
  });

  it('writes masks, CelebA-format landmarks and labels.json, and prints a summary', () => {
    assert.match(logs.join('\n'), /faces labelled: 8, faces missed: 0 of 8 selected; [\d.]+ ms per face/);
    assert.equal(readdirSync(join(out, 'masks')).length, 8);
    assert.ok(!existsSync(join(out, JOURNAL_FILE)), 'the journal is removed when the run finishes');
    const lines = readFileSync(join(out, LANDMARKS_FILE), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], '8');
    assert.equal(lines[1], 'lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y');
    assert.equal(lines.length, 10);
    for (const l of lines.slice(2)) assert.match(l, /^\d{6}\.jpg(\s+\d+){10}$/);
    const m = JSON.parse(readFileSync(join(out, LABELS_FILE), 'utf8'));
    assert.equal(m.format, 'facet-face-labels');
    assert.equal(m.source.given, CELEBA());
    assert.deepEqual(m.labelSet.names, MESH_LABELS.names);
    assert.equal(m.counts.labelled, 8);
    assert.deepEqual(m.missed, []);
    assert.deepEqual(m.offCentre, []);
    assert.equal(m.centred, true);
    assert.equal(m.producer.backend, 'wasm');
    assert.match(m.producer.human, /^3\.3\./);
    assert.ok(!Number.isNaN(Date.parse(m.created)));
  });

  it('opens as a face-labels data set of the source images, with coarse masks and the written landmarks', async () => {
    assert.equal(detectFormat(out), 'face-labels');
    const ds = openDataset(out);
    assert.equal(ds.format, 'face-labels');
    assert.equal(ds.maskKind, 'coarse');
    assert.deepEqual(ds.coarseLabels?.names, MESH_LABELS.names);
    assert.deepEqual(ds.coarseLabels?.coarseToFine, MESH_LABELS.coarseToFine);
    const items = ds.items();
    assert.equal(items.length, 8);
    const src = openDataset(CELEBA());
    const srcById = new Map(src.items().map((i) => [i.id, i]));
    const written = new Map(
      readFileSync(join(out, LANDMARKS_FILE), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(2)
        .map((l) => {
          const [id, ...v] = l.trim().split(/\s+/);
          return [id!, v.map(Number)] as const;
        }),
    );
    for (const it of items) {
      const s = srcById.get(it.id)!;
      assert.equal(it.imagePath, s.imagePath, 'the image is the source folder’s, not a copy');
      assert.equal(it.split, s.split);
      assert.deepEqual(it.attributes, s.attributes);
      assert.deepEqual(Array.from(it.landmarks!), written.get(it.id));
      const mask = (await loadMask(it))!;
      assert.equal(mask.kind, 'coarse');
      assert.equal(mask.coarseLabels, ds.coarseLabels);
      const img = await loadImage(it.imagePath);
      assert.deepEqual([mask.width, mask.height], [img.width, img.height]);
      const present = new Set(mask.data);
      assert.deepEqual(
        [...present].sort((x, y) => x - y),
        [0, 1, 2, 3, 4, 5, 255],
      );
      // the mask is the one the mesh gives (same detector, same image)
      const found = await detector.detectFaces({ data: img.data, width: img.width, height: img.height });
      assert.deepEqual(mask.data, meshRegionMap(found[0]!.mesh, img.width, img.height));
      assert.deepEqual(Array.from(it.landmarks!), Array.from(toPixelIndices(fivePoints(found[0]!.mesh))));
    }
    assert.ok(!readdirSync(out).some((f) => f.endsWith('.jpg')), 'no image copied');
  });

  it('passes facet data check', async () => {
    const lines: string[] = [];
    assert.equal(await runDataCheck(out, {}, (s) => lines.push(s)), 0, lines.join('\n'));
    assert.match(lines.join('\n'), /images: 8 {2}labelled: 8 {2}masks: 8 {2}decoded: 8/);
    assert.match(lines.join('\n'), /0 problem\(s\)/);
  });

  it('resumes: a larger --limit labels only the new faces, and an interrupted run continues from its journal', async () => {
    const more = await labelFaces({ source: CELEBA(), out, limit: 10, detector });
    assert.equal(more.resumed, 8);
    assert.equal(more.labelledNow, 2);
    assert.equal(more.manifest.counts.labelled, 10);
    // a run stopped after 2 new faces: no labels.json change, a journal with 2 entries
    const before = readFileSync(join(out, LABELS_FILE), 'utf8');
    await assert.rejects(
      labelFaces({
        source: CELEBA(),
        out,
        limit: 14,
        detector,
        onProgress: (done) => {
          if (done === 2) throw new Error('stopped');
        },
      }),
      /stopped/,
    );
    assert.equal(readFileSync(join(out, LABELS_FILE), 'utf8'), before, 'labels.json untouched by the stopped run');
    assert.equal(readFileSync(join(out, JOURNAL_FILE), 'utf8').trim().split('\n').length, 3);
    const rest = await labelFaces({ source: CELEBA(), out, limit: 14, detector });
    assert.equal(rest.resumed, 12);
    assert.equal(rest.labelledNow, 2);
    assert.equal(openDataset(out).items().length, 14);
    // an empty selection is an error, not an empty labels folder
    await assert.rejects(
      labelFaces({ source: sharedData('celeba-small'), out: join(tempDir('label-empty'), 'out'), split: 'val', detector }),
      /no images in the val split \(splits here: train\)/,
    );
    // another source into the same folder is refused
    await assert.rejects(labelFaces({ source: sharedData('celeba-small'), out, limit: 1, detector }), /holds labels of/);
  });

  it('names labels.json when the source folder is missing', () => {
    const moved = join(tempDir('label-moved'), 'out');
    cpSync(out, moved, { recursive: true });
    const m = JSON.parse(readFileSync(join(moved, LABELS_FILE), 'utf8'));
    m.source = { ...m.source, given: '/no/such/celeba', resolved: '/no/such/celeba', relative: '../no-such-celeba' };
    writeFileSync(join(moved, LABELS_FILE), JSON.stringify(m));
    assert.throws(
      () => openDataset(moved),
      (e: unknown) => e instanceof DataError && e.file === join(moved, LABELS_FILE) && /source folder .* is missing: "\/no\/such\/celeba"/.test(e.message),
    );
  });

  it('finds the source relative to the labels folder when both move together', () => {
    const root = tempDir('label-both');
    // a partial copy of the source: its annotation files and the 14 labelled images
    for (const d of ['Anno', 'Eval']) cpSync(join(CELEBA(), d), join(root, 'celeba', d), { recursive: true });
    mkdirSync(imagesOf(join(root, 'celeba')), { recursive: true });
    for (const id of openDataset(out)
      .items()
      .map((i) => i.id))
      cpSync(join(imagesOf(CELEBA()), id), join(imagesOf(join(root, 'celeba')), id));
    cpSync(out, join(root, 'labels'), { recursive: true });
    const m = JSON.parse(readFileSync(join(root, 'labels', LABELS_FILE), 'utf8'));
    m.source = { ...m.source, resolved: '/moved/away', relative: '../celeba' };
    writeFileSync(join(root, 'labels', LABELS_FILE), JSON.stringify(m));
    const ds = openDataset(join(root, 'labels'), { skipBad: true });
    assert.equal(ds.items().length, 14);
    assert.ok(ds.items().every((it) => it.imagePath.startsWith(join(root, 'celeba'))));
  });

  it('rejects a mask value outside the label set, naming the file', async () => {
    const dir = tempDir('label-badmask');
    mkdirSync(join(dir, 'masks'));
    const p = maskPath(dir, 'x.jpg');
    await sharp(Buffer.from([0, 1, 2, 9]), { raw: { width: 2, height: 2, channels: 1 } })
      .png()
      .toFile(p);
    await assert.rejects(
      loadMaskSource({ kind: 'coarse-index-png', path: p, labels: MESH_LABELS }),
      (e: unknown) => e instanceof DataError && e.file === p && /unknown label value 9 at pixel x=1 y=1/.test(e.message),
    );
  });

  it('draws the figure: a dozen faces with their maps', async () => {
    const fig = join(tempDir('label-fig'), 'labels.png');
    const ids = await writeLabelFigure(out, fig, { count: 12 });
    assert.equal(ids.length, 12);
    const meta = await sharp(fig).metadata();
    assert.ok(meta.width! > 1000 && meta.height! > 600, `${meta.width}×${meta.height}`);
  });
});

describe('face detector teardown', () => {
  it('frees the models with the last detector, and a detector loaded afterwards reloads them', async () => {
    const rgb = await rgbOf(join(imagesOf(CELEBA()), faces[0]!.id));
    detector.dispose();
    const again = await FaceDetector.load();
    try {
      assert.equal(again.backend, 'wasm');
      assert.equal((await again.detectFaces(rgb)).length, 1);
    } finally {
      again.dispose();
    }
  });
});
