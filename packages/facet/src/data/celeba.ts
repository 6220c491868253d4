/**
 * CelebA as published (spec §11): Img/img_align_celeba/*.jpg, Anno/list_attr_celeba.txt
 * (or the Kaggle CSV), Eval/list_eval_partition.txt, Anno/identity_CelebA.txt,
 * Anno/list_landmarks_align_celeba.txt, Anno/list_bbox_celeba.txt. A folder with the
 * in-the-wild photos instead (Img/img_celeba/, list_landmarks_celeba.txt) is read as
 * such without being told; where both are present the aligned crops win.
 * Also reads the synthetic set written by `facet synth` (its regions/ masks).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { DataError, ProblemSink } from './errors.js';
import { CELEBA_ATTRIBUTES } from './attributes.js';
import { firstExisting, readAttributeList, readBBoxes, readIdentity, readLandmarks, readPartition } from './text.js';
import {
  ListDataset,
  type BBox,
  type DatasetFormat,
  type FaceDataset,
  type FaceItem,
  type Landmarks,
  type MaskSource,
  type ReadOptions,
  type Split,
} from './types.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png']);

function candidates(root: string, dirs: string[], names: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) for (const n of names) out.push(join(root, d, n));
  return out;
}

/** The annotation files of a CelebA-style directory (undefined = absent). */
export interface CelebAFiles {
  imageDir?: string;
  /** what imageDir holds: CelebA's aligned 178×218 crops, or the original photos (img_celeba) */
  layout?: CelebALayout;
  attributes?: string;
  partition?: string;
  identity?: string;
  landmarks?: string;
  bbox?: string;
}

export type CelebALayout = 'aligned' | 'in-the-wild';

const ALIGNED_DIRS = (root: string) => [
  join(root, 'Img', 'img_align_celeba'),
  join(root, 'img_align_celeba', 'img_align_celeba'),
  join(root, 'img_align_celeba'),
];
const WILD_DIRS = (root: string) => [join(root, 'Img', 'img_celeba'), join(root, 'img_celeba', 'img_celeba'), join(root, 'img_celeba')];

/**
 * The files of a CelebA folder. `inTheWild` picks the layout; left out, the aligned crops
 * are taken where present, else the in-the-wild photos.
 */
export function findCelebAFiles(root: string, inTheWild?: boolean): CelebAFiles {
  const annoDirs = ['Anno', '', 'anno'];
  const f: CelebAFiles = {};
  const set = <K extends keyof CelebAFiles>(k: K, v: CelebAFiles[K] | undefined) => {
    if (v !== undefined) f[k] = v;
  };
  const aligned = inTheWild === true ? undefined : firstExisting(ALIGNED_DIRS(root));
  const wild = inTheWild === false || aligned ? undefined : firstExisting(WILD_DIRS(root));
  set('imageDir', aligned ?? wild);
  const layout: CelebALayout = wild || inTheWild ? 'in-the-wild' : 'aligned';
  if (f.imageDir) f.layout = layout;
  set('attributes', firstExisting(candidates(root, annoDirs, ['list_attr_celeba.txt', 'list_attr_celeba.csv'])));
  set('partition', firstExisting(candidates(root, ['Eval', '', 'eval', 'Anno'], ['list_eval_partition.txt', 'list_eval_partition.csv'])));
  set('identity', firstExisting(candidates(root, annoDirs, ['identity_CelebA.txt', 'identity_CelebA.csv'])));
  const lm = layout === 'in-the-wild' ? 'list_landmarks_celeba' : 'list_landmarks_align_celeba';
  set('landmarks', firstExisting(candidates(root, annoDirs, [lm + '.txt', lm + '.csv'])));
  set('bbox', firstExisting(candidates(root, annoDirs, ['list_bbox_celeba.txt', 'list_bbox_celeba.csv'])));
  return f;
}

export interface CelebAOptions extends ReadOptions {
  /**
   * true: read Img/img_celeba and list_landmarks_celeba.txt (the photos); false: the
   * aligned crops; left out: the aligned crops where present, else the photos
   */
  inTheWild?: boolean;
  /** override any of the files found */
  files?: Partial<CelebAFiles>;
  /**
   * attach region masks from DIR/STEM.png (single-channel region indices), e.g. the
   * `regions/` folder `facet synth` writes; default: ROOT/regions when it exists
   */
  regionsDir?: string | false;
}

/** Shared by the CelebA-format readers (CelebA, LFWA, CelebAMask-HQ). */
export interface CelebALikeSpec {
  name: string;
  format: DatasetFormat;
  root: string;
  files: CelebAFiles;
  /** image path of a listed file name; default imageDir/id */
  resolveImage?: (id: string) => string | undefined;
  /** mask of an item, if any */
  maskOf?: (id: string) => MaskSource | undefined;
  maskKind?: 'regions' | 'none';
  /** list image files of imageDir as unlabelled items too (default true) */
  listImageDir?: boolean;
}

export function readCelebALike(spec: CelebALikeSpec, opts: ReadOptions): FaceDataset {
  const sink = new ProblemSink(opts.skipBad ?? false);
  const { files } = spec;
  const checkFiles = opts.checkFiles ?? true;
  if (!files.attributes && !files.imageDir) {
    throw new DataError({ file: spec.root }, `no attribute list and no image folder found for ${spec.name}`);
  }
  const attrs = files.attributes ? readAttributeList(files.attributes, sink) : undefined;
  const partition = files.partition ? readPartition(files.partition, sink) : new Map<string, Split>();
  const identity = files.identity ? readIdentity(files.identity, sink) : new Map<string, number>();
  const landmarks = files.landmarks ? readLandmarks(files.landmarks, sink) : new Map<string, Landmarks>();
  const boxes = files.bbox ? readBBoxes(files.bbox, sink) : new Map<string, BBox>();

  const resolve = spec.resolveImage ?? ((id: string) => (files.imageDir ? join(files.imageDir, id) : undefined));
  const ids = new Map<string, { file: string; line?: number }>();
  if (files.imageDir && spec.listImageDir !== false) {
    for (const f of readdirSync(files.imageDir)) {
      if (IMAGE_EXT.has(extname(f).toLowerCase())) ids.set(f, { file: join(files.imageDir, f) });
    }
  }
  const items: FaceItem[] = [];
  const fromAttr = new Set<string>();
  if (attrs) {
    for (const [id, { line }] of attrs.labels) {
      fromAttr.add(id);
      ids.set(id, { file: attrs.file, line });
    }
  }
  for (const [id, source] of [...ids].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const imagePath = resolve(id);
    if (imagePath === undefined || (checkFiles && fromAttr.has(id) && !existsSync(imagePath))) {
      sink.report(new DataError(source, `missing image ${imagePath ?? id}`), id);
      continue;
    }
    const item: FaceItem = { id, imagePath, source };
    const a = attrs?.labels.get(id);
    if (a) {
      // the attribute list's order is not necessarily CelebA's (CSV); keep the file's order
      item.attributes = a.values;
    }
    const s = partition.get(id);
    if (s) item.split = s;
    const idn = identity.get(id);
    if (idn !== undefined) item.identity = idn;
    const lm = landmarks.get(id);
    if (lm) item.landmarks = lm;
    const bb = boxes.get(id);
    if (bb) item.bbox = bb;
    const m = spec.maskOf?.(id);
    if (m) item.mask = m;
    items.push(item);
  }
  return new ListDataset(spec.name, spec.format, spec.root, attrs ? attrs.names : [...CELEBA_ATTRIBUTES], items, spec.maskKind ?? 'none', sink.problems);
}

export function readCelebA(root: string, opts: CelebAOptions = {}): FaceDataset {
  const files = { ...findCelebAFiles(root, opts.inTheWild), ...opts.files };
  const regionsDir = opts.regionsDir === false ? undefined : (opts.regionsDir ?? (existsSync(join(root, 'regions')) ? join(root, 'regions') : undefined));
  const spec: CelebALikeSpec = { name: `celeba:${basename(root)}`, format: 'celeba', root, files };
  if (regionsDir) {
    spec.maskKind = 'regions';
    spec.maskOf = (id) => {
      const p = join(regionsDir, id.replace(/\.[^.]+$/, '') + '.png');
      return existsSync(p) ? { kind: 'index-png', path: p } : undefined;
    };
  }
  return readCelebALike(spec, opts);
}
