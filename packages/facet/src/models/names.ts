// The networks' names, without the networks: the CLI reads them without loading libtorch.
export const ATTRIBUTE_MODELS = ['basic', 'spp', 'naive', 'ssp', 'ssg', 'bbox'] as const;
export const MODEL_NAMES = [...ATTRIBUTE_MODELS, 'parser', 'joint'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** The networks the PyTorch peer has (parity fixtures, benchmarks). */
export const PEER_MODELS = ['basic', 'spp', 'naive', 'ssp', 'ssg', 'parser'] as const;

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}
