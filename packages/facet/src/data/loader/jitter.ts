// Geometric augmentation for training: each item is scaled, shifted and rotated about the
// image centre by a random amount, image and mask together. The draw is a pure function
// of (seed, stream position), like the flips, so a resumed run sees the same batches.
// The stored records are already at the model's size; warping them again costs a little
// sharpness (bilinear) and nothing else.
import { Rng, mixSeed } from '../synth/prng.js';
import { NO_LABEL } from './store.js';

/** The largest change of each kind (0: none). */
export interface Jitter {
  /** relative scale: a factor in [1/(1+s), 1+s], log-uniform */
  scale: number;
  /** shift as a fraction of the image's width / height, in [−s, s] on each axis */
  shift: number;
  /** rotation in degrees, in [−r, r] */
  rotate: number;
}

/**
 * One item's transform, as the inverse map the warp computes (image axes, y down):
 * source = centre + R(angle) · (output − centre − (dx, dy)) / scale.
 */
export interface Warp {
  scale: number;
  /** radians */
  angle: number;
  /** pixels */
  dx: number;
  dy: number;
}

export function isJitterOff(j: Jitter): boolean {
  return j.scale === 0 && j.shift === 0 && j.rotate === 0;
}

export function drawWarp(jitter: Jitter, seed: number, position: number, height: number, width: number): Warp {
  const rng = new Rng(mixSeed('jitter', seed, position));
  const logScale = Math.log1p(jitter.scale);
  return {
    scale: Math.exp(rng.uniform(-logScale, logScale)),
    angle: (rng.uniform(-jitter.rotate, jitter.rotate) * Math.PI) / 180,
    dx: rng.uniform(-jitter.shift, jitter.shift) * width,
    dy: rng.uniform(-jitter.shift, jitter.shift) * height,
  };
}

/**
 * A store record (H×W packed RGB, then H×W labels) warped into `out` (same layout):
 * pixels bilinear with the border repeated, labels nearest, NO_LABEL where the
 * source lies outside the image (so the loss ignores what the warp invented).
 */
export function warpRecord(rec: Uint8Array, out: Uint8Array, height: number, width: number, warp: Warp, hasLabels: boolean): void {
  const plane = height * width;
  const cx = width / 2,
    cy = height / 2;
  const cos = Math.cos(warp.angle) / warp.scale,
    sin = Math.sin(warp.angle) / warp.scale;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x + 0.5 - cx - warp.dx,
        v = y + 0.5 - cy - warp.dy;
      const sx = cx + cos * u - sin * v - 0.5,
        sy = cy + sin * u + cos * v - 0.5;
      const o = y * width + x;
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy);
      const fx = sx - x0,
        fy = sy - y0;
      const xa = clamp(x0, width),
        xb = clamp(x0 + 1, width),
        ya = clamp(y0, height),
        yb = clamp(y0 + 1, height);
      for (let c = 0; c < 3; c++) {
        const p00 = rec[(ya * width + xa) * 3 + c]!,
          p01 = rec[(ya * width + xb) * 3 + c]!,
          p10 = rec[(yb * width + xa) * 3 + c]!,
          p11 = rec[(yb * width + xb) * 3 + c]!;
        const top = p00 + (p01 - p00) * fx,
          bottom = p10 + (p11 - p10) * fx;
        out[o * 3 + c] = Math.round(top + (bottom - top) * fy);
      }
      if (!hasLabels) continue;
      const nx = Math.round(sx),
        ny = Math.round(sy);
      out[3 * plane + o] = nx >= 0 && nx < width && ny >= 0 && ny < height ? rec[3 * plane + ny * width + nx]! : NO_LABEL;
    }
  }
}

function clamp(i: number, size: number): number {
  return i < 0 ? 0 : i >= size ? size - 1 : i;
}
