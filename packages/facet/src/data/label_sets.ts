/**
 * The label sets of the published parsing data sets (Helen, CelebAMask-HQ, LFW Part
 * Labels, FaceMesh pseudo-labels) and their mappings onto the seven regions of
 * spec §1 (src/regions.ts).
 */

import { REGION_COUNT, Region } from '../regions.js';

/** Helen (Smith et al.) label names, index = the NN of NAME_lblNN.png. */
export const HELEN_LABEL_NAMES = [
  'background',
  'face_skin',
  'left_eyebrow',
  'right_eyebrow',
  'left_eye',
  'right_eye',
  'nose',
  'upper_lip',
  'inner_mouth',
  'lower_lip',
  'hair',
] as const;
export const NUM_HELEN_LABELS = HELEN_LABEL_NAMES.length; // 11

/** Helen label index → region index (spec §1). */
export const HELEN_TO_REGION: readonly number[] = [
  Region.background,
  Region.skin,
  Region.eyebrows,
  Region.eyebrows,
  Region.eyes,
  Region.eyes,
  Region.nose,
  Region.mouth,
  Region.mouth,
  Region.mouth,
  Region.hair,
];

/**
 * CelebAMask-HQ part names in painting order: a later part overwrites an earlier
 * one where they overlap (the order the data set's own preprocessing uses).
 */
export const CELEBAMASK_PARTS = [
  'skin',
  'l_brow',
  'r_brow',
  'l_eye',
  'r_eye',
  'eye_g',
  'l_ear',
  'r_ear',
  'ear_r',
  'nose',
  'mouth',
  'u_lip',
  'l_lip',
  'neck',
  'neck_l',
  'cloth',
  'hair',
  'hat',
] as const;
export type CelebAMaskPart = (typeof CELEBAMASK_PARTS)[number];

/** CelebAMask-HQ part → region index (spec §1); unlisted parts are background. */
export const CELEBAMASK_TO_REGION: Readonly<Record<CelebAMaskPart, number>> = {
  skin: Region.skin,
  l_brow: Region.eyebrows,
  r_brow: Region.eyebrows,
  l_eye: Region.eyes,
  r_eye: Region.eyes,
  eye_g: Region.background,
  l_ear: Region.background,
  r_ear: Region.background,
  ear_r: Region.background,
  nose: Region.nose,
  mouth: Region.mouth,
  u_lip: Region.mouth,
  l_lip: Region.mouth,
  neck: Region.background,
  neck_l: Region.background,
  cloth: Region.background,
  hair: Region.hair,
  hat: Region.background,
};

/**
 * A coarse label set: each coarse class covers one or more fine regions.
 * A parser trained on 7 regions can learn from coarse masks with a partial-label
 * loss: P(coarse c) = Σ_{r ∈ coarseToFine[c]} P(r).
 */
export interface CoarseLabelSet {
  readonly names: readonly string[];
  /** coarse class index → the fine region indices it covers */
  readonly coarseToFine: readonly (readonly number[])[];
  /** the RGB colour of each coarse class in the published masks, when colour-coded */
  readonly colors?: readonly (readonly [number, number, number])[];
}

/** LFW Part Labels: (0,0,255) background, (255,0,0) hair, (0,255,0) skin. */
export const LFW_PARTS_LABELS: CoarseLabelSet = {
  names: ['background', 'hair', 'skin'],
  coarseToFine: [[Region.background], [Region.hair], [Region.skin, Region.eyes, Region.eyebrows, Region.mouth, Region.nose]],
  colors: [
    [0, 0, 255],
    [255, 0, 0],
    [0, 255, 0],
  ],
};

/**
 * The pseudo-labels `facet label` draws from FaceMesh (face/mesh_regions.ts): the five
 * face parts and skin are fine regions, but outside the face oval the mesh cannot tell
 * hair from background, so that class covers both.
 */
export const MESH_LABELS: CoarseLabelSet = {
  names: ['hair_or_background', 'skin', 'eyes', 'eyebrows', 'mouth', 'nose'],
  coarseToFine: [[Region.background, Region.hair], [Region.skin], [Region.eyes], [Region.eyebrows], [Region.mouth], [Region.nose]],
};

/** Index of each MESH_LABELS class, by name. */
export const MeshLabel = {
  hair_or_background: 0,
  skin: 1,
  eyes: 2,
  eyebrows: 3,
  mouth: 4,
  nose: 5,
} as const;

/** fine region → coarse class, for a coarse label set that partitions the regions. */
export function fineToCoarse(set: CoarseLabelSet): Int16Array {
  const out = new Int16Array(REGION_COUNT).fill(-1);
  set.coarseToFine.forEach((fine, c) => {
    for (const r of fine) out[r] = c;
  });
  return out;
}
