// Self-training labels (`facet resolve-labels`): a parser settles hair_or_background where
// it is sure. Parsers whose last layer is set to known constant logits make the expected
// masks exact: every coarse pixel settled one way, or none at all.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { noGrad, tensor } from '@facet/torch';
import { labelFaces } from '../src/face/labeller.js';
import { resolvedLabelSet } from '../src/infer/resolve_labels.js';
import { runResolveLabels } from '../src/cli/commands/label.js';
import { LABELS_FILE, LANDMARKS_FILE } from '../src/data/face_labels.js';
import { loadMask } from '../src/data/image.js';
import { openDataset } from '../src/data/detect.js';
import { MESH_LABELS, MeshLabel } from '../src/data/label_sets.js';
import type { FaceItem } from '../src/data/types.js';
import { Parser } from '../src/models/parser.js';
import { REGION_PALETTE, UNDECIDED, coarsePalette } from '../src/viz/color.js';
import { Region, REGION_COUNT } from '../src/regions.js';
import { prepareRun } from '../src/train/setup.js';
import { sharedData, tempDir, tinySettings } from './helpers.js';

let labels: string;
let items: FaceItem[];

before(async () => {
  labels = join(tempDir('resolve'), 'labels');
  await labelFaces({ source: sharedData('celeba'), out: labels, limit: 4 });
  items = openDataset(labels).items();
});

/** A parser run whose every pixel's logits are `logits` (last layer: weights 0, bias = logits). */
async function constantParser(name: string, logits: Partial<Record<number, number>>): Promise<string> {
  const out = join(tempDir(`resolve-${name}`), 'run');
  const p = await prepareRun(tinySettings('parser', labels, out));
  try {
    const parser = p.task.model as Parser;
    const head = parser.decoder[3]!.head;
    const bias = Array.from({ length: REGION_COUNT }, (_, r) => logits[r] ?? 0);
    noGrad(() => {
      head.weight.zero_();
      head.bias!.copy_(tensor(bias));
    });
    p.run.saveBest(parser, 0);
  } finally {
    await p.task.close();
  }
  return out;
}

/** The masks of a labels folder, by face id in the order of `items`. */
async function masksOf(dir: string): Promise<Uint8Array[]> {
  const byId = new Map(
    openDataset(dir)
      .items()
      .map((it) => [it.id, it]),
  );
  return Promise.all(items.map(async (it) => (await loadMask(byId.get(it.id)!))!.data));
}

test('the label set gains one single-region entry per region of a multi-region class', () => {
  const { labelSet, settle } = resolvedLabelSet(MESH_LABELS);
  assert.deepEqual(labelSet.names.slice(MESH_LABELS.names.length), ['background', 'hair']);
  assert.deepEqual(labelSet.coarseToFine.slice(MESH_LABELS.names.length), [[Region.background], [Region.hair]]);
  const row = settle[MeshLabel.hair_or_background]!;
  assert.equal(row[Region.background], MESH_LABELS.names.length);
  assert.equal(row[Region.hair], MESH_LABELS.names.length + 1);
  assert.equal(row[Region.skin], -1);
  assert.ok(
    settle[MeshLabel.skin]!.every((v) => v === -1),
    'a single-region class is left as it is',
  );
  // drawn: the class still undecided apart from background itself (both were black)
  const palette = coarsePalette(labelSet);
  assert.deepEqual(palette[MeshLabel.hair_or_background], UNDECIDED);
  assert.deepEqual(palette[MESH_LABELS.names.length], REGION_PALETTE[Region.background]);
  assert.deepEqual(coarsePalette(MESH_LABELS)[MeshLabel.hair_or_background], REGION_PALETTE[Region.background]);
  // a region alone already in the set is reused, not added twice
  const withBackground = {
    names: ['background', 'hair_or_background', 'face'],
    coarseToFine: [[Region.background], [Region.hair, Region.background], [Region.skin]],
  };
  const r = resolvedLabelSet(withBackground);
  assert.deepEqual(r.labelSet.names, ['background', 'hair_or_background', 'face', 'hair']);
  assert.equal(r.settle[1]![Region.background], 0);
  assert.equal(r.settle[1]![Region.hair], 3);
  // a name taken by another class cannot name the region alone
  const clash = { names: ['hair', 'face'], coarseToFine: [[Region.hair, Region.background], [Region.skin]] };
  assert.throws(() => resolvedLabelSet(clash), /already has a class named hair that is not region 1 alone/);
});

test('a parser sure of hair everywhere settles every hair_or_background pixel as hair, and nothing else', async () => {
  const run = await constantParser('hair', { [Region.hair]: 5 }); // p(hair) = e⁵/(e⁵+6) = 0.961
  const out = join(tempDir('resolved-hair'), 'labels');
  const said: string[] = [];
  const figure = join(tempDir('resolved-figure'), 'f.png');
  assert.equal(await runResolveLabels(labels, { parser: run, out, minConfidence: 0.95, figure }, (s) => said.push(s)), 0);
  assert.match(said.join('\n'), /figure: .*f\.png \(4 faces\)/);
  assert.deepEqual((await sharp(figure).metadata()).format, 'png');
  const hair = MESH_LABELS.names.length + 1;
  const before = await masksOf(labels),
    after = await masksOf(out);
  let settled = 0;
  before.forEach((m, k) => {
    for (let i = 0; i < m.length; i++) {
      const want = m[i] === MeshLabel.hair_or_background ? hair : m[i];
      if (after[k]![i] !== want) assert.fail(`face ${items[k]!.id} pixel ${i}: ${after[k]![i]}, expected ${want}`);
      if (want === hair) settled++;
    }
  });
  assert.ok(settled > 1000, `${settled} pixels settled`);
  assert.match(said.join('\n'), /settled as hair 100\.0 %/);
  const manifest = JSON.parse(readFileSync(join(out, LABELS_FILE), 'utf8'));
  assert.deepEqual(manifest.labelSet.names, [...MESH_LABELS.names, 'background', 'hair']);
  assert.equal(manifest.resolvedBy.minConfidence, 0.95);
  assert.deepEqual(readFileSync(join(out, LANDMARKS_FILE)), readFileSync(join(labels, LANDMARKS_FILE)));
  // read back as a data set: the same faces, the new label set
  const d = openDataset(out);
  assert.deepEqual(
    d.items().map((i) => i.id),
    items.map((i) => i.id),
  );
  assert.deepEqual(d.coarseLabels?.names, manifest.labelSet.names);
});

test('below the threshold nothing is settled; a background-sure parser settles background', async () => {
  const unsure = await constantParser('unsure', { [Region.hair]: 5 });
  const kept = join(tempDir('resolved-none'), 'labels');
  assert.equal(await runResolveLabels(labels, { parser: unsure, out: kept, minConfidence: 0.97, quiet: true }, () => undefined), 0);
  assert.deepEqual(await masksOf(kept), await masksOf(labels));

  const bg = await constantParser('background', { [Region.background]: 5 });
  const out = join(tempDir('resolved-bg'), 'labels');
  assert.equal(await runResolveLabels(labels, { parser: bg, out, quiet: true }, () => undefined), 0);
  const before = await masksOf(labels),
    after = await masksOf(out);
  before.forEach((m, k) => {
    for (let i = 0; i < m.length; i++) assert.equal(after[k]![i], m[i] === MeshLabel.hair_or_background ? MESH_LABELS.names.length : m[i]);
  });
});

test('writing over the labels themselves, or settling with a run that is not a parser, is refused', async () => {
  const run = await constantParser('refuse', {});
  await assert.rejects(
    runResolveLabels(labels, { parser: run, out: labels }, () => undefined),
    /is the labels folder itself/,
  );
  const attr = join(tempDir('resolve-attr'), 'run');
  const p = await prepareRun(tinySettings('attr', sharedData('celeba'), attr, { method: 'avg', trainLimit: 8 }));
  await p.task.close();
  await assert.rejects(
    runResolveLabels(labels, { parser: attr, out: join(tempDir('resolve-x'), 'o') }, () => undefined),
    /not a parser run \(its config.json says kind "attr"\)/,
  );
});
