/**
 * The folder `facet label` writes: pseudo-label masks for the faces of a CelebA-layout
 * source folder, which stays where it is (images are never copied).
 *
 *   labels.json                           what produced the folder, from which source, the label set
 *   masks/<stem>.png                      one single-channel PNG per face, values = label set indices
 *   Anno/list_landmarks_align_celeba.txt  five landmarks per face, CelebA's official format
 *
 * Read as a data set, its items are the source's images with their split, attributes and
 * identity from the source, and the masks and landmarks from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { readCelebA } from './celeba.js';
import { DataError, ProblemSink } from './errors.js';
import { REGION_COUNT } from '../regions.js';
import { type CoarseLabelSet } from './label_sets.js';
import { readTable } from './text.js';
import { LANDMARK_NAMES, ListDataset, type FaceDataset, type FaceItem, type ReadOptions, type Split } from './types.js';

export const FACE_LABELS_FORMAT = 'facet-face-labels';
// 2: a band above the mesh's forehead is unlabelled (255) rather than hair_or_background
export const FACE_LABELS_VERSION = 2;
export const LABELS_FILE = 'labels.json';
export const MASKS_DIR = 'masks';
export const LANDMARKS_FILE = join('Anno', 'list_landmarks_align_celeba.txt');

/** labels.json */
export interface FaceLabelsManifest {
  format: typeof FACE_LABELS_FORMAT;
  formatVersion: number;
  /** what made the labels */
  producer: {
    facet: string;
    human: string;
    tfjs: string;
    backend: string;
    models: string[];
    iris: boolean;
  };
  source: {
    /** the path as given on the command line */
    given: string;
    /** its absolute path when labelled */
    resolved: string;
    /** the source relative to this folder: still valid when both are moved together */
    relative: string;
    format: string;
  };
  /** the last run's selection */
  selection: { split: Split | 'all'; limit: number | null };
  labelSet: { names: string[]; coarseToFine: number[][] };
  masks: string;
  landmarks: string;
  counts: {
    /** faces with a mask and landmarks */
    labelled: number;
    /** faces where no face was found */
    missed: number;
    /** faces found only after upsampling the image ×2 */
    upsampled: number;
    /** of the missed: faces were found, but none over the image centre */
    offCentre: number;
  };
  /** ids of the images where no face was found (or, with `centred`, none over the image centre) */
  missed: string[];
  /** the missed images where faces were found off the centre */
  offCentre: string[];
  /** whether only faces covering the image centre were taken (aligned crops) */
  centred: boolean;
  /** ids labelled after upsampling ×2 */
  upsampled: string[];
  /** decoding, detection + mesh and mask writing per image, mean over the last run that labelled new faces */
  msPerFace: number | null;
  created: string;
  updated: string;
}

/** The mask of image `id` ("000132.jpg" → masks/000132.png). */
export function maskPath(dir: string, id: string): string {
  return join(dir, MASKS_DIR, id.replace(/\.[^.]+$/, '') + '.png');
}

/** The path from the labels folder to the source, as labels.json records it. */
export function relativeSource(dir: string, source: string): string {
  return relative(resolve(dir), resolve(source)) || '.';
}

/** CelebA's landmark file: line 1 the count, line 2 the column names, then "file x y …" (integers, padded as published). */
export function formatLandmarkFile(rows: readonly { id: string; points: ArrayLike<number> }[]): string {
  const lines = [String(rows.length), LANDMARK_NAMES.join(' ')];
  for (const r of rows) {
    if (r.points.length !== 10) throw new Error(`landmarks of ${r.id}: ${r.points.length} values, 10 expected`);
    let line = r.id;
    for (let k = 0; k < 10; k++) {
      const v = r.points[k]!;
      if (!Number.isInteger(v)) throw new Error(`landmarks of ${r.id}: ${v} is not an integer pixel index`);
      line += String(v).padStart(5);
    }
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

function checkLabelSet(file: string, set: unknown): CoarseLabelSet {
  const s = set as { names?: unknown; coarseToFine?: unknown } | null;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    Array.isArray(s.names) &&
    s.names.every((n) => typeof n === 'string') &&
    Array.isArray(s.coarseToFine) &&
    s.coarseToFine.length === s.names.length &&
    s.coarseToFine.every((f) => Array.isArray(f) && f.length > 0 && f.every((r) => Number.isInteger(r) && r >= 0 && r < REGION_COUNT));
  if (!ok) throw new DataError({ file }, `labelSet must be { names: string[], coarseToFine: region indices 0..${REGION_COUNT - 1} per name }`);
  return { names: s!.names as string[], coarseToFine: s!.coarseToFine as number[][] };
}

/** Reads and checks labels.json. */
export function readFaceLabelsManifest(dir: string): FaceLabelsManifest {
  const file = join(dir, LABELS_FILE);
  let m: FaceLabelsManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as FaceLabelsManifest;
  } catch (e) {
    throw new DataError({ file }, `cannot read labels (${(e as Error).message})`, { cause: e });
  }
  if (m?.format !== FACE_LABELS_FORMAT) throw new DataError({ file }, `not a ${FACE_LABELS_FORMAT} file (format: ${JSON.stringify(m?.format)})`);
  if (m.formatVersion !== FACE_LABELS_VERSION)
    throw new DataError({ file }, `format version ${m.formatVersion}; this facet reads version ${FACE_LABELS_VERSION}`);
  if (typeof m.source?.given !== 'string' || typeof m.source.resolved !== 'string') throw new DataError({ file }, 'source.given / source.resolved missing');
  checkLabelSet(file, m.labelSet);
  return m;
}

/** The label set recorded in labels.json. */
export function manifestLabelSet(dir: string, m: FaceLabelsManifest): CoarseLabelSet {
  return checkLabelSet(join(dir, LABELS_FILE), m.labelSet);
}

/**
 * Where the source folder is now: as resolved when labelled, else relative to the labels
 * folder (both moved together), else the path as given, relative to the labels folder.
 */
export function locateSource(dir: string, m: FaceLabelsManifest): string {
  const tried = [m.source.resolved];
  if (m.source.relative) tried.push(resolve(dir, m.source.relative));
  if (!isAbsolute(m.source.given)) tried.push(resolve(dir, m.source.given));
  const found = tried.find((p) => existsSync(p));
  if (!found) {
    throw new DataError(
      { file: join(dir, LABELS_FILE) },
      `the source folder these labels were made for is missing: "${m.source.given}" (looked in ${[...new Set(tried)].join(', ')}); images are not copied, so the source must be present`,
    );
  }
  return found;
}

/** Opens a `facet label` folder as a data set of the source's images with these masks. */
export function readFaceLabels(dir: string, opts: ReadOptions = {}): FaceDataset {
  const sink = new ProblemSink(opts.skipBad ?? false);
  const checkFiles = opts.checkFiles ?? true;
  const manifest = readFaceLabelsManifest(dir);
  const labels = manifestLabelSet(dir, manifest);
  const source = readCelebA(locateSource(dir, manifest), { ...opts, regionsDir: false });
  const byId = new Map(source.items().map((it) => [it.id, it]));
  const lmFile = join(dir, manifest.landmarks || LANDMARKS_FILE);
  if (!existsSync(lmFile)) throw new DataError({ file: lmFile }, `missing landmark file (listed in ${join(dir, LABELS_FILE)})`);
  const table = readTable(lmFile, { count: 'auto', header: true, nValues: 10 }, sink);
  const items: FaceItem[] = [];
  for (const row of table.rows) {
    const { id } = row;
    const ref = { file: lmFile, line: row.line };
    if (!row.values.every((v) => /^-?\d+$/.test(v))) {
      sink.report(new DataError(ref, `landmarks must be integers, found "${row.values.join(' ')}"`), id);
      continue;
    }
    const src = byId.get(id);
    if (!src) {
      sink.report(new DataError(ref, `labelled face ${id} is not in the source folder ${source.root}`), id);
      continue;
    }
    const mask = maskPath(dir, id);
    if (checkFiles && !existsSync(mask)) {
      sink.report(new DataError(ref, `missing mask ${mask}`), id);
      continue;
    }
    const landmarks = Float32Array.from(row.values, Number);
    items.push({ ...src, landmarks, mask: { kind: 'coarse-index-png', path: mask, labels }, source: ref });
  }
  items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return new ListDataset(
    `face-labels:${basename(resolve(dir))}`,
    'face-labels',
    dir,
    source.attributeNames,
    items,
    'coarse',
    [...source.problems, ...sink.problems],
    labels,
  );
}
