// facet eval-wild on the first photos of celeba-wild: the report's figures are there and
// sane (every face found and matched to its official crop, landmarks a few px apart,
// decisions mostly agreeing), and the command prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { evaluateWild } from '../src/eval/wild.js';
import { sharedData } from './helpers.js';

test('evaluateWild on 8 paired photos: faces found and matched, landmarks within a few px, decisions agree more than the cover crop', async () => {
  const r = await evaluateWild({
    data: sharedData('celeba-wild'),
    crops: [sharedData('celeba'), sharedData('celeba-small')],
    limit: 8,
    predict: { threads: 2 },
  });
  assert.equal(r.photos, 8);
  assert.equal(r.paired.photos, 8, 'the first 8 wild photos all have an official crop');
  assert.equal(r.paired.matched, 8);
  assert.deepEqual(r.paired.unmatched, []);
  assert.equal(r.all.faceFoundShare, 1);
  assert.ok(r.paired.landmarkPx.mean < 3, `landmarks ${r.paired.landmarkPx.mean} px apart`);
  assert.ok(r.paired.fitPx.used < r.paired.fitPx.withNose, 'fitting the nose too lands farther from the official crop');
  assert.ok(
    r.paired.decisionAgreement > 0.9 && r.paired.decisionAgreement >= r.paired.coverAgreement,
    `${r.paired.decisionAgreement} vs ${r.paired.coverAgreement}`,
  );
  for (const v of [r.paired.meanError.photo, r.paired.meanError.officialCrop, r.all.meanError, r.ms.detect, r.ms.modelPerFace])
    assert.ok(Number.isFinite(v) && v > 0);
});

test('facet eval-wild prints the figures; --crops must hold aligned crops', () => {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const r = spawnSync(
    process.execPath,
    [main, 'eval-wild', '--data', sharedData('celeba-wild'), '--crops', `${sharedData('celeba')},${sharedData('celeba-small')}`, '--limit', '3', '--quiet'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /landmarks, aligned crop vs official crop .* mean \d+\.\d\d/);
  assert.match(r.stdout, /a face found in 3 \(100\.0 %\)/);
  assert.match(r.stdout, /ms per photo/);
  const bad = spawnSync(process.execPath, [main, 'eval-wild', '--data', sharedData('celeba-wild'), '--crops', sharedData('celeba-wild'), '--limit', '1'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--crops .*celeba-wild: no aligned crops/);
});
