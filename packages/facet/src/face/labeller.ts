/**
 * The label engine: runs BlazeFace + FaceMesh over a CelebA-layout folder and writes, for
 * every face found, a MESH_LABELS mask and CelebA's five landmarks (the folder layout is
 * described in data/face_labels.ts).
 *
 * Resumable: each face's result is appended to a journal as soon as its mask is on disk,
 * and labels.json — written last, atomically — is the mark of a finished run. A run that
 * is stopped leaves masks and the journal; the next run with the same --out picks up from
 * them. Running again over a finished folder adds the faces not labelled yet (a larger
 * --limit, another split) and keeps the rest.
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { readCelebA } from '../data/celeba.js';
import { detectFormats } from '../data/detect.js';
import { DataError, ProblemSink } from '../data/errors.js';
import {
  FACE_LABELS_FORMAT,
  FACE_LABELS_VERSION,
  LABELS_FILE,
  LANDMARKS_FILE,
  MASKS_DIR,
  formatLandmarkFile,
  maskPath,
  readFaceLabelsManifest,
  relativeSource,
  type FaceLabelsManifest,
} from '../data/face_labels.js';
import { loadImage, resizeRgb } from '../data/image.js';
import { MESH_LABELS } from '../data/label_sets.js';
import { readTable } from '../data/text.js';
import type { FaceItem, RawImage, Split } from '../data/types.js';
import { FACET_VERSION } from '../version.js';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { FaceDetector, type DetectedFace } from './human.js';
import { fivePoints, meshRegionMap, toPixelIndices } from './mesh_regions.js';

export const JOURNAL_FILE = '.labels-journal.jsonl';

/** Images whose long side is below this are tried again at twice the size when no face is found. */
export const UPSAMPLE_BELOW = 320;

export interface LabelOptions {
  /** the CelebA-layout source folder, as given */
  source: string;
  out: string;
  /** default 'all' */
  split?: Split | 'all';
  /** the first N images of the selection (by id) */
  limit?: number;
  /** iris model for the eye centres (slower; default false) */
  iris?: boolean;
  /** only a face whose box covers the image centre counts, as in aligned crops (default true) */
  centred?: boolean;
  /** a detector to use (tests share one); otherwise one is loaded and disposed */
  detector?: FaceDetector;
  onProgress?: (done: number, total: number, found: number) => void;
}

export interface LabelSummary {
  out: string;
  manifest: FaceLabelsManifest;
  /** images in this run's selection */
  selected: number;
  /** labelled in this run */
  labelledNow: number;
  /** missed in this run */
  missedNow: string[];
  /** already done by an earlier run (labelled or missed) */
  resumed: number;
  /** mean wall time per image processed in this run (decode, detect, mask), or null */
  msPerFace: number | null;
  /** mean detector time per image (BlazeFace + FaceMesh, including any ×2 retry) */
  msDetect: number | null;
}

/** One processed face: its landmarks (pixel indices), or missed. */
interface Done {
  points?: number[];
  upsampled?: boolean;
  missed?: boolean;
  /** missed: faces were found, none over the image centre */
  offCentre?: boolean;
}

interface JournalHeader {
  journal: typeof FACE_LABELS_FORMAT;
  source: string;
  labelSet: string[];
  centred: boolean;
}

function sameLabelSet(names: readonly string[]): boolean {
  return names.length === MESH_LABELS.names.length && names.every((n, i) => n === MESH_LABELS.names[i]);
}

/** Faces done by a finished earlier run (labels.json + landmark file). */
function readFinished(out: string, source: string, centred: boolean): { done: Map<string, Done>; created: string; msPerFace: number | null } | null {
  if (!existsSync(join(out, LABELS_FILE))) return null;
  const m = readFaceLabelsManifest(out);
  if (resolve(m.source.resolved) !== source) {
    throw new DataError({ file: join(out, LABELS_FILE) }, `${out} holds labels of ${m.source.resolved}, not ${source}; choose another --out`);
  }
  if (!sameLabelSet(m.labelSet.names)) {
    throw new DataError({ file: join(out, LABELS_FILE) }, `${out} holds labels of another label set (${m.labelSet.names.join(', ')}); choose another --out`);
  }
  if ((m.centred ?? true) !== centred) {
    throw new DataError(
      { file: join(out, LABELS_FILE) },
      `${out} was labelled ${m.centred ? 'with' : 'without'} the centre rule; run again ${m.centred ? 'without' : 'with'} --no-centre, or choose another --out`,
    );
  }
  const done = new Map<string, Done>();
  const up = new Set(m.upsampled ?? []);
  const lm = join(out, m.landmarks || LANDMARKS_FILE);
  if (existsSync(lm)) {
    for (const r of readTable(lm, { count: 'auto', header: true, nValues: 10 }, new ProblemSink(false)).rows) {
      done.set(r.id, { points: r.values.map(Number), upsampled: up.has(r.id) });
    }
  }
  const off = new Set(m.offCentre ?? []);
  for (const id of m.missed) done.set(id, { missed: true, offCentre: off.has(id) });
  return { done, created: m.created, msPerFace: m.msPerFace ?? null };
}

/** Faces recorded in the journal of an unfinished run (a torn last line is ignored). */
function readJournal(out: string, source: string, centred: boolean, into: Map<string, Done>): void {
  const file = join(out, JOURNAL_FILE);
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const parse = (l: string): unknown => {
    try {
      return JSON.parse(l);
    } catch {
      return null;
    }
  };
  const head = parse(lines[0] ?? '') as JournalHeader | null;
  if (!head || head.journal !== FACE_LABELS_FORMAT) throw new DataError({ file }, 'not a facet label journal; remove it to start over');
  if (head.source !== source) throw new DataError({ file }, `journal of a run over ${head.source}, not ${source}; choose another --out`);
  if (!sameLabelSet(head.labelSet)) throw new DataError({ file }, 'journal of a run with another label set; remove it to start over');
  if ((head.centred ?? true) !== centred)
    throw new DataError({ file }, `journal of a run ${head.centred ? 'with' : 'without'} the centre rule (--no-centre); remove it to start over`);
  for (const l of lines.slice(1)) {
    const e = parse(l) as ({ id: string } & Done) | null;
    if (!e || typeof e.id !== 'string') continue;
    into.set(e.id, e.missed ? { missed: true, offCentre: !!e.offCentre } : { points: e.points!, upsampled: !!e.upsampled });
  }
}

/** Image ×2 (sharp's default Lanczos), for a small face the detector missed. */
async function upsample(img: RawImage): Promise<RawImage> {
  return { ...(await resizeRgb(img, img.width * 2, img.height * 2)), channels: 3 };
}

/** Mesh points from image ×2 back to the image (continuous coordinates scale exactly). */
function halve(face: DetectedFace): DetectedFace {
  return {
    ...face,
    box: [face.box[0] / 2, face.box[1] / 2, face.box[2] / 2, face.box[3] / 2],
    mesh: face.mesh.map(([x, y, z]) => [x / 2, y / 2, z / 2] as const),
  };
}

/** Does the face's box contain the image's centre? */
export function coversCentre(face: DetectedFace, width: number, height: number): boolean {
  const [x, y, w, h] = face.box;
  return x <= width / 2 && width / 2 <= x + w && y <= height / 2 && height / 2 <= y + h;
}

export interface FoundFace {
  face: DetectedFace;
  /** found only in the image ×2 */
  upsampled: boolean;
}

/**
 * The best-scoring face in an image, retrying at ×2 for small images. With `centred`
 * only faces whose box covers the image centre count: an aligned crop is centred on its
 * face, and what BlazeFace finds elsewhere in one (a painted pattern, a helmet, a
 * corner of hair) is not the face the crop was made for. `offCentre` tells that faces
 * were found but none at the centre.
 */
export async function findFace(detector: FaceDetector, img: RawImage, centred = true): Promise<{ found: FoundFace | null; offCentre: boolean }> {
  const ok = (f: DetectedFace) => !centred || coversCentre(f, img.width, img.height);
  const faces = await detector.detectFaces(img);
  const best = faces.find(ok);
  if (best) return { found: { face: best, upsampled: false }, offCentre: false };
  if (Math.max(img.width, img.height) >= UPSAMPLE_BELOW) return { found: null, offCentre: faces.length > 0 };
  const big = (await detector.detectFaces(await upsample(img))).map(halve);
  const bigBest = big.find(ok);
  if (bigBest) return { found: { face: bigBest, upsampled: true }, offCentre: false };
  return { found: null, offCentre: faces.length + big.length > 0 };
}

/** Writes a label map as a single-channel PNG, atomically. */
export async function writeMaskPng(path: string, labels: Uint8Array, width: number, height: number): Promise<void> {
  const png = await sharp(labels, { raw: { width, height, channels: 1 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  writeFileAtomic(path, png);
}

/** The images of the source to label: a split (or all), sorted by id, the first `limit`. */
export function selectItems(items: readonly FaceItem[], split: Split | 'all', limit?: number): FaceItem[] {
  const sel = split === 'all' ? items.slice() : items.filter((i) => i.split === split);
  sel.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return limit !== undefined && limit > 0 ? sel.slice(0, limit) : sel;
}

/** Labels the faces of `options.source` into `options.out`. */
export async function labelFaces(options: LabelOptions): Promise<LabelSummary> {
  const out = resolve(options.out);
  const source = resolve(options.source);
  if (!existsSync(source)) throw new DataError({ file: options.source }, 'no such directory');
  if (!detectFormats(source).some((d) => d.format === 'celeba')) {
    throw new DataError({ file: options.source }, 'not a CelebA-layout folder (Img/img_align_celeba/ or Anno/list_attr_celeba.txt)');
  }
  const split = options.split ?? 'all';
  const dataset = readCelebA(source, { regionsDir: false });
  const selected = selectItems(dataset.items(), split, options.limit);
  if (selected.length === 0) {
    throw new DataError({ file: options.source }, `no images in the ${split} split (splits here: ${dataset.splits.join(', ') || 'none'})`);
  }

  const centred = options.centred ?? true;
  const finished = readFinished(out, source, centred);
  const done = finished?.done ?? new Map<string, Done>();
  readJournal(out, source, centred, done);
  // a face counts as done only while its mask is still there
  for (const [id, d] of done) if (!d.missed && !existsSync(maskPath(out, id))) done.delete(id);
  const todo = selected.filter((it) => !done.has(it.id));
  const resumed = selected.length - todo.length;

  await mkdir(join(out, MASKS_DIR), { recursive: true });
  const journal = join(out, JOURNAL_FILE);
  if (!existsSync(journal)) {
    const head: JournalHeader = { journal: FACE_LABELS_FORMAT, source, labelSet: [...MESH_LABELS.names], centred };
    appendFileSync(journal, JSON.stringify(head) + '\n');
  }

  const detector = options.detector ?? (await FaceDetector.load({ iris: options.iris ?? false }));
  const missedNow: string[] = [];
  let labelledNow = 0;
  let detectMs = 0;
  const t0 = performance.now();
  try {
    // decode one image ahead while the detector works on the current one; an unreadable
    // image stops the run (`facet data check` names it), where it is awaited
    const load = (k: number): Promise<RawImage> | null => {
      const it = todo[k];
      if (!it) return null;
      const p = loadImage(it.imagePath, it);
      p.catch(() => undefined);
      return p;
    };
    let next = load(0);
    for (let i = 0; i < todo.length; i++) {
      const item = todo[i]!;
      const img = await next!;
      next = load(i + 1);
      const td = performance.now();
      const { found, offCentre } = await findFace(detector, img, centred);
      detectMs += performance.now() - td;
      let entry: Done;
      if (found) {
        const map = meshRegionMap(found.face.mesh, img.width, img.height);
        await writeMaskPng(maskPath(out, item.id), map, img.width, img.height);
        entry = { points: Array.from(toPixelIndices(fivePoints(found.face.mesh))), upsampled: found.upsampled };
        labelledNow++;
      } else {
        entry = offCentre ? { missed: true, offCentre: true } : { missed: true };
        missedNow.push(item.id);
      }
      done.set(item.id, entry);
      appendFileSync(journal, JSON.stringify({ id: item.id, ...entry }) + '\n');
      options.onProgress?.(i + 1, todo.length, labelledNow);
    }
  } finally {
    if (!options.detector) detector.dispose();
  }
  const elapsed = performance.now() - t0;

  const ids = [...done.keys()].sort();
  const labelled = ids.filter((id) => !done.get(id)!.missed);
  const now = new Date().toISOString();
  const manifest: FaceLabelsManifest = {
    format: FACE_LABELS_FORMAT,
    formatVersion: FACE_LABELS_VERSION,
    producer: {
      facet: FACET_VERSION,
      human: detector.humanVersion,
      tfjs: detector.tfjsVersion,
      backend: detector.backend,
      models: ['blazeface', 'facemesh', ...(options.iris ? ['iris'] : [])],
      iris: options.iris ?? false,
    },
    source: { given: options.source, resolved: source, relative: relativeSource(out, source), format: 'celeba' },
    selection: { split, limit: options.limit ?? null },
    labelSet: { names: [...MESH_LABELS.names], coarseToFine: MESH_LABELS.coarseToFine.map((f) => [...f]) },
    masks: MASKS_DIR,
    landmarks: LANDMARKS_FILE,
    counts: {
      labelled: labelled.length,
      missed: ids.length - labelled.length,
      offCentre: ids.filter((id) => done.get(id)!.offCentre).length,
      upsampled: labelled.filter((id) => done.get(id)!.upsampled).length,
    },
    missed: ids.filter((id) => done.get(id)!.missed),
    offCentre: ids.filter((id) => done.get(id)!.offCentre),
    centred,
    upsampled: labelled.filter((id) => done.get(id)!.upsampled),
    // a run with nothing new to do keeps the speed measured by the run that did the work
    msPerFace: todo.length ? elapsed / todo.length : (finished?.msPerFace ?? null),
    created: finished?.created ?? now,
    updated: now,
  };
  writeFileAtomic(join(out, LANDMARKS_FILE), Buffer.from(formatLandmarkFile(labelled.map((id) => ({ id, points: done.get(id)!.points! })))));
  // labels.json last: its presence means masks and landmarks are complete
  writeFileAtomic(join(out, LABELS_FILE), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  rmSync(journal, { force: true });
  return {
    out,
    manifest,
    selected: selected.length,
    labelledNow,
    missedNow,
    resumed,
    msPerFace: todo.length ? elapsed / todo.length : null,
    msDetect: todo.length ? detectMs / todo.length : null,
  };
}
