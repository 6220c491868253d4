/**
 * Helen with Smith et al.'s labels: images/NAME.jpg, labels/NAME/NAME_lbl00.png … _lbl10.png
 * (label = argmax over the 11 gray maps, mapped to the 7 regions), and the split lists
 * exemplars.txt (train) / tuning.txt (val) / testing.txt (test), lines "N , NAME" or "NAME".
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError, ProblemSink } from './errors.js';
import { NUM_HELEN_LABELS } from './label_sets.js';
import { excerpt, isPlainFileName, readLines } from './text.js';
import { ListDataset, type FaceDataset, type FaceItem, type ReadOptions, type Split } from './types.js';

export const HELEN_LISTS: [Split, string][] = [
  ['train', 'exemplars.txt'],
  ['val', 'tuning.txt'],
  ['test', 'testing.txt'],
];

export function helenLabelPaths(root: string, name: string): string[] {
  return Array.from({ length: NUM_HELEN_LABELS }, (_, k) => join(root, 'labels', name, `${name}_lbl${String(k).padStart(2, '0')}.png`));
}

/** Parses a Helen list line: "1 , 100032540_1", "100032540_1" → the name. */
export function parseHelenListLine(text: string): string | undefined {
  const t = text.trim();
  const m = /^(?:\d+\s*,\s*)?([^\s,]+)$/.exec(t);
  return m ? m[1] : undefined;
}

export function readHelen(root: string, opts: ReadOptions = {}): FaceDataset {
  const sink = new ProblemSink(opts.skipBad ?? false);
  const checkFiles = opts.checkFiles ?? true;
  const entries: { name: string; split?: Split; file: string; line?: number }[] = [];
  for (const [split, list] of HELEN_LISTS) {
    const file = join(root, list);
    if (!existsSync(file)) continue;
    for (const { text, line } of readLines(file)) {
      const name = parseHelenListLine(text);
      if (name === undefined || !isPlainFileName(name)) {
        sink.report(new DataError({ file, line }, `expected "N , NAME" or "NAME" (NAME a file name, no path), found ${excerpt(text.trim())}`), text.trim());
        continue;
      }
      entries.push({ name, split, file, line });
    }
  }
  if (entries.length === 0) {
    const labels = join(root, 'labels');
    if (!existsSync(labels)) throw new DataError({ file: root }, 'no exemplars.txt / tuning.txt / testing.txt and no labels/ folder');
    for (const name of readdirSync(labels).sort()) entries.push({ name, file: join(labels, name) });
  }
  const seen = new Map<string, string>();
  const items: FaceItem[] = [];
  for (const e of entries) {
    const source = e.line !== undefined ? { file: e.file, line: e.line } : { file: e.file };
    const prev = seen.get(e.name);
    if (prev !== undefined) {
      sink.report(new DataError(source, `duplicate entry for ${e.name} (first at ${prev})`), e.name);
      continue;
    }
    seen.set(e.name, `${e.file}:${e.line ?? ''}`);
    const jpg = join(root, 'images', e.name + '.jpg');
    const imagePath = existsSync(jpg) || !existsSync(join(root, 'images', e.name + '.png')) ? jpg : join(root, 'images', e.name + '.png');
    const paths = helenLabelPaths(root, e.name);
    if (checkFiles) {
      if (!existsSync(imagePath)) {
        sink.report(new DataError(source, `missing image ${imagePath}`), e.name);
        continue;
      }
      const absent = paths.find((p) => !existsSync(p));
      if (absent) {
        sink.report(new DataError(source, `missing label map ${absent}`), e.name);
        continue;
      }
    }
    const item: FaceItem = { id: e.name, imagePath, mask: { kind: 'helen', paths }, source };
    if (e.split) item.split = e.split;
    items.push(item);
  }
  return new ListDataset(`helen:${basename(root)}`, 'helen', root, [], items, 'regions', sink.problems);
}
