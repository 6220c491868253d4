/** Face geometry and appearance: identity traits (stable per person) and per-image variation. */
import type { Rng } from './prng.js';
import type { RGB } from './raster.js';
import type { HairColour } from './attributes.js';

/** The reference frame: CelebA's aligned crop, 178 wide × 218 high. */
export const REF_W = 178;
export const REF_H = 218;
export const CX = 89;
export const CY = 124;

export interface Identity {
  faceRx: number;
  faceRyTop: number;
  faceRyBot: number;
  chin: number;
  eyeY: number;
  eyeDx: number;
  eyeHalfW: number;
  browGap: number;
  noseLen: number;
  mouthDy: number;
  mouthScale: number;
  skin: RGB;
  iris: RGB;
  hairLength: 0 | 1 | 2;
}

const clamp255 = (x: number) => (x < 0 ? 0 : x > 255 ? 255 : x);
export const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
export const scale = (a: RGB, f: number): RGB => [clamp255(a[0] * f), clamp255(a[1] * f), clamp255(a[2] * f)];
export const jitter = (rng: Rng, a: RGB, s: number): RGB => [
  clamp255(a[0] + rng.normal(0, s)),
  clamp255(a[1] + rng.normal(0, s)),
  clamp255(a[2] + rng.normal(0, s)),
];

const SKIN_LIGHT: RGB = [238, 204, 182];
const SKIN_DARK: RGB = [112, 74, 52];
const IRIS: RGB[] = [
  [92, 58, 32],
  [48, 32, 22],
  [70, 110, 160],
  [82, 120, 82],
  [122, 100, 52],
];

export function sampleIdentity(rng: Rng): Identity {
  const t = Math.pow(rng.next(), 1.6);
  return {
    faceRx: rng.uniform(39, 47),
    faceRyTop: rng.uniform(57, 64),
    faceRyBot: rng.uniform(60, 68),
    chin: rng.uniform(0.12, 0.32),
    eyeY: CY - rng.uniform(10, 15),
    eyeDx: rng.uniform(18, 21.5),
    eyeHalfW: rng.uniform(8.5, 10.5),
    browGap: rng.uniform(9, 12.5),
    noseLen: rng.uniform(21, 26),
    mouthDy: rng.uniform(40, 46),
    mouthScale: rng.uniform(0.9, 1.1),
    skin: jitter(rng, mix(SKIN_LIGHT, SKIN_DARK, t), 6),
    iris: rng.pick(IRIS),
    hairLength: rng.pick([0, 1, 1, 2, 2] as const),
  };
}

const HAIR: Record<HairColour, RGB> = {
  black: [28, 24, 24],
  brown: [96, 62, 36],
  blond: [214, 182, 118],
  gray: [168, 166, 164],
  red: [150, 66, 32],
};

export function hairColour(rng: Rng, h: HairColour): RGB {
  const base = HAIR[h];
  const f = rng.uniform(0.85, 1.12);
  return jitter(rng, scale(base, f), h === 'black' ? 4 : 10);
}

/**
 * Brows, moustache, goatee: dark for most people, sometimes lighter toward one of the
 * hair shades — drawn independently of the hair's colour, so that dark brows say nothing
 * of Black_Hair and a model has to know *where* it saw the dark pixels (synth version 2;
 * version 1 leaned them toward the person's hair).
 */
export function facialHairColour(rng: Rng): RGB {
  const dark: RGB = [34, 28, 24];
  const shade = rng.pick(Object.values(HAIR));
  return jitter(rng, mix(dark, shade, rng.chance(0.25) ? rng.uniform(0.3, 0.6) : rng.uniform(0, 0.3)), 5);
}
