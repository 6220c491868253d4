// Attribute metrics (spec §9): error and accuracy at a fixed threshold, non-interpolated
// average precision with ties handled as one block, balanced accuracy, and the
// majority-class baseline. Pure functions over typed arrays; no tensors.
//
// Conventions, decided here:
// - Decision rule: p ≥ 0.5 → positive (a probability of exactly 0.5 is a positive).
// - Labels are 0 (absent) or 1 (present); anything else is an error, never coerced.
// - Average precision is undefined for an attribute with no positive in the set
//   (recall is 0/0); it is reported as null and left out of mAP (see `apCount`).
// - Balanced accuracy with a degenerate class uses the rate that exists: no positives →
//   BA = TNR; no negatives → BA = TPR. An empty set is an error.
// - Majority-class baseline: predict "positive" for every image when the training
//   prevalence is ≥ 0.5 (the same rule as the threshold), else "negative"; its error is
//   measured on this set. Without a training prevalence the set's own is used.

/** The decision threshold: a probability p is a positive prediction when p ≥ THRESHOLD. */
export const THRESHOLD = 0.5;

export interface AttributeMetrics {
  name: string;
  /** fraction of images misclassified at p ≥ 0.5 */
  error: number;
  /** 1 − error */
  accuracy: number;
  /** non-interpolated AP, ties as one block; null when the attribute has no positive */
  averagePrecision: number | null;
  /** (TPR + TNR)/2; with one class absent, the rate that exists */
  balancedAccuracy: number;
  /** TP/(TP+FN); null when there is no positive */
  tpr: number | null;
  /** TN/(TN+FP); null when there is no negative */
  tnr: number | null;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** number of images labelled 1 */
  positives: number;
  /** positives / count */
  prevalence: number;
  /** error of always predicting the (training-set) majority class, measured here */
  baselineError: number;
  /** the class the baseline predicts: 1 = positive, 0 = negative */
  baselinePrediction: 0 | 1;
}

export interface AttributeReport {
  /** number of images N */
  count: number;
  threshold: number;
  attributes: AttributeMetrics[];
  meanError: number;
  meanAccuracy: number;
  /** mean AP over the attributes whose AP is defined; null when none is */
  mAP: number | null;
  /** how many attributes entered mAP */
  apCount: number;
  meanBalancedAccuracy: number;
  meanBaselineError: number;
}

export interface AttributeMetricsOptions {
  /** per-attribute prevalence in the training set, for the majority-class baseline */
  trainPrevalence?: ArrayLike<number>;
}

function checkLabel(v: number, where: string): void {
  if (v !== 0 && v !== 1) throw new Error(`${where}: label ${v} is not 0 or 1`);
}

function checkScore(v: number, where: string): void {
  if (!Number.isFinite(v)) throw new Error(`${where}: score ${v} is not finite`);
}

/**
 * Non-interpolated average precision Σ_n (R_n − R_{n−1})·P_n over the ranking by
 * descending score. Items with equal scores form one block: they enter together and
 * precision and recall are evaluated once after the block, so the result does not
 * depend on the order of ties. Returns null when there is no positive.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`averagePrecision: ${n} scores but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    checkScore(scores[i]!, 'averagePrecision');
    checkLabel(labels[i]!, 'averagePrecision');
    positives += labels[i]!;
  }
  if (positives === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < n;) {
    const s = scores[order[i]!]!;
    let j = i;
    while (j < n && scores[order[j]!]! === s) {
      tp += labels[order[j]!]!;
      j++;
    }
    seen += j - i;
    const recall = tp / positives;
    if (recall > prevRecall) ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
    i = j;
  }
  return ap;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Balanced accuracy (TPR + TNR)/2; with one class absent, the rate that exists. */
export function balancedAccuracy(c: Confusion): { balancedAccuracy: number; tpr: number | null; tnr: number | null } {
  const pos = c.tp + c.fn;
  const neg = c.tn + c.fp;
  const tpr = pos > 0 ? c.tp / pos : null;
  const tnr = neg > 0 ? c.tn / neg : null;
  if (tpr === null && tnr === null) throw new Error('balancedAccuracy: empty set');
  const ba = tpr === null ? tnr! : tnr === null ? tpr : (tpr + tnr) / 2;
  return { balancedAccuracy: ba, tpr, tnr };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/**
 * Metrics for N images × A attributes. `probabilities` and `labels` are row-major N×A
 * (image n, attribute a at n·A + a); probabilities are sigmoid outputs in [0, 1]
 * (any finite score works for AP; the threshold is 0.5).
 */
export function attributeMetrics(
  probabilities: Float32Array,
  labels: Uint8Array,
  attributeNames: readonly string[],
  options: AttributeMetricsOptions = {},
): AttributeReport {
  const A = attributeNames.length;
  if (A === 0) throw new Error('attributeMetrics: no attributes');
  if (probabilities.length !== labels.length) {
    throw new Error(`attributeMetrics: ${probabilities.length} probabilities but ${labels.length} labels`);
  }
  if (probabilities.length % A !== 0) {
    throw new Error(`attributeMetrics: ${probabilities.length} values is not a multiple of ${A} attributes`);
  }
  const N = probabilities.length / A;
  if (N === 0) throw new Error('attributeMetrics: no images');
  const train = options.trainPrevalence;
  if (train && train.length !== A) throw new Error(`attributeMetrics: trainPrevalence has ${train.length} values for ${A} attributes`);

  const scores = new Float32Array(N);
  const lab = new Uint8Array(N);
  const attributes: AttributeMetrics[] = [];
  for (let a = 0; a < A; a++) {
    const name = attributeNames[a]!;
    const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
    for (let n = 0; n < N; n++) {
      const p = probabilities[n * A + a]!;
      const y = labels[n * A + a]!;
      checkScore(p, `attributeMetrics(${name}, image ${n})`);
      checkLabel(y, `attributeMetrics(${name}, image ${n})`);
      scores[n] = p;
      lab[n] = y;
      const pred = p >= THRESHOLD;
      if (y === 1) pred ? c.tp++ : c.fn++;
      else pred ? c.fp++ : c.tn++;
    }
    const positives = c.tp + c.fn;
    const prevalence = positives / N;
    const error = (c.fp + c.fn) / N;
    const trainP = train ? train[a]! : prevalence;
    if (!(trainP >= 0 && trainP <= 1)) throw new Error(`attributeMetrics(${name}): train prevalence ${trainP} outside [0, 1]`);
    const baselinePrediction: 0 | 1 = trainP >= THRESHOLD ? 1 : 0;
    attributes.push({
      name,
      error,
      accuracy: 1 - error,
      averagePrecision: averagePrecision(scores, lab),
      ...balancedAccuracy(c),
      ...c,
      positives,
      prevalence,
      baselineError: baselinePrediction === 1 ? 1 - prevalence : prevalence,
      baselinePrediction,
    });
  }
  const aps = attributes.map((m) => m.averagePrecision).filter((x): x is number => x !== null);
  return {
    count: N,
    threshold: THRESHOLD,
    attributes,
    meanError: mean(attributes.map((m) => m.error)),
    meanAccuracy: mean(attributes.map((m) => m.accuracy)),
    mAP: aps.length > 0 ? mean(aps) : null,
    apCount: aps.length,
    meanBalancedAccuracy: mean(attributes.map((m) => m.balancedAccuracy)),
    meanBaselineError: mean(attributes.map((m) => m.baselineError)),
  };
}

/** Per-attribute prevalence of a row-major N×A label matrix (for `trainPrevalence`). */
export function prevalence(labels: Uint8Array, numAttributes: number): Float64Array {
  if (numAttributes <= 0 || labels.length % numAttributes !== 0) {
    throw new Error(`prevalence: ${labels.length} labels is not a multiple of ${numAttributes}`);
  }
  const N = labels.length / numAttributes;
  const out = new Float64Array(numAttributes);
  for (let i = 0; i < labels.length; i++) {
    checkLabel(labels[i]!, 'prevalence');
    out[i % numAttributes]! += labels[i]!;
  }
  if (N > 0) for (let a = 0; a < numAttributes; a++) out[a]! /= N;
  return out;
}
