/** Which published layout a directory holds, and opening it with the right reader. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from './errors.js';
import { findCelebAFiles, readCelebA } from './celeba.js';
import { readCelebAMaskHQ } from './celebamask_hq.js';
import { readHelen } from './helen.js';
import { findLfwaFiles, readLfwa } from './lfwa.js';
import { readLfwParts } from './lfw_parts.js';
import { LABELS_FILE, MASKS_DIR, readFaceLabels } from './face_labels.js';
import { DATASET_FORMATS, type DatasetFormat, type FaceDataset, type ReadOptions } from './types.js';

export interface Detection {
  format: DatasetFormat;
  /** what was found */
  evidence: string;
}

/** Every format whose files are present in `dir`, most specific first. */
export function detectFormats(dir: string): Detection[] {
  if (!existsSync(dir)) throw new DataError({ file: dir }, 'no such directory');
  const out: Detection[] = [];
  const has = (p: string) => existsSync(join(dir, p));
  if (has(LABELS_FILE) && has(MASKS_DIR)) {
    out.push({ format: 'face-labels', evidence: `${LABELS_FILE} with ${MASKS_DIR}/ (written by facet label)` });
  }
  if (has('CelebAMask-HQ-attribute-anno.txt') || has('CelebAMask-HQ-mask-anno')) {
    out.push({ format: 'celebamask-hq', evidence: 'CelebAMask-HQ-attribute-anno.txt / CelebAMask-HQ-mask-anno/' });
  }
  const lfwList = ['train.txt', 'validation.txt', 'test.txt'].find((f) => has(f));
  if (has('parts_lfw_funneled_gt_images') || has('parts_train.txt') || (lfwList && readFileSync(join(dir, lfwList), 'utf8').includes('\t'))) {
    out.push({ format: 'lfw-parts', evidence: 'parts_lfw_funneled_gt_images/ or tab-separated image/mask lists' });
  }
  const celeba = findCelebAFiles(dir);
  if (celeba.attributes || celeba.imageDir) {
    const wild = celeba.layout === 'in-the-wild' ? ` (in-the-wild photos in ${celeba.imageDir}, not aligned crops)` : '';
    out.push({ format: 'celeba', evidence: `${celeba.attributes ?? celeba.imageDir}${wild}` });
  }
  if (has('labels') && (has('images') || has('exemplars.txt') || has('testing.txt'))) {
    out.push({ format: 'helen', evidence: 'labels/ with images/ or exemplars.txt' });
  }
  const lfwa = findLfwaFiles(dir);
  if (lfwa.attributes) out.push({ format: 'lfwa', evidence: lfwa.attributes });
  return out;
}

/** The format of `dir`; a DataError when nothing is recognised. */
export function detectFormat(dir: string): DatasetFormat {
  const d = detectFormats(dir);
  if (d.length === 0) {
    throw new DataError(
      { file: dir },
      `cannot tell the data set format (looked for CelebA Anno/list_attr_celeba.txt, Img/img_align_celeba/ or Img/img_celeba/, LFWA list_attr_lfwa.txt, Helen labels/ + images/, CelebAMask-HQ-attribute-anno.txt, LFW Part Labels train.txt/validation.txt, facet label's labels.json + masks/); pass --format (${DATASET_FORMATS.join('|')})`,
    );
  }
  return d[0]!.format;
}

export interface OpenOptions extends ReadOptions {
  format?: DatasetFormat;
}

/** Opens a data set with the reader for its (given or detected) format. */
export function openDataset(dir: string, opts: OpenOptions = {}): FaceDataset {
  const format = opts.format ?? detectFormat(dir);
  switch (format) {
    case 'celeba':
      return readCelebA(dir, opts);
    case 'lfwa':
      return readLfwa(dir, opts);
    case 'helen':
      return readHelen(dir, opts);
    case 'celebamask-hq':
      return readCelebAMaskHQ(dir, opts);
    case 'lfw-parts':
      return readLfwParts(dir, opts);
    case 'face-labels':
      return readFaceLabels(dir, opts);
  }
}
