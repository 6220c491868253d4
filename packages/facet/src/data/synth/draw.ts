/**
 * Draws one synthetic face into an RGB buffer and a Helen-style label map (11
 * labels, mapped to the 7 regions) with the same shapes, so labels are exact.
 */
import { HELEN_TO_REGION } from '../label_sets.js';
import type { BBox } from '../types.js';
import { sampleAttributes, type AttributeSet, type HairColour } from './attributes.js';
import { CX, CY, REF_H, REF_W, facialHairColour, hairColour, jitter, mix, sampleIdentity, scale, type Identity } from './face.js';
import { Rng } from './prng.js';
import {
  Canvas,
  IDENTITY,
  NO_LABEL,
  apply,
  between,
  bezier,
  ellipse,
  hashNoise,
  minus,
  polygon,
  poseTransform,
  rect,
  rotatedEllipse,
  stroke,
  union,
  type Affine,
  type Paint,
  type RGB,
  type Shape,
} from './raster.js';

/** Helen label indices */
const H = { bg: 0, skin: 1, lbrow: 2, rbrow: 3, leye: 4, reye: 5, nose: 6, ulip: 7, inner: 8, llip: 9, hair: 10 } as const;

export interface SynthFace {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel */
  rgb: Uint8Array;
  /** Helen labels 0..10 */
  helen: Uint8Array;
  /** regions 0..6 */
  regions: Uint8Array;
  /** lefteye, righteye, nose, leftmouth, rightmouth (x, y), rounded */
  landmarks: number[];
  bbox: BBox;
  attrs: AttributeSet;
  hair: HairColour | 'none';
}

export interface FaceSpec {
  seed: number;
  /** identity number (traits are a function of seed and identity) */
  identity: number;
  /** image index (per-image variation is a function of seed and index) */
  index: number;
  width: number;
  height: number;
}

function shadeSkin(base: RGB, cx: number, cy: number, rx: number, ry: number, seed: number): Paint {
  return (u, v, x, y, out) => {
    const du = (u - cx) / rx;
    const dv = (v - cy) / ry;
    const f = 1.05 - 0.2 * (du * du) - 0.08 * dv * dv + 0.025 * hashNoise(x, y, seed);
    out[0] = base[0] * f;
    out[1] = base[1] * f;
    out[2] = base[2] * f;
  };
}

function hairPaint(base: RGB, wavy: boolean, seed: number): Paint {
  return (u, v, x, y, out) => {
    const s = wavy ? Math.sin(u * 0.55 + 3.2 * Math.sin(v * 0.28)) : Math.sin(u * 0.95 + 0.6 * Math.sin(v * 0.05));
    const f = 1 + 0.2 * s + 0.07 * hashNoise(x, y, seed);
    out[0] = base[0] * f + 8 * s;
    out[1] = base[1] * f + 8 * s;
    out[2] = base[2] * f + 8 * s;
  };
}

function textured(base: RGB, amount: number, seed: number): Paint {
  return (_u, _v, x, y, out) => {
    const f = 1 + amount * hashNoise(x, y, seed);
    out[0] = base[0] * f;
    out[1] = base[1] * f;
    out[2] = base[2] * f;
  };
}

/** A shape whose radius is modulated by a sine in angle (wavy hair outline). */
function wobblyEllipse(cx: number, cy: number, rx: number, ry: number, amp: number, k: number, phase: number): Shape {
  const m = 1 + amp;
  return {
    x0: cx - rx * m,
    y0: cy - ry * m,
    x1: cx + rx * m,
    y1: cy + ry * m,
    inside: (u, v) => {
      const du = (u - cx) / rx;
      const dv = (v - cy) / ry;
      const r = Math.sqrt(du * du + dv * dv);
      const th = Math.atan2(dv, du);
      return r <= 1 + amp * Math.sin(k * th + phase);
    },
  };
}

function drawBackground(c: Canvas, rng: Rng, seed: number): void {
  const a = jitter(rng, [rng.uniform(40, 230), rng.uniform(40, 230), rng.uniform(40, 230)], 0);
  const b = jitter(rng, a, 45);
  const vertical = rng.chance(0.5);
  const W = c.width;
  const Hh = c.height;
  c.fill(
    rect(0, 0, W, Hh),
    IDENTITY,
    (_u, _v, x, y, out) => {
      const t = vertical ? y / Hh : x / W;
      const n = 3 * hashNoise(x >> 2, y >> 2, seed);
      out[0] = a[0] + (b[0] - a[0]) * t + n;
      out[1] = a[1] + (b[1] - a[1]) * t + n;
      out[2] = a[2] + (b[2] - a[2]) * t + n;
    },
    H.bg,
  );
  const n = rng.int(4, 11);
  const palette: RGB[] = [
    [25, 22, 20],
    [200, 160, 130],
    [120, 80, 50],
    [230, 230, 225],
    [60, 60, 70],
  ];
  for (let i = 0; i < n; i++) {
    const col: RGB = rng.chance(0.4) ? jitter(rng, rng.pick(palette), 12) : [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
    const x = rng.uniform(0, W);
    const y = rng.uniform(0, Hh);
    const s = rng.uniform(0.05, 0.25) * W;
    const kind = rng.int(0, 3);
    const shape =
      kind === 0
        ? rotatedEllipse(x, y, s, s * rng.uniform(0.3, 1), rng.uniform(0, Math.PI))
        : kind === 1
          ? rect(x - s, y - s * 0.6, x + s, y + s * rng.uniform(0.3, 1.5))
          : stroke(
              [
                [x, y],
                [x + rng.uniform(-1, 1) * 2 * s, y + rng.uniform(-1, 1) * 2 * s],
              ],
              rng.uniform(1.5, 5),
              rng.uniform(1.5, 5),
            );
    c.fill(shape, IDENTITY, textured(col, 0.05, seed + i), H.bg, rng.uniform(0.6, 1));
  }
}

export function renderFace(spec: FaceSpec): SynthFace {
  const { width: W, height: Ht, seed } = spec;
  const idRng = new Rng(spec.identity * 7919 + (seed >>> 0) * 31 + 17);
  const id: Identity = sampleIdentity(idRng);
  const rng = new Rng((seed >>> 0) ^ Math.imul(spec.index + 1, 0x9e3779b1));
  const { attrs, hair } = sampleAttributes(rng);
  const nseed = rng.u32() | 0;
  const c = new Canvas(W, Ht);

  // pose
  const angle = Math.max(-0.2, Math.min(0.2, rng.normal(0, 0.09)));
  const sc = rng.uniform(0.9, 1.1);
  const T: Affine = poseTransform(W / REF_W, Ht / REF_H, [CX, CY], angle, sc, rng.uniform(-7, 7) * (W / REF_W), rng.uniform(-6, 6) * (Ht / REF_H));

  drawBackground(c, rng, nseed);

  let skin = id.skin;
  if (attrs.Pale_Skin) skin = mix(skin, [250, 236, 230], 0.6);
  else skin = jitter(rng, skin, 4);
  const hairRgb = hair !== 'none' ? hairColour(rng, hair) : undefined;
  const fhair = facialHairColour(rng);
  const { faceRx: rx, faceRyTop: ryT, faceRyBot: ryB } = id;

  // hair behind the head
  const capCy = CY - 8;
  const capRx = rx + rng.uniform(8, 14);
  const capRy = ryT + rng.uniform(6, 12);
  let cap: Shape | undefined;
  if (hairRgb) {
    const hp = hairPaint(hairRgb, attrs.Wavy_Hair, nseed);
    cap = attrs.Wavy_Hair ? wobblyEllipse(CX, capCy, capRx, capRy, 0.05, 11, rng.uniform(0, 6)) : ellipse(CX, capCy, capRx, capRy);
    const len = id.hairLength === 0 ? 0 : id.hairLength === 1 ? rng.uniform(35, 55) : rng.uniform(75, 105);
    let back: Shape = cap;
    if (len > 0) {
      const wav = attrs.Wavy_Hair ? 4 : 0;
      const curtain = between(
        CX - capRx - wav,
        CX + capRx + wav,
        () => capCy,
        (u) => CY + len - 0.004 * (u - CX) * (u - CX),
        capCy,
        CY + len,
      );
      const edge: Shape = attrs.Wavy_Hair
        ? { ...curtain, inside: (u, v) => curtain.inside(u, v) && Math.abs(u - CX) <= capRx + wav * Math.sin(v * 0.35) }
        : curtain;
      back = union(cap, edge);
    }
    c.fill(back, T, hp, H.hair);
  }

  // neck and clothes (background labels, but skin coloured neck)
  c.fill(
    polygon([
      [CX - 21, CY + 20],
      [CX + 21, CY + 20],
      [CX + 25, REF_H + 20],
      [CX - 25, REF_H + 20],
    ]),
    T,
    shadeSkin(scale(skin, 0.82), CX, CY + 60, 40, 60, nseed),
    H.bg,
  );
  const cloth = jitter(rng, [rng.uniform(20, 230), rng.uniform(20, 230), rng.uniform(20, 230)], 0);
  c.fill(ellipse(CX, REF_H + 30, rng.uniform(85, 110), rng.uniform(42, 55)), T, textured(cloth, 0.04, nseed + 5), H.bg);

  // ears (background, as in CelebAMask-HQ), hidden by long hair
  if (id.hairLength < 2 || !hairRgb) {
    for (const s of [-1, 1])
      c.fill(ellipse(CX + s * (rx - 1), id.eyeY + 9, 7, 13), T, shadeSkin(scale(skin, 0.9), CX + s * rx, id.eyeY + 9, 8, 14, nseed), H.bg);
  }

  // face: an egg, narrowing to the chin
  const face: Shape = {
    x0: CX - rx,
    y0: CY - ryT,
    x1: CX + rx,
    y1: CY + ryB,
    inside: (u, v) => {
      const t = v < CY ? (v - CY) / ryT : (v - CY) / ryB;
      if (t < -1 || t > 1) return false;
      const half = rx * Math.sqrt(1 - t * t) * (t > 0 ? 1 - id.chin * t * t : 1);
      return Math.abs(u - CX) <= half;
    },
  };
  c.fill(face, T, shadeSkin(skin, CX, CY, rx, (ryT + ryB) / 2, nseed), H.skin);

  // rosy cheeks: soft pink on skin (label unchanged)
  if (attrs.Rosy_Cheeks) {
    const pink: RGB = [232, 100, 115];
    for (const s of [-1, 1]) {
      for (let k = 0; k < 3; k++) c.fill(ellipse(CX + s * (id.eyeDx + 5), id.eyeY + 22, 11 - 3 * k, 8 - 2 * k), T, pink, NO_LABEL, 0.16);
    }
  }

  // hair over the forehead: a fringe (Bangs) ends a few pixels above the brows, otherwise
  // the hairline leaves a forehead — so that on SSP's 14×12 grid (218×178 input) the brow
  // cells hold little hair (synth version 2; in version 1 the hair reached the brows on
  // everyone and the brow cells were ~40 % hair)
  const browY = id.eyeY - id.browGap;
  if (hairRgb && cap) {
    const hp = hairPaint(hairRgb, attrs.Wavy_Hair, nseed);
    const fringeY = browY - rng.uniform(9, 12);
    const topY = CY - ryT * rng.uniform(0.66, 0.78);
    const hairline = attrs.Bangs
      ? (u: number) => fringeY + 1.8 * Math.sin(u * 0.9) + 0.004 * (u - CX) * (u - CX)
      : (u: number) => topY + 0.014 * (u - CX) * (u - CX);
    const front: Shape = { ...cap, inside: (u, v) => v <= hairline(u) && cap!.inside(u, v) };
    c.fill(front, T, hp, H.hair);
  }

  // eyebrows
  const bushy = attrs.Bushy_Eyebrows;
  const arch = attrs.Arched_Eyebrows ? rng.uniform(6, 8.5) : rng.uniform(1, 3);
  for (const s of [-1, 1]) {
    const inner: [number, number] = [CX + s * (id.eyeDx - 9), browY + 1.5];
    const outer: [number, number] = [CX + s * (id.eyeDx + 12), browY + (attrs.Arched_Eyebrows ? 4 : 2)];
    const ctrl: [number, number] = [CX + s * (id.eyeDx + (attrs.Arched_Eyebrows ? 4 : 1)), browY - arch];
    const w = bushy ? rng.uniform(3.2, 3.9) : rng.uniform(1.5, 2.1);
    c.fill(stroke(bezier(inner, ctrl, outer, 10), w, w * 0.55), T, textured(fhair, bushy ? 0.2 : 0.08, nseed + 11), s < 0 ? H.lbrow : H.rbrow);
  }

  // eyes
  const up = attrs.Narrow_Eyes ? rng.uniform(2.2, 2.8) : rng.uniform(4.8, 6);
  const lo = attrs.Narrow_Eyes ? rng.uniform(1.6, 2.1) : rng.uniform(3.4, 4.4);
  const hw = id.eyeHalfW;
  const gaze = rng.uniform(-1.5, 1.5);
  for (const s of [-1, 1]) {
    const ex = CX + s * id.eyeDx;
    const ey = id.eyeY;
    const top = (u: number) => ey - up * (1 - ((u - ex) / hw) ** 2);
    const bot = (u: number) => ey + lo * (1 - ((u - ex) / hw) ** 2);
    const eye = between(ex - hw, ex + hw, top, bot, ey - up, ey + lo);
    const ir = Math.min(4.4, up + lo);
    c.fill(
      eye,
      T,
      (u, v, _x, _y, out) => {
        const du = u - ex - gaze;
        const dv = v - ey + 0.3;
        const d2 = du * du + dv * dv;
        let col: RGB;
        if (v - top(u) < 1.1) col = [38, 28, 26];
        else if (d2 < 3.2) col = [12, 10, 10];
        else if (d2 < ir * ir) col = id.iris;
        else col = [236, 232, 226];
        out[0] = col[0];
        out[1] = col[1];
        out[2] = col[2];
      },
      s < 0 ? H.leye : H.reye,
    );
  }

  // eyeglasses: rims and lenses count as the eye region; arms and bridge do not
  if (attrs.Eyeglasses) {
    const frame: RGB = rng.chance(0.7) ? jitter(rng, [30, 26, 24], 6) : jitter(rng, [rng.uniform(60, 160), rng.uniform(40, 120), rng.uniform(30, 100)], 10);
    const th = rng.uniform(1.6, 2.6);
    const lrx = hw + rng.uniform(4, 6);
    const lry = rng.uniform(8.5, 10.5);
    const tint: RGB = rng.chance(0.3) ? [40, 40, 50] : [200, 220, 230];
    const tintA = tint[0] < 100 ? rng.uniform(0.35, 0.6) : 0.12;
    for (const s of [-1, 1]) {
      const ex = CX + s * id.eyeDx;
      const lens = ellipse(ex, id.eyeY + 1, lrx, lry);
      const innerLens = ellipse(ex, id.eyeY + 1, lrx - th, lry - th);
      c.fill(innerLens, T, tint, s < 0 ? H.leye : H.reye, tintA);
      c.fill(minus(lens, innerLens), T, frame, s < 0 ? H.leye : H.reye);
      // arm towards the ear
      c.fill(
        stroke(
          [
            [ex + s * lrx, id.eyeY - 2],
            [CX + s * (rx + 1), id.eyeY + 1],
          ],
          th * 0.5,
          th * 0.5,
        ),
        T,
        frame,
        NO_LABEL,
      );
    }
    const gapL = CX - id.eyeDx + lrx;
    c.fill(stroke(bezier([gapL - 0.5, id.eyeY - 2], [CX, id.eyeY - 5], [2 * CX - gapL + 0.5, id.eyeY - 2], 6), th * 0.5, th * 0.5), T, frame, NO_LABEL);
  }

  // nose
  const big = attrs.Big_Nose;
  const nw = big ? rng.uniform(11.5, 13.5) : rng.uniform(7.5, 9);
  const noseY = id.eyeY + id.noseLen + (big ? 3 : 0);
  const bridge = polygon([
    [CX - 3.5, id.eyeY + 4],
    [CX + 3.5, id.eyeY + 4],
    [CX + nw * 0.55, noseY - 3],
    [CX - nw * 0.55, noseY - 3],
  ]);
  const tip = attrs.Pointy_Nose
    ? polygon([
        [CX - nw * 0.55, noseY - 7],
        [CX + nw * 0.55, noseY - 7],
        [CX, noseY + 5],
      ])
    : ellipse(CX, noseY - 1, nw * 0.58, 5.2);
  const wings = union(
    ellipse(CX - nw * 0.72, noseY + 0.5, nw * 0.36, attrs.Pointy_Nose ? 2.8 : 3.8),
    ellipse(CX + nw * 0.72, noseY + 0.5, nw * 0.36, attrs.Pointy_Nose ? 2.8 : 3.8),
  );
  const nose = union(bridge, tip, wings);
  const nskin = skin;
  c.fill(
    nose,
    T,
    (u, v, x, y, out) => {
      const du = Math.abs(u - CX) / nw;
      let f = 0.97 - 0.22 * du * du + 0.1 * Math.exp(-((u - CX + 1) ** 2) / 3) + 0.02 * hashNoise(x, y, nseed);
      if (v > noseY - 1 && du > 0.25 && du < 0.6 && Math.abs(v - noseY - 1.5) < 1.4)
        f = 0.35; // nostrils
      else if (du > 0.75) f *= 0.86;
      out[0] = nskin[0] * f;
      out[1] = nskin[1] * f;
      out[2] = nskin[2] * f;
    },
    H.nose,
  );
  // the shadow lines at the sides of the bridge
  for (const s of [-1, 1]) {
    c.fill(
      stroke(
        [
          [CX + s * 3.2, id.eyeY + 6],
          [CX + s * nw * 0.5, noseY - 4],
        ],
        0.7,
        0.9,
      ),
      T,
      scale(nskin, 0.78),
      H.nose,
    );
  }

  // mouth
  const mouthY = id.eyeY + id.mouthDy;
  const smiling = attrs.Smiling;
  const open = attrs.Mouth_Slightly_Open;
  const mhw = (smiling ? rng.uniform(16, 19) : rng.uniform(12.5, 15)) * id.mouthScale;
  const curve = smiling ? rng.uniform(3.5, 5) : rng.uniform(-0.3, 0.8);
  const lift = smiling ? 2 : 0;
  const q = (u: number) => Math.min(1, ((u - CX) / mhw) ** 2);
  const line = (u: number) => mouthY + curve * (1 - q(u)) - lift;
  const o = open ? (smiling ? rng.uniform(4, 5.5) : rng.uniform(3, 4.2)) : 0;
  const hU = rng.uniform(3.2, 4.5);
  const hL = rng.uniform(4.2, 6);
  const innerTop = (u: number) => line(u) - o * 0.45 * (1 - q(u));
  const innerBot = (u: number) => line(u) + o * (1 - q(u));
  const ulTop = (u: number) => innerTop(u) - hU * Math.pow(1 - q(u), 0.6) * (1 - 0.3 * Math.exp(-(((u - CX) / 3) ** 2)));
  const llBot = (u: number) => innerBot(u) + hL * Math.pow(1 - q(u), 0.6);

  if (attrs.Mustache) {
    const m = stroke(
      bezier([CX - mhw - 3, mouthY + 2 - lift], [CX, mouthY - hU - 11], [CX + mhw + 3, mouthY + 2 - lift], 10),
      3.6,
      3.6,
      (t) => 0.45 + 0.55 * Math.sin(Math.PI * t),
    );
    c.fill(m, T, textured(fhair, 0.25, nseed + 21), H.ulip);
  }
  if (attrs.Goatee) {
    const gy = mouthY + hL + 9;
    const g = union(
      ellipse(CX, gy, rng.uniform(8, 10.5), rng.uniform(8, 10)),
      stroke(
        [
          [CX, mouthY + 3],
          [CX, gy],
        ],
        3.5,
        6,
      ),
    );
    c.fill(g, T, textured(fhair, 0.25, nseed + 22), H.llip);
  }
  const lip: RGB = attrs.Wearing_Lipstick
    ? jitter(
        rng,
        rng.pick<RGB>([
          [185, 25, 45],
          [200, 40, 95],
          [150, 20, 40],
          [215, 60, 70],
        ]),
        8,
      )
    : scale(mix(skin, [180, 90, 90], 0.45), 0.88);
  const lipPaint =
    (f0: number): Paint =>
    (u, v, x, y, out) => {
      const f = f0 + 0.03 * hashNoise(x, y, nseed);
      out[0] = lip[0] * f;
      out[1] = lip[1] * f;
      out[2] = lip[2] * f;
    };
  const x0 = CX - mhw;
  const x1 = CX + mhw;
  c.fill(between(x0, x1, ulTop, innerTop, mouthY - hU - 8, mouthY + 8), T, lipPaint(0.88), H.ulip);
  c.fill(between(x0, x1, innerBot, llBot, mouthY - 8, mouthY + hL + 10), T, lipPaint(1.0), H.llip);
  if (o > 0) {
    c.fill(
      between(x0, x1, innerTop, innerBot, mouthY - 8, mouthY + 10),
      T,
      (u, v, _x, _y, out) => {
        const teeth = smiling && v < innerTop(u) + o * 0.5 * (1 - q(u)) && Math.abs(u - CX) < mhw * 0.7;
        const col: RGB = teeth ? [236, 230, 218] : [62, 18, 24];
        out[0] = col[0];
        out[1] = col[1];
        out[2] = col[2];
      },
      H.inner,
    );
  } else {
    const pts: [number, number][] = [];
    for (let k = 0; k <= 12; k++) {
      const u = x0 + ((x1 - x0) * k) / 12;
      pts.push([u, line(u)]);
    }
    c.fill(stroke(pts, 0.75, 0.75), T, scale(lip, 0.45), H.ulip);
  }

  // lighting: global brightness, a linear gradient, a colour cast, noise
  const bright = rng.uniform(0.78, 1.12);
  const g = rng.uniform(0, 0.5);
  const ga = rng.uniform(0, 2 * Math.PI);
  const gx = Math.cos(ga) * g;
  const gy = Math.sin(ga) * g;
  const cast = [rng.uniform(0.93, 1.07), rng.uniform(0.95, 1.05), rng.uniform(0.93, 1.07)] as const;
  const rgb = new Uint8ClampedArray(W * Ht * 3);
  const regions = new Uint8Array(W * Ht);
  const src = c.rgb;
  const lab = c.labels;
  const h2r = Uint8Array.from(HELEN_TO_REGION);
  const c0 = cast[0];
  const c1 = cast[1];
  const c2 = cast[2];
  const ns = nseed ^ 0x5bd1e995;
  for (let y = 0; y < Ht; y++) {
    const fy = bright * (1 + (gy * (y - Ht / 2)) / W);
    const fxs = (bright * gx) / W;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const f = fy + fxs * (x - W / 2);
      const n = 3.5 * hashNoise(x, y, ns);
      const o = i * 3;
      rgb[o] = src[o]! * f * c0 + n; // Uint8ClampedArray clamps and rounds
      rgb[o + 1] = src[o + 1]! * f * c1 + n;
      rgb[o + 2] = src[o + 2]! * f * c2 + n;
      regions[i] = h2r[lab[i]!]!;
    }
  }
  const P = (u: number, v: number) => apply(T, u, v).map((z) => Math.round(z)) as [number, number];
  const landmarks = [...P(CX - id.eyeDx, id.eyeY), ...P(CX + id.eyeDx, id.eyeY), ...P(CX, noseY), ...P(CX - mhw, line(x0)), ...P(CX + mhw, line(x1))];
  const corners = [P(CX - rx, CY - ryT), P(CX + rx, CY - ryT), P(CX - rx, CY + ryB), P(CX + rx, CY + ryB)];
  const bx0 = Math.max(0, Math.min(...corners.map((p) => p[0])));
  const by0 = Math.max(0, Math.min(...corners.map((p) => p[1])));
  const bx1 = Math.min(W, Math.max(...corners.map((p) => p[0])));
  const by1 = Math.min(Ht, Math.max(...corners.map((p) => p[1])));
  return {
    width: W,
    height: Ht,
    rgb: new Uint8Array(rgb.buffer),
    helen: c.labels,
    regions,
    landmarks,
    bbox: { x: bx0, y: by0, width: bx1 - bx0, height: by1 - by0 },
    attrs,
    hair,
  };
}
