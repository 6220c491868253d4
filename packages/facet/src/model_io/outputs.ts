// The graph's (and the torch pipeline's) inputs and outputs by name, and their unpacking
// into one prediction per image: the same code for libtorch, onnxruntime-node and the
// page's onnxruntime-web.

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

/** The graph's (and the torch pipeline's) output names, in order. */
export const OUTPUT_NAMES = ['probabilities', 'region_weights', 'parse', 'heatmaps'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];
export const INPUT_NAME = 'image';

/** One output of a batch: its values (batch first, row-major) and its shape. */
export interface BatchOutput {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * A batch's outputs (looked up by name) → one prediction per image, each a copy, so the
 * runtime's buffers can be freed. Only the first `count` images are unpacked: a graph of
 * fixed batch pads the rest.
 */
export function unpackOutputs(output: (name: OutputName) => BatchOutput, batch: number, count = batch): RawPrediction[] {
  const [probabilities, regionWeights, parse, heatmaps] = OUTPUT_NAMES.map(output);
  const [, , gridHeight, gridWidth] = heatmaps!.dims;
  const item = (o: BatchOutput, i: number): Float32Array => {
    const n = o.data.length / batch;
    return o.data.slice(i * n, (i + 1) * n);
  };
  return Array.from({ length: count }, (_, i) => ({
    probabilities: item(probabilities!, i),
    regionWeights: item(regionWeights!, i),
    parse: item(parse!, i),
    heatmaps: item(heatmaps!, i),
    gridHeight: gridHeight!,
    gridWidth: gridWidth!,
  }));
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
