import type { CoarseLabelSet } from './label_sets.js';
import type { DataProblem, SourceRef } from './errors.js';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export type DatasetFormat = 'celeba' | 'lfwa' | 'helen' | 'celebamask-hq' | 'lfw-parts' | 'face-labels';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['celeba', 'lfwa', 'helen', 'celebamask-hq', 'lfw-parts', 'face-labels'];

/** 5 landmarks, x/y interleaved: left eye, right eye, nose, left mouth corner, right mouth corner. */
export type Landmarks = Float32Array;
export const LANDMARK_NAMES = [
  'lefteye_x',
  'lefteye_y',
  'righteye_x',
  'righteye_y',
  'nose_x',
  'nose_y',
  'leftmouth_x',
  'leftmouth_y',
  'rightmouth_x',
  'rightmouth_y',
] as const;

/** Face box in image pixels. */
export interface BBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How an item's region mask is stored on disk. */
export type MaskSource =
  /** one single-channel PNG whose values are region indices 0..6 */
  | { kind: 'index-png'; path: string }
  /** Helen: 11 gray maps, label = argmax, mapped to regions */
  | { kind: 'helen'; paths: string[] }
  /** CelebAMask-HQ: one binary PNG per present part */
  | { kind: 'celebamask-hq'; parts: { part: string; path: string }[]; size?: number }
  /** colour-coded coarse masks (LFW Part Labels) */
  | { kind: 'coarse-color'; path: string; labels: CoarseLabelSet }
  /** one single-channel PNG whose values index a coarse label set (`facet label`'s masks) */
  | { kind: 'coarse-index-png'; path: string; labels: CoarseLabelSet };

export interface FaceItem {
  /** file name as the annotation files name it, e.g. "000132.jpg" */
  id: string;
  imagePath: string;
  split?: Split;
  /** 0/1 per dataset.attributeNames; undefined when the image is not labelled */
  attributes?: Uint8Array;
  identity?: number;
  landmarks?: Landmarks;
  bbox?: BBox;
  mask?: MaskSource;
  /** the annotation line the item came from, for error messages */
  source: SourceRef;
}

export interface FaceDataset {
  readonly name: string;
  readonly format: DatasetFormat;
  readonly root: string;
  /** attribute names, in the order of FaceItem.attributes; [] for parsing-only data */
  readonly attributeNames: readonly string[];
  /** splits that have at least one item */
  readonly splits: readonly Split[];
  /** 'regions': masks decode to 7-region indices; 'coarse': to coarseLabels indices */
  readonly maskKind: 'regions' | 'coarse' | 'none';
  readonly coarseLabels?: CoarseLabelSet;
  /** problems skipped while reading (only with skipBad; otherwise reading throws) */
  readonly problems: readonly DataProblem[];
  /** all items, or those of one split */
  items(split?: Split): FaceItem[];
}

/** Interleaved pixels, row-major, top row first. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** A decoded mask: one channel of label indices. */
export interface LabelMap extends RawImage {
  channels: 1;
  /** 'regions': values are region indices 0..6; 'coarse': indices into coarseLabels */
  kind: 'regions' | 'coarse';
  coarseLabels?: CoarseLabelSet;
}

export interface ReadOptions {
  /** record bad rows/items in dataset.problems and skip them instead of throwing */
  skipBad?: boolean;
  /** check that every image file exists (default true) */
  checkFiles?: boolean;
}

/** Simple in-memory FaceDataset. */
export class ListDataset implements FaceDataset {
  readonly splits: readonly Split[];
  constructor(
    readonly name: string,
    readonly format: DatasetFormat,
    readonly root: string,
    readonly attributeNames: readonly string[],
    private readonly all: FaceItem[],
    readonly maskKind: 'regions' | 'coarse' | 'none',
    readonly problems: readonly DataProblem[],
    readonly coarseLabels?: CoarseLabelSet,
  ) {
    const present = new Set(all.map((i) => i.split));
    this.splits = SPLITS.filter((s) => present.has(s));
  }
  items(split?: Split): FaceItem[] {
    return split === undefined ? this.all.slice() : this.all.filter((i) => i.split === split);
  }
}
