/** The readers on the real data in ../shared/data (failing where it is absent, as every test on it does). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCelebA, readLfwParts, loadMask, decodeItem, detectFormat, CELEBA_ATTRIBUTES, LFW_PARTS_LABELS } from '../src/data/index.js';
import { runDataCheck } from '../src/cli/commands/data.js';
import { sharedData } from './helpers.js';

test('CelebA reader: 3780 images, every one labelled, splits and identities', () => {
  const ds = readCelebA(sharedData('celeba'));
  assert.equal(detectFormat(sharedData('celeba')), 'celeba');
  assert.deepEqual(ds.attributeNames, [...CELEBA_ATTRIBUTES]);
  const all = ds.items();
  assert.equal(all.length, 3780);
  const labelled = all.filter((i) => i.attributes);
  assert.equal(labelled.length, 3780);
  assert.deepEqual(
    ds.splits.map((s) => [s, ds.items(s).length]),
    [
      ['train', 2340],
      ['val', 780],
      ['test', 660],
    ],
  );
  assert.equal(labelled.filter((i) => i.split === 'train').length, 2340);
  assert.equal(new Set(all.map((i) => i.identity)).size, 126);
  const first = all.find((i) => i.id === '000132.jpg')!;
  assert.equal(first.identity, 5173);
  assert.equal(all.find((i) => i.id === '000161.jpg')!.identity, 6282);
  // 000132.jpg -1 1 1 -1 -1 -1 -1 1 1 -1 ...: 16 positives, Arched_Eyebrows=1, Big_Nose=1, Black_Hair=1
  assert.equal(
    first.attributes!.reduce((s, v) => s + v, 0),
    16,
  );
  assert.deepEqual([...first.attributes!.slice(0, 10)], [0, 1, 1, 0, 0, 0, 0, 1, 1, 0]);
  const male = CELEBA_ATTRIBUTES.indexOf('Male');
  assert.equal(labelled.filter((i) => i.attributes![male]).length, 1300);
  assert.equal(first.source.line, 3);
});

test('CelebA at half scale (celeba-small): 8294 labelled train images at 89×109, 4516 identities', async () => {
  const dir = sharedData('celeba-small');
  assert.equal(detectFormat(dir), 'celeba');
  const ds = readCelebA(dir);
  const all = ds.items();
  assert.equal(all.length, 8294);
  assert.equal(all.filter((i) => i.attributes).length, 8294);
  assert.deepEqual(ds.splits, ['train']);
  assert.equal(new Set(all.map((i) => i.identity)).size, 4516);
  const male = CELEBA_ATTRIBUTES.indexOf('Male');
  assert.equal(all.filter((i) => i.attributes![male]).length, 3523);
  const first = all.find((i) => i.id === '000001.jpg')!;
  assert.deepEqual([...first.attributes!.slice(0, 12)], [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  const d = await decodeItem(first);
  assert.deepEqual([d.image.width, d.image.height], [89, 109]);
});

test('CelebA item decodes to RGB at a target size', async () => {
  const ds = readCelebA(sharedData('celeba'));
  const it = ds.items()[0]!;
  const d = await decodeItem(it);
  assert.equal(d.image.width, 178);
  assert.equal(d.image.height, 218);
  assert.equal(d.image.data.length, 178 * 218 * 3);
  const s = await decodeItem(it, { width: 89, height: 109 });
  assert.equal(s.image.data.length, 89 * 109 * 3);
});

test('LFW Part Labels reader: 1500/500 pairs, masks decode to coarse labels', async () => {
  const root = sharedData('lfw-parts');
  assert.equal(detectFormat(root), 'lfw-parts');
  const ds = readLfwParts(root);
  assert.equal(ds.items('train').length, 1500);
  assert.equal(ds.items('val').length, 500);
  assert.equal(ds.maskKind, 'coarse');
  assert.deepEqual(ds.coarseLabels!.coarseToFine, [[0], [1], [2, 3, 4, 5, 6]]);
  const it = ds.items('train')[0]!;
  assert.equal(it.id, 'Inga_Hall_0001.jpg');
  const m = (await loadMask(it))!;
  assert.equal(m.kind, 'coarse');
  assert.equal(m.coarseLabels, LFW_PARTS_LABELS);
  assert.equal(m.width, 250);
  const counts = [0, 0, 0];
  for (const v of m.data) counts[v]!++;
  assert.deepEqual(counts, [31290, 16725, 14485]); // background, hair, skin
  // cover-crop to 218×178 keeps labels exact
  const d = await decodeItem(it, { width: 178, height: 218 });
  assert.equal(d.mask!.data.length, 178 * 218);
  assert.ok(d.mask!.data.every((v) => v <= 2));
});

test('facet data check on the real data sets exits 0', async () => {
  const lines: string[] = [];
  assert.equal(await runDataCheck(sharedData('celeba'), {}, (s) => lines.push(s)), 0);
  assert.match(lines.join('\n'), /images: 3780\s+labelled: 3780/);
  const json: string[] = [];
  assert.equal(await runDataCheck(sharedData('lfw-parts'), { json: true }, (s) => json.push(s)), 0);
  const r = JSON.parse(json.join('\n'));
  assert.equal(r.images, 2000);
  assert.equal(r.decoded, 2000);
  assert.equal(r.problems.length, 0);
});
