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
export const INPUT_NAME = 'image';
