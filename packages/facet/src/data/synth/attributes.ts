/** Which CelebA attributes the synthetic faces draw, where, and how often. */
import { CELEBA_ATTRIBUTES, type CelebAAttribute } from '../attributes.js';
import { Region } from '../../regions.js';
import type { Rng } from './prng.js';

/** Drawn attribute → the region it is visible in. */
export const DRAWN_ATTRIBUTES: Readonly<Partial<Record<CelebAAttribute, number>>> = {
  Black_Hair: Region.hair,
  Blond_Hair: Region.hair,
  Brown_Hair: Region.hair,
  Gray_Hair: Region.hair,
  Bangs: Region.hair,
  Bald: Region.hair,
  Wavy_Hair: Region.hair,
  Eyeglasses: Region.eyes,
  Narrow_Eyes: Region.eyes,
  Bushy_Eyebrows: Region.eyebrows,
  Arched_Eyebrows: Region.eyebrows,
  Smiling: Region.mouth,
  Mouth_Slightly_Open: Region.mouth,
  Wearing_Lipstick: Region.mouth,
  Mustache: Region.mouth,
  Goatee: Region.mouth,
  Big_Nose: Region.nose,
  Pointy_Nose: Region.nose,
  Pale_Skin: Region.skin,
  Rosy_Cheeks: Region.skin,
};

export const RANDOM_ATTRIBUTES: readonly CelebAAttribute[] = CELEBA_ATTRIBUTES.filter((a) => DRAWN_ATTRIBUTES[a] === undefined);

/** Prior of the undrawn attributes (roughly CelebA's); they carry no signal. */
const RANDOM_PRIOR: Partial<Record<CelebAAttribute, number>> = {
  '5_o_Clock_Shadow': 0.11,
  Attractive: 0.51,
  Bags_Under_Eyes: 0.2,
  Big_Lips: 0.24,
  Blurry: 0.05,
  Chubby: 0.06,
  Double_Chin: 0.05,
  Heavy_Makeup: 0.39,
  High_Cheekbones: 0.45,
  Male: 0.42,
  No_Beard: 0.83,
  Oval_Face: 0.28,
  Receding_Hairline: 0.08,
  Sideburns: 0.06,
  Straight_Hair: 0.21,
  Wearing_Earrings: 0.19,
  Wearing_Hat: 0.05,
  Wearing_Necklace: 0.12,
  Wearing_Necktie: 0.07,
  Young: 0.78,
};

export type HairColour = 'black' | 'brown' | 'blond' | 'gray' | 'red';
export type AttributeSet = Record<CelebAAttribute, boolean>;

export interface SampledAttributes {
  attrs: AttributeSet;
  hair: HairColour | 'none';
}

export function sampleAttributes(rng: Rng): SampledAttributes {
  const attrs = Object.fromEntries(CELEBA_ATTRIBUTES.map((a) => [a, false])) as AttributeSet;
  const bald = rng.chance(0.12);
  let hair: HairColour | 'none' = 'none';
  if (!bald) {
    hair = (['black', 'brown', 'blond', 'gray', 'red'] as const)[rng.weighted([0.27, 0.25, 0.2, 0.11, 0.17])]!;
    attrs.Black_Hair = hair === 'black';
    attrs.Brown_Hair = hair === 'brown';
    attrs.Blond_Hair = hair === 'blond';
    attrs.Gray_Hair = hair === 'gray';
    attrs.Bangs = rng.chance(0.3);
    attrs.Wavy_Hair = rng.chance(0.35);
  }
  attrs.Bald = bald;
  attrs.Eyeglasses = rng.chance(0.22);
  attrs.Narrow_Eyes = rng.chance(0.25);
  attrs.Bushy_Eyebrows = rng.chance(0.3);
  attrs.Arched_Eyebrows = rng.chance(0.35);
  attrs.Smiling = rng.chance(0.45);
  attrs.Mouth_Slightly_Open = rng.chance(0.4);
  attrs.Wearing_Lipstick = rng.chance(0.3);
  attrs.Mustache = rng.chance(0.17);
  attrs.Goatee = rng.chance(0.17);
  attrs.Big_Nose = rng.chance(0.3);
  attrs.Pointy_Nose = rng.chance(0.3);
  attrs.Pale_Skin = rng.chance(0.2);
  attrs.Rosy_Cheeks = rng.chance(0.25);
  for (const a of RANDOM_ATTRIBUTES) attrs[a] = rng.chance(RANDOM_PRIOR[a] ?? 0.3);
  return { attrs, hair };
}
