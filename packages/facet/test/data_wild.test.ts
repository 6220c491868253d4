// CelebA's in-the-wild layout (Img/img_celeba/, the original photos) read without being
// told: detection, the reader, `facet data check`, and the aligned layout still winning
// where a folder holds both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat, detectFormats } from '../src/data/detect.js';
import { findCelebAFiles, readCelebA } from '../src/data/celeba.js';
import { CELEBA_ATTRIBUTES } from '../src/data/attributes.js';
import { runDataCheck } from '../src/cli/commands/data.js';
import { sharedData, tempDir } from './helpers.js';

const WILD = sharedData('celeba-wild');

test('celeba-wild: detected as CelebA, read as in-the-wild photos: 1,127 labelled, splits, identities', () => {
  assert.equal(detectFormat(WILD), 'celeba');
  assert.match(detectFormats(WILD)[0]!.evidence, /in-the-wild photos in .*img_celeba/);
  const files = findCelebAFiles(WILD);
  assert.equal(files.layout, 'in-the-wild');
  assert.equal(files.imageDir, join(WILD, 'Img', 'img_celeba'));
  const ds = readCelebA(WILD);
  assert.deepEqual(ds.problems, []);
  assert.deepEqual(ds.attributeNames, [...CELEBA_ATTRIBUTES]);
  const items = ds.items();
  assert.equal(items.length, 1127);
  assert.ok(items.every((i) => i.attributes && i.imagePath.startsWith(join(WILD, 'Img', 'img_celeba'))));
  assert.deepEqual(
    ds.splits.map((s) => [s, ds.items(s).length]),
    [
      ['train', 1037],
      ['test', 90],
    ],
  );
  assert.equal(new Set(items.map((i) => i.identity)).size, 139);
  // asked for the aligned crops explicitly, there are none
  assert.equal(findCelebAFiles(WILD, false).imageDir, undefined);
});

test('facet data check on celeba-wild: every photo decodes, no problem, the layout is said', async () => {
  const lines: string[] = [];
  const code = await runDataCheck(WILD, {}, (s) => lines.push(s));
  const text = lines.join('\n');
  assert.equal(code, 0, text);
  assert.match(text, /in-the-wild photos \(Img\/img_celeba\)/);
  assert.match(text, /images: 1127 {2}labelled: 1127 {2}masks: 0 {2}decoded: 1127/);
  assert.match(text, /0 problem\(s\)/);
});

test('a folder with both layouts reads the aligned crops unless told otherwise', (t) => {
  const dir = tempDir('both-layouts');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'Img'));
  symlinkSync(join(WILD, 'Img', 'img_celeba'), join(dir, 'Img', 'img_celeba'));
  symlinkSync(sharedData('celeba', 'Img', 'img_align_celeba'), join(dir, 'Img', 'img_align_celeba'));
  assert.equal(findCelebAFiles(dir).layout, 'aligned');
  assert.equal(readCelebA(dir).items().length, 3780);
  assert.equal(findCelebAFiles(dir, true).layout, 'in-the-wild');
  assert.equal(readCelebA(dir, { inTheWild: true }).items().length, 1127);
});
