/**
 * Self-training for the data engine: a trained parser settles the coarse classes of a
 * `facet label` folder where it is sure. FaceMesh says nothing about hair, so outside the
 * face outline the pseudo-labels say "hair_or_background"; a parser trained on LFW's hand
 * labels can tell the two apart on most of those pixels. Where its probability of one
 * region of a coarse class reaches `minConfidence`, the pixel gets that region alone (a
 * new entry of the label set); elsewhere it keeps the coarse class, so the partial-label
 * loss still learns nothing false from it.
 *
 * The output is a new `facet label` folder over the same source (masks at the source's
 * size, landmarks copied); labels.json records the parser run and the threshold.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { softmax } from '@facet/torch';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { SPLITS } from '../data/types.js';
import { loadMaskSource } from '../data/image.js';
import { openDataset } from '../data/detect.js';
import type { CoarseLabelSet } from '../data/label_sets.js';
import { openSplit, type SplitSource } from '../data/loader/split_source.js';
import {
  LABELS_FILE,
  LANDMARKS_FILE,
  MASKS_DIR,
  manifestLabelSet,
  maskPath,
  readFaceLabelsManifest,
  relativeSource,
  locateSource,
  type FaceLabelsManifest,
} from '../data/face_labels.js';
import { toInputPixels } from '../model_io/fit.js';
import type { Parser } from '../models/parser.js';
import { REGION_COUNT, REGION_NAMES } from '../regions.js';
import { evalLoader } from '../runs/attribute_predictions.js';
import type { RunConfig } from '../runs/config.js';
import { loadParserRun } from '../runs/frozen_parser.js';
import { forEachParse } from '../runs/parser_evaluation.js';
import { writeMaskPng } from '../face/labeller.js';

export interface ResolveOptions {
  /** a `facet label` folder */
  labels: string;
  /** a parser run (its best weights) */
  parserRun: string;
  /** the new folder */
  out: string;
  /** the least probability of one region for a pixel to take it (default 0.9) */
  minConfidence?: number;
  /** decide on the parse averaged with the mirror view's (default true) */
  flipAverage?: boolean;
  cacheDir?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ResolveSummary {
  faces: number;
  /** pixels of a multi-region class, and those now settled, per region they went to */
  coarsePixels: number;
  resolved: Record<string, number>;
  labelSet: CoarseLabelSet;
}

/** Records what settled the coarse classes (labels.json's `resolvedBy`). */
export interface ResolvedBy {
  parserRun: string;
  minConfidence: number;
  flipAverage: boolean;
  /** the label folder the masks were settled from */
  from: string;
}

/**
 * The label set extended by one single-region entry per region that some multi-region
 * class holds (reusing an entry that already is that region alone). `settle[c][r]` is the
 * index a pixel of class c takes when the parser is sure of region r (-1: not in c).
 */
export function resolvedLabelSet(set: CoarseLabelSet): { labelSet: CoarseLabelSet; settle: number[][] } {
  const names = [...set.names];
  const coarseToFine = set.coarseToFine.map((f) => [...f]);
  const alone = new Map<number, number>();
  coarseToFine.forEach((f, k) => {
    if (f.length === 1) alone.set(f[0]!, k);
  });
  const settle = set.coarseToFine.map((fine) => {
    const row = new Array<number>(REGION_COUNT).fill(-1);
    if (fine.length < 2) return row;
    for (const r of fine) {
      if (!alone.has(r)) {
        if (names.includes(REGION_NAMES[r]!)) throw new Error(`label set already has a class named ${REGION_NAMES[r]} that is not region ${r} alone`);
        alone.set(r, names.length);
        names.push(REGION_NAMES[r]!);
        coarseToFine.push([r]);
      }
      row[r] = alone.get(r)!;
    }
    return row;
  });
  return { labelSet: { names, coarseToFine }, settle };
}

/**
 * For each column and row of a w×h source image, the column and row of the model pixel
 * under its centre by the fit rule (an axis-aligned scale and crop, so one table per axis).
 */
function modelPixelsOf(w: number, h: number, tw: number, th: number): { cols: Int32Array; rows: Int32Array } {
  const clampTo = (v: number, size: number) => Math.min(size - 1, Math.max(0, Math.floor(v)));
  const cols = Int32Array.from({ length: w }, (_, x) => clampTo(toInputPixels(x + 0.5, 0, w, h, tw, th)[0], tw));
  const rows = Int32Array.from({ length: h }, (_, y) => clampTo(toInputPixels(0, y + 0.5, w, h, tw, th)[1], th));
  return { cols, rows };
}

/** Per item of a split: the arg-max region and its probability, at the model's size. */
async function parseSplit(
  parser: Parser,
  config: RunConfig,
  source: SplitSource,
  flipAverage: boolean,
  each: (n: number, region: Uint8Array, prob: Float32Array) => Promise<void>,
) {
  const loader = evalLoader(source, config.normalization, 16, false);
  try {
    await forEachParse(
      parser,
      loader,
      { flipAverage },
      (logits) => {
        const [p, r] = softmax(logits, 1).maxDim(1);
        return { region: r.toDtype('uint8').data() as Uint8Array, prob: p.data() as Float32Array };
      },
      (index, n, { region, prob }, b) => {
        const plane = b.height * b.width;
        return each(index, region.subarray(n * plane, (n + 1) * plane), prob.subarray(n * plane, (n + 1) * plane));
      },
    );
  } finally {
    await loader.close();
  }
}

export async function resolveLabels(o: ResolveOptions): Promise<ResolveSummary> {
  const minConfidence = o.minConfidence ?? 0.9;
  if (!(minConfidence > 0.5 && minConfidence <= 1)) throw new Error(`--min-confidence ${minConfidence}: give a probability in (0.5, 1]`);
  const flipAverage = o.flipAverage ?? true;
  if (resolve(o.out) === resolve(o.labels)) throw new Error(`--out ${o.out} is the labels folder itself; write the settled labels to a new folder`);
  const manifest = readFaceLabelsManifest(o.labels);
  const original = manifestLabelSet(o.labels, manifest);
  const { labelSet, settle } = resolvedLabelSet(original);
  if (labelSet.names.length === original.names.length) throw new Error(`${join(o.labels, LABELS_FILE)}: no class spans several regions; nothing to settle`);
  // the classes a parser may settle (those of several regions)
  const settleable = settle.map((row) => row.some((v) => v >= 0));
  const { parser, config } = loadParserRun(o.parserRun);
  const { height, width } = config.recipe;
  mkdirSync(join(o.out, MASKS_DIR), { recursive: true });
  mkdirSync(join(o.out, 'Anno'), { recursive: true });
  const resolved: Record<string, number> = {};
  let coarsePixels = 0,
    faces = 0;
  try {
    const present = new Set(
      openDataset(o.labels)
        .items()
        .map((it) => it.split),
    );
    const splits: SplitSource[] = [];
    for (const split of SPLITS.filter((s) => present.has(s)))
      splits.push(await openSplit(o.labels, split, { height, width, require: 'masks', cacheDir: o.cacheDir }));
    const total = splits.reduce((k, s) => k + s.items.length, 0);
    for (const source of splits) {
      await parseSplit(parser, config, source, flipAverage, async (n, region, prob) => {
        const item = source.items[n]!;
        const mask = await loadMaskSource(item.mask!, item);
        const out = Uint8Array.from(mask.data);
        const { cols, rows } = modelPixelsOf(mask.width, mask.height, width, height);
        for (let y = 0; y < mask.height; y++) {
          for (let x = 0; x < mask.width; x++) {
            const i = y * mask.width + x;
            if (!settleable[mask.data[i]!]) continue;
            const row = settle[mask.data[i]!]!;
            coarsePixels++;
            const j = rows[y]! * width + cols[x]!;
            const r = region[j]!;
            if (row[r]! >= 0 && prob[j]! >= minConfidence) {
              out[i] = row[r]!;
              resolved[REGION_NAMES[r]!] = (resolved[REGION_NAMES[r]!] ?? 0) + 1;
            }
          }
        }
        await writeMaskPng(maskPath(o.out, item.id), out, mask.width, mask.height);
        faces++;
        o.onProgress?.(faces, total);
      });
    }
  } finally {
    parser.dispose();
  }
  // the landmark file atomically too: a copy cut short would read as fewer faces
  writeFileAtomic(join(o.out, LANDMARKS_FILE), readFileSync(join(o.labels, manifest.landmarks || LANDMARKS_FILE)));
  const source = locateSource(o.labels, manifest);
  const now = new Date().toISOString();
  const resolvedBy: ResolvedBy = { parserRun: resolve(o.parserRun), minConfidence, flipAverage, from: resolve(o.labels) };
  const written: FaceLabelsManifest & { resolvedBy: ResolvedBy } = {
    ...manifest,
    source: { ...manifest.source, relative: relativeSource(o.out, source) },
    labelSet: { names: [...labelSet.names], coarseToFine: labelSet.coarseToFine.map((f) => [...f]) },
    landmarks: LANDMARKS_FILE,
    created: now,
    updated: now,
    resolvedBy,
  };
  // labels.json last: its presence marks a finished folder
  writeFileAtomic(join(o.out, LABELS_FILE), Buffer.from(JSON.stringify(written, null, 2) + '\n'));
  return { faces, coarsePixels, resolved, labelSet };
}
