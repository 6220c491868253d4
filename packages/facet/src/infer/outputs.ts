/** What facet predicts for one image, from either runtime (libtorch or ONNX). */
export interface RawPrediction {
  /** A sigmoid probabilities */
  probabilities: Float32Array;
  /** R×A: for each attribute, the softmax over regions of SSP's localization scores */
  regionWeights: Float32Array;
  /** R×H×W region probabilities at full scale (the parse) */
  parse: Float32Array;
  /** A×h×w heat maps on the last conv's grid (spec §10) */
  heatmaps: Float32Array;
  gridHeight: number;
  gridWidth: number;
}

/**
 * The first output of p that is not a finite number ("probabilities[3] is NaN"), or
 * null: a model with broken weights or normalisation must fail, not print NaN rows.
 */
export function nonFiniteOutput(p: RawPrediction): string | null {
  const values = [p.probabilities, p.regionWeights, p.parse, p.heatmaps];
  for (const [k, name] of OUTPUT_NAMES.entries()) {
    const v = values[k]!;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return `${name}[${i}] is ${v[i]}`;
  }
  return null;
}

/** The graph's (and the torch pipeline's) output names, in order. */
export const OUTPUT_NAMES = ['probabilities', 'region_weights', 'parse', 'heatmaps'] as const;
export const INPUT_NAME = 'image';

/** R×plane probabilities → per-pixel index of the largest (the first on ties). */
export function argmaxRegions(parse: Float32Array, regions: number, plane: number): Uint8Array {
  const labels = new Uint8Array(plane);
  const best = parse.slice(0, plane);
  for (let r = 1; r < regions; r++) {
    const off = r * plane;
    for (let i = 0; i < plane; i++) {
      const v = parse[off + i]!;
      if (v > best[i]!) {
        best[i] = v;
        labels[i] = r;
      }
    }
  }
  return labels;
}
