// The settings a model bundle carries (bundle.json): what a predictor needs to run it.
// Kept free of Node imports, so that the browser app can use the type too.
export const BUNDLE_FORMAT = 'facet-model';
export const BUNDLE_VERSION = 1;

export interface BundleConfig {
  format: typeof BUNDLE_FORMAT;
  version: number;
  /** attribute method: the bundle's predictor is SSP (localization needs it) */
  method: 'ssp';
  /** network input, H×W; other images are brought to it by the fit rule */
  height: number;
  width: number;
  /** the fit rule (model_io/fit.ts) its training data was brought to H×W by; absent in older bundles */
  fit?: 'cover-centre';
  parserWidthMult: number;
  attributeWidthMult: number;
  attributeNames: string[];
  regionNames: string[];
  /** per-channel mean/std of 0–255 RGB for the attribute model's input */
  normalization: { mean: [number, number, number]; std: [number, number, number] };
  /** the parser's own input normalisation (it may have been trained on other data) */
  parserNormalization: { mean: [number, number, number]; std: [number, number, number] };
  /** the parse is the mean of the image's and its mirror image's (models/flip_average.ts); absent: false */
  parserFlipAverage?: boolean;
  /** the full-scale parse refined by a guided filter (models/guided_filter.ts GuidedFilter, spelled out to keep this file torch-free); absent: not refined */
  parseGuidedFilter?: { radius: number; eps: number };
  /** what it was trained on and how, for people */
  description?: string;
  training?: Record<string, unknown>;
}

/** How a bundle's parse is made from its parser's outputs (models/region_masks.ts ParseOptions). */
export function parseOptions(c: Pick<BundleConfig, 'parserFlipAverage' | 'parseGuidedFilter'>): {
  flipAverage: boolean;
  guidedFilter?: BundleConfig['parseGuidedFilter'];
} {
  return { flipAverage: c.parserFlipAverage ?? false, ...(c.parseGuidedFilter ? { guidedFilter: c.parseGuidedFilter } : {}) };
}
