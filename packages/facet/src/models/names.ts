// The networks' names, without the networks: the CLI reads them without loading libtorch.
export const ATTRIBUTE_MODELS = ['basic', 'spp', 'naive', 'ssp', 'ssg', 'bbox'] as const;
export const MODEL_NAMES = [...ATTRIBUTE_MODELS, 'parser', 'joint'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** The networks the PyTorch peer has (parity fixtures, benchmarks). */
export const PEER_MODELS = ['basic', 'spp', 'naive', 'ssp', 'ssg', 'parser'] as const;

/**
 * The activations SSP pools: conv62 (spec §4, 14×12 at 218×178), or, as a research
 * option, conv52 or conv42 (28×23), the later layers then not built. conv62's receptive
 * field spans the face, so any region's features can carry any attribute; the earlier
 * layers see less (EXPERIMENTS.md, "Where attributes live").
 */
export const SSP_FEATURE_LAYERS = ['conv42', 'conv52', 'conv62'] as const;
export type SSPFeatureLayer = (typeof SSP_FEATURE_LAYERS)[number];

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}
