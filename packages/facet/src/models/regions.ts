/** The seven semantic regions (spec §1), index = channel. */
export const REGION_NAMES = ['background', 'hair', 'skin', 'eyes', 'eyebrows', 'mouth', 'nose'] as const;
export const REGION_COUNT = REGION_NAMES.length;
/** Small parts keep their peak when masks shrink to the feature grid (spec §4). */
export const MAX_POOLED_REGIONS = [3, 4, 5, 6];
