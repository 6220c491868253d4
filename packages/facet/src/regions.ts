// The seven semantic regions of spec §1, index = channel. Models, data, evaluation and
// figures all name regions through this file.
export const REGION_NAMES = ['background', 'hair', 'skin', 'eyes', 'eyebrows', 'mouth', 'nose'] as const;
export type RegionName = (typeof REGION_NAMES)[number];
export const REGION_COUNT = REGION_NAMES.length;

export const Region = {
  background: 0,
  hair: 1,
  skin: 2,
  eyes: 3,
  eyebrows: 4,
  mouth: 5,
  nose: 6,
} as const satisfies Record<RegionName, number>;

/** Small parts keep their peak when masks shrink to the feature grid (spec §4). */
export const MAX_POOLED_REGIONS: readonly number[] = [Region.eyes, Region.eyebrows, Region.mouth, Region.nose];
