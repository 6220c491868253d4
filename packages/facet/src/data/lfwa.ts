/**
 * LFWA: LFW images with the 40 CelebA attributes, as a CelebA-style list
 * (list_attr_lfwa.txt: count, 40 names, "file ±1 …") or a CSV (image_id + 40 columns).
 * Image names are looked up as IMAGEDIR/file or, for LFW's "Name_0001.jpg",
 * IMAGEDIR/Name/Name_0001.jpg. An optional list_eval_partition(_lfwa).txt gives splits.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from './errors.js';
import { readCelebALike, type CelebAFiles } from './celeba.js';
import { firstExisting } from './text.js';
import type { FaceDataset, ReadOptions } from './types.js';

export interface LfwaOptions extends ReadOptions {
  files?: Partial<CelebAFiles>;
}

export function findLfwaFiles(root: string): CelebAFiles {
  const f: CelebAFiles = {};
  const dirs = ['Anno', ''];
  const attrs = firstExisting(
    dirs.flatMap((d) => ['list_attr_lfwa.txt', 'list_attr_lfwa.csv', 'lfwa_attributes.txt', 'lfwa_attributes.csv'].map((n) => join(root, d, n))),
  );
  if (attrs) f.attributes = attrs;
  const part = firstExisting(
    ['Eval', '', 'Anno'].flatMap((d) => ['list_eval_partition_lfwa.txt', 'list_eval_partition.txt', 'list_eval_partition.csv'].map((n) => join(root, d, n))),
  );
  if (part) f.partition = part;
  const ident = firstExisting(dirs.map((d) => join(root, d, 'identity_lfwa.txt')));
  if (ident) f.identity = ident;
  const img = firstExisting(['lfw', 'lfw-deepfunneled', 'lfw_funneled', 'lfw-funneled', 'Img', 'images'].map((d) => join(root, d)));
  f.imageDir = img ?? root;
  return f;
}

export function readLfwa(root: string, opts: LfwaOptions = {}): FaceDataset {
  const files = { ...findLfwaFiles(root), ...opts.files };
  if (!files.attributes) throw new DataError({ file: root }, 'no LFWA attribute list (list_attr_lfwa.txt or .csv) found');
  const dir = files.imageDir!;
  return readCelebALike(
    {
      name: `lfwa:${basename(root)}`,
      format: 'lfwa',
      root,
      files,
      listImageDir: false,
      resolveImage: (id) => {
        const flat = join(dir, id);
        if (existsSync(flat)) return flat;
        const m = /^(.+)_\d{4}\.\w+$/.exec(basename(id));
        if (m) {
          const nested = join(dir, m[1]!, basename(id));
          if (existsSync(nested)) return nested;
        }
        return flat;
      },
    },
    opts,
  );
}
