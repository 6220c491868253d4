// Parsing IoU (spec §9): per-class intersection and union accumulated over the whole
// test set (not averaged per image), and their mean over classes, background included
// (the paper's Table 4).
//
// Conventions, decided here:
// - Pixels whose target is the ignore value (default 255) are skipped: neither their
//   prediction nor their target counts anywhere.
// - A prediction or target outside [0, K) (other than the ignore value) is an error.
// - A class that never appears in predictions nor in targets has IoU 0/0: reported as
//   null and left out of the mean (`meanOver` tells how many classes entered).
import { type CoarseLabelSet, fineToCoarse } from '../data/label_sets.js';

export interface IoUResult {
  classNames: string[];
  /** IoU per class in [0, 1]; null when the class appeared in neither prediction nor target */
  perClass: (number | null)[];
  /** accumulated intersection (pixels) per class */
  intersection: number[];
  /** accumulated union (pixels) per class */
  union: number[];
  /** mean of the non-null per-class IoUs; null when all are null */
  mean: number | null;
  /** how many classes entered the mean */
  meanOver: number;
  /** pixels counted (target not ignored) */
  pixels: number;
  /** pixels skipped because the target was the ignore value */
  ignored: number;
  /** pixel accuracy over counted pixels (null when none) */
  pixelAccuracy: number | null;
  /** pixels by [target class][predicted class]: which classes are taken for which */
  confusion: number[][];
}

export class IoUAccumulator {
  readonly classNames: readonly string[];
  /** k×k, row = target, column = prediction: intersections on the diagonal, row and column sums the class counts */
  private readonly confusion: Float64Array;
  private pixels = 0;
  private ignored = 0;
  private images = 0;

  constructor(classNames: readonly string[]) {
    if (classNames.length === 0 || classNames.length > 255) {
      throw new Error(`IoUAccumulator: ${classNames.length} classes (need 1 to 255)`);
    }
    this.classNames = [...classNames];
    const k = classNames.length;
    this.confusion = new Float64Array(k * k);
  }

  /** Adds one image (or any batch of pixels): `pred` and `target` are label maps of equal length. */
  add(pred: Uint8Array, target: Uint8Array, ignore = 255): void {
    if (pred.length !== target.length) {
      throw new Error(`IoUAccumulator.add: prediction has ${pred.length} pixels, target ${target.length}`);
    }
    const k = this.classNames.length;
    // validate first so that a bad image leaves the totals untouched
    for (let i = 0; i < pred.length; i++) {
      const t = target[i]!;
      if (t === ignore) continue;
      if (t >= k) throw new Error(`IoUAccumulator.add: target label ${t} at pixel ${i} is not one of ${k} classes (ignore = ${ignore})`);
      if (pred[i]! >= k) throw new Error(`IoUAccumulator.add: predicted label ${pred[i]} at pixel ${i} is not one of ${k} classes`);
    }
    for (let i = 0; i < pred.length; i++) {
      const t = target[i]!;
      if (t === ignore) {
        this.ignored++;
        continue;
      }
      this.confusion[t * k + pred[i]!]!++;
      this.pixels++;
    }
    this.images++;
  }

  /** Number of `add` calls so far. */
  get count(): number {
    return this.images;
  }

  /** Adds another accumulator's totals (same classes) to this one. */
  merge(other: IoUAccumulator): void {
    if (other.classNames.join('\u0000') !== this.classNames.join('\u0000')) {
      throw new Error('IoUAccumulator.merge: different classes');
    }
    for (let i = 0; i < this.confusion.length; i++) this.confusion[i]! += other.confusion[i]!;
    this.pixels += other.pixels;
    this.ignored += other.ignored;
    this.images += other.images;
  }

  reset(): void {
    this.confusion.fill(0);
    this.pixels = this.ignored = this.images = 0;
  }

  result(): IoUResult {
    const k = this.classNames.length;
    const intersection: number[] = [];
    const union: number[] = [];
    const perClass: (number | null)[] = [];
    const confusion = Array.from({ length: k }, (_, t) => Array.from(this.confusion.subarray(t * k, (t + 1) * k)));
    let correct = 0;
    for (let c = 0; c < k; c++) {
      const i = confusion[c]![c]!;
      let predicted = 0,
        target = 0;
      for (let o = 0; o < k; o++) {
        predicted += confusion[o]![c]!;
        target += confusion[c]![o]!;
      }
      const u = predicted + target - i;
      intersection.push(i);
      union.push(u);
      perClass.push(u > 0 ? i / u : null);
      correct += i;
    }
    const defined = perClass.filter((x): x is number => x !== null);
    return {
      classNames: [...this.classNames],
      perClass,
      intersection,
      union,
      mean: defined.length > 0 ? defined.reduce((s, x) => s + x, 0) / defined.length : null,
      meanOver: defined.length,
      pixels: this.pixels,
      ignored: this.ignored,
      pixelAccuracy: this.pixels > 0 ? correct / this.pixels : null,
      confusion,
    };
  }
}

/**
 * Maps a 7-region prediction (spec §1) onto a coarse label set, e.g. LFW Part Labels
 * (background / hair / skin, where skin covers skin, eyes, eyebrows, mouth and nose).
 * Values outside the fine regions (e.g. an ignore value 255) are kept as they are.
 * Throws when a fine region has no coarse class in the set.
 */
export function coarsen(predFine: Uint8Array, set: CoarseLabelSet): Uint8Array {
  const map = fineToCoarse(set);
  map.forEach((c, r) => {
    if (c < 0) throw new Error(`coarsen: region ${r} has no class in the coarse set [${set.names.join(', ')}]`);
  });
  const out = new Uint8Array(predFine.length);
  for (let i = 0; i < predFine.length; i++) {
    const r = predFine[i]!;
    out[i] = r < map.length ? map[r]! : r;
  }
  return out;
}
