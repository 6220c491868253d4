// Each face's parse (on the network's input) drawn back onto the photo it came from, on
// a preview of the photo: the photo reduced by a whole factor so that its long side is
// at most PREVIEW_MAX_SIDE. Pure TypeScript; no Node imports.
//
// A preview pixel belongs to a face when its centre, mapped into that face's input,
// falls inside it; where the inputs of several faces overlap (an aligned frame is about
// 4½ eye distances wide, so neighbours' frames often do), the face whose input centre is
// nearest in its own input's units wins. Pixels no face claims are background (0).
import type { Affine } from '../model_io/fit.js';

/** Longest side of the preview and of the photo parse. */
export const PREVIEW_MAX_SIDE = 512;

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m.a * x + m.b * y + m.tx, m.c * x + m.d * y + m.ty];
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.d - m.b * m.c;
  if (!(Math.abs(det) > 1e-12) || !Number.isFinite(det)) throw new Error(`invertAffine: a degenerate map (determinant ${det})`);
  const a = m.d / det,
    b = -m.b / det,
    c = -m.c / det,
    d = m.a / det;
  return { a, b, c, d, tx: -(a * m.tx + b * m.ty), ty: -(c * m.tx + d * m.ty) };
}

/** `second` after `first`. */
export function composeAffine(first: Affine, second: Affine): Affine {
  return {
    a: second.a * first.a + second.b * first.c,
    b: second.a * first.b + second.b * first.d,
    c: second.c * first.a + second.d * first.c,
    d: second.c * first.b + second.d * first.d,
    tx: second.a * first.tx + second.b * first.ty + second.tx,
    ty: second.c * first.tx + second.d * first.ty + second.ty,
  };
}

/** The whole factor that brings a photo's long side to at most PREVIEW_MAX_SIDE, and the preview's size. */
export function previewSize(width: number, height: number, maxSide = PREVIEW_MAX_SIDE): { scale: number; width: number; height: number } {
  const scale = Math.max(1, Math.ceil(Math.max(width, height) / maxSide));
  return { scale, width: Math.ceil(width / scale), height: Math.ceil(height / scale) };
}

export interface FaceParse {
  /** H×W region indices on the network's input */
  labels: Uint8Array;
  /** input pixels → photo pixels */
  inputToPhoto: Affine;
}

/**
 * Region indices on the preview grid (width×height, each pixel `scale` photo pixels on a
 * side): every face's parse, nearest neighbour, background elsewhere.
 */
export function drawParsesOnPhoto(
  faces: readonly FaceParse[],
  input: { width: number; height: number },
  preview: { width: number; height: number; scale: number },
): Uint8Array {
  const { width: W, height: H } = input;
  const { width: pw, height: ph, scale } = preview;
  const out = new Uint8Array(pw * ph);
  const best = new Float32Array(pw * ph).fill(Infinity);
  for (const f of faces) {
    if (f.labels.length !== W * H) throw new Error(`drawParsesOnPhoto: a parse of ${f.labels.length} pixels for a ${W}×${H} input`);
    // preview pixel centre → photo → input
    const toInput = composeAffine({ a: scale, b: 0, c: 0, d: scale, tx: scale / 2, ty: scale / 2 }, invertAffine(f.inputToPhoto));
    // only the preview pixels under the input's footprint
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    for (const [ix, iy] of [
      [0, 0],
      [W, 0],
      [0, H],
      [W, H],
    ] as const) {
      const [x, y] = applyAffine(f.inputToPhoto, ix, iy);
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
    const i0 = Math.max(0, Math.floor(x0 / scale) - 1),
      i1 = Math.min(pw - 1, Math.ceil(x1 / scale));
    const j0 = Math.max(0, Math.floor(y0 / scale) - 1),
      j1 = Math.min(ph - 1, Math.ceil(y1 / scale));
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const [u, v] = applyAffine(toInput, i, j);
        if (!(u >= 0 && u < W && v >= 0 && v < H)) continue;
        const dist = (u / W - 0.5) ** 2 + (v / H - 0.5) ** 2;
        const p = j * pw + i;
        if (dist >= best[p]!) continue;
        best[p] = dist;
        out[p] = f.labels[Math.floor(v) * W + Math.floor(u)]!;
      }
    }
  }
  return out;
}
