/**
 * LFW Part Labels: funneled LFW images with colour-coded coarse masks
 * ((255,0,0) hair, (0,255,0) skin, (0,0,255) background).
 * Reads train.txt / validation.txt / test.txt ("image<TAB>mask" paths relative to
 * the folder) or, failing those, the published parts_train.txt / parts_validation.txt /
 * parts_test.txt ("Name N" → lfw_funneled/Name/Name_000N.jpg, parts_lfw_funneled_gt_images/Name_000N.ppm|png).
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError, ProblemSink } from './errors.js';
import { LFW_PARTS_LABELS } from './label_sets.js';
import { excerpt, isPlainFileName, readLines, staysInside } from './text.js';
import { ListDataset, type FaceDataset, type FaceItem, type ReadOptions, type Split } from './types.js';

const LISTS: [Split, string, string][] = [
  ['train', 'train.txt', 'parts_train.txt'],
  ['val', 'validation.txt', 'parts_validation.txt'],
  ['test', 'test.txt', 'parts_test.txt'],
];

export function readLfwParts(root: string, opts: ReadOptions = {}): FaceDataset {
  const sink = new ProblemSink(opts.skipBad ?? false);
  const checkFiles = opts.checkFiles ?? true;
  const items: FaceItem[] = [];
  const seen = new Map<string, string>();
  let found = 0;
  for (const [split, pairs, published] of LISTS) {
    const pairFile = join(root, pairs);
    const pubFile = join(root, published);
    const usePairs = existsSync(pairFile);
    if (!usePairs && !existsSync(pubFile)) continue;
    found++;
    const file = usePairs ? pairFile : pubFile;
    for (const { text, line } of readLines(file)) {
      let image: string;
      let mask: string;
      if (usePairs) {
        const f = text
          .split('\t')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        if (f.length !== 2) {
          sink.report(new DataError({ file, line }, `expected "image<TAB>mask", found ${f.length} field(s)`), text.trim());
          continue;
        }
        const outside = f.find((x) => !staysInside(x));
        if (outside !== undefined) {
          sink.report(new DataError({ file, line }, `${excerpt(outside)} leaves the data folder (an absolute path or '..'); list paths below it`), text.trim());
          continue;
        }
        image = join(root, f[0]!);
        mask = join(root, f[1]!);
      } else {
        const f = text.trim().split(/\s+/);
        if (f.length !== 2 || !/^\d+$/.test(f[1]!) || !isPlainFileName(f[0]!)) {
          sink.report(new DataError({ file, line }, `expected "Name number", found ${excerpt(text.trim())}`), text.trim());
          continue;
        }
        const stem = `${f[0]}_${f[1]!.padStart(4, '0')}`;
        image = join(root, 'lfw_funneled', f[0]!, stem + '.jpg');
        const gt = join(root, 'parts_lfw_funneled_gt_images', stem);
        mask = existsSync(gt + '.png') ? gt + '.png' : gt + '.ppm';
      }
      const id = basename(image);
      const prev = seen.get(id);
      if (prev !== undefined) {
        sink.report(new DataError({ file, line }, `duplicate entry for ${id} (first at ${prev})`), id);
        continue;
      }
      seen.set(id, `${file}:${line}`);
      if (checkFiles && !existsSync(image)) {
        sink.report(new DataError({ file, line }, `missing image ${image}`), id);
        continue;
      }
      if (checkFiles && !existsSync(mask)) {
        sink.report(new DataError({ file, line }, `missing mask ${mask}`), id);
        continue;
      }
      items.push({ id, imagePath: image, split, mask: { kind: 'coarse-color', path: mask, labels: LFW_PARTS_LABELS }, source: { file, line } });
    }
  }
  if (found === 0) throw new DataError({ file: root }, 'no train.txt / validation.txt / test.txt (or parts_*.txt) found');
  return new ListDataset(`lfw-parts:${basename(root)}`, 'lfw-parts', root, [], items, 'coarse', sink.problems, LFW_PARTS_LABELS);
}
