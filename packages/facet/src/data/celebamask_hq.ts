/**
 * CelebAMask-HQ: CelebA-HQ-img/ID.jpg (1024²), CelebAMask-HQ-mask-anno/K/ID05_PART.png
 * (512², K = ID div 2000, one binary map per part, mapped to the 7 regions), and
 * CelebAMask-HQ-attribute-anno.txt (the 40 attributes, CelebA format). Splits come from
 * CelebA-HQ-to-CelebA-mapping.txt plus a CelebA list_eval_partition.txt when both exist.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ProblemSink } from './errors.js';
import { readCelebALike } from './celeba.js';
import { CELEBAMASK_PARTS } from './label_sets.js';
import { firstExisting, readLines, readPartition } from './text.js';
import { ListDataset, type FaceDataset, type MaskSource, type ReadOptions, type Split } from './types.js';

export interface CelebAMaskHQOptions extends ReadOptions {
  /** a CelebA list_eval_partition.txt, to give the HQ images CelebA's split */
  celebaPartition?: string;
}

export function readCelebAMaskHQ(root: string, opts: CelebAMaskHQOptions = {}): FaceDataset {
  const maskRoot = join(root, 'CelebAMask-HQ-mask-anno');
  const parts = new Map<string, { part: string; path: string }[]>();
  const known = new Set<string>(CELEBAMASK_PARTS);
  if (existsSync(maskRoot)) {
    for (const k of readdirSync(maskRoot)) {
      const dir = join(maskRoot, k);
      if (!statSync(dir).isDirectory()) continue;
      for (const f of readdirSync(dir)) {
        const m = /^(\d+)_([a-z_]+)\.png$/.exec(f);
        if (!m || !known.has(m[2]!)) continue;
        const id = String(Number(m[1]));
        let list = parts.get(id);
        if (!list) parts.set(id, (list = []));
        list.push({ part: m[2]!, path: join(dir, f) });
      }
    }
  }
  const files: { imageDir?: string; attributes?: string } = {};
  const imgDir = firstExisting([join(root, 'CelebA-HQ-img')]);
  if (imgDir) files.imageDir = imgDir;
  const attr = firstExisting([join(root, 'CelebAMask-HQ-attribute-anno.txt')]);
  if (attr) files.attributes = attr;
  const ds = readCelebALike(
    {
      name: `celebamask-hq:${basename(root)}`,
      format: 'celebamask-hq',
      root,
      files,
      maskKind: 'regions',
      maskOf: (id): MaskSource | undefined => {
        const p = parts.get(id.replace(/\.[^.]+$/, ''));
        return p ? { kind: 'celebamask-hq', parts: p, size: 512 } : undefined;
      },
    },
    opts,
  );
  // splits through the HQ → CelebA mapping
  const mapping = join(root, 'CelebA-HQ-to-CelebA-mapping.txt');
  const partFile = opts.celebaPartition ?? firstExisting([join(root, 'list_eval_partition.txt'), join(root, 'Eval', 'list_eval_partition.txt')]);
  if (!existsSync(mapping) || !partFile) return ds;
  const sink = new ProblemSink(opts.skipBad ?? false);
  const partition = readPartition(partFile, sink);
  const hqSplit = new Map<string, Split>();
  for (const { text } of readLines(mapping)) {
    const f = text.trim().split(/\s+/);
    if (f.length < 3 || !/^\d+$/.test(f[0]!)) continue; // header "idx orig_idx orig_file"
    const s = partition.get(f[2]!);
    if (s) hqSplit.set(f[0]!, s);
  }
  const items = ds.items().map((it) => {
    const s = hqSplit.get(it.id.replace(/\.[^.]+$/, ''));
    return s ? { ...it, split: s } : it;
  });
  return new ListDataset(ds.name, ds.format, root, ds.attributeNames, items, 'regions', [...ds.problems, ...sink.problems]);
}
