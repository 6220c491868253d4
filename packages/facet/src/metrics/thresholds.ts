// Decision thresholds tuned on a validation split: per attribute, the cut on p that
// makes the fewest errors there. CelebA's attributes are unbalanced and a short
// training run's probabilities are not calibrated, so 0.5 is rarely the best cut; the
// paper's error is at a fixed decision, and this is the usual way to choose it.

export interface TunedThresholds {
  /** per attribute: the cut (p ≥ t is positive) */
  thresholds: number[];
  /** per attribute: validation errors at 0.5 and at the cut */
  errorsAtHalf: number[];
  errorsAtCut: number[];
}

export interface TuneOptions {
  /** cuts are kept inside [low, 1 − low] (default 0.05): beyond, a few items decide */
  low?: number;
  /** a cut replaces 0.5 only when it saves at least this many validation errors (default 2) */
  minGain?: number;
}

/** probs and labels are N×A row-major. */
export function tuneThresholds(probs: Float32Array, labels: Uint8Array, attributes: number, options: TuneOptions = {}): TunedThresholds {
  const n = probs.length / attributes;
  if (!Number.isInteger(n) || labels.length !== probs.length)
    throw new Error(`tuneThresholds: ${probs.length} probabilities and ${labels.length} labels for ${attributes} attributes`);
  const low = options.low ?? 0.05;
  const minGain = options.minGain ?? 2;
  const out: TunedThresholds = { thresholds: [], errorsAtHalf: [], errorsAtCut: [] };
  for (let a = 0; a < attributes; a++) {
    const rows = Array.from({ length: n }, (_, i) => ({ p: probs[i * attributes + a]!, y: labels[i * attributes + a]! })).sort((x, y) => x.p - y.p);
    const errorsAt = (t: number): number => rows.reduce((e, r) => e + ((r.p >= t ? 1 : 0) !== r.y ? 1 : 0), 0);
    const half = errorsAt(0.5);
    // sweep the cuts between consecutive distinct probabilities: errors = positives below + negatives at or above
    let positivesBelow = 0;
    let negativesAbove = rows.reduce((s, r) => s + (r.y ? 0 : 1), 0);
    let best = { t: 0.5, errors: half };
    for (let i = 0; i <= n; i++) {
      if (i > 0 && i < n && rows[i]!.p === rows[i - 1]!.p) {
        if (rows[i - 1]!.y) positivesBelow++;
        else negativesAbove--;
        continue;
      }
      if (i > 0) {
        if (rows[i - 1]!.y) positivesBelow++;
        else negativesAbove--;
      }
      const t = i === 0 ? rows[0]!.p : i === n ? rows[n - 1]!.p + 1e-6 : (rows[i - 1]!.p + rows[i]!.p) / 2;
      if (t < low || t > 1 - low) continue;
      const errors = positivesBelow + negativesAbove;
      if (errors < best.errors || (errors === best.errors && Math.abs(t - 0.5) < Math.abs(best.t - 0.5))) best = { t, errors };
    }
    const keep = half - best.errors < minGain;
    out.thresholds.push(keep ? 0.5 : best.t);
    out.errorsAtHalf.push(half);
    out.errorsAtCut.push(keep ? half : best.errors);
  }
  return out;
}

/** The logit shift that moves the cut t to p = 0.5: logit(p) − logit(t). */
export function logitShift(t: number): number {
  return -Math.log(t / (1 - t));
}
