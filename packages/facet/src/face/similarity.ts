/**
 * Plane similarity transforms (rotation, uniform scale, shift; never a reflection) and
 * their least-squares fit to point pairs (Umeyama, "Least-squares estimation of
 * transformation parameters between two point patterns", PAMI 1991).
 *
 * A transform is x' = a·x − b·y + tx, y' = b·x + a·y + ty: (a, b) = scale·(cos θ, sin θ).
 * Every such matrix is a rotation times a positive scale, so a fit in this form cannot
 * reflect; in 2-D it minimises exactly Umeyama's objective, in closed form. Free of Node
 * imports (the browser may use it).
 */

/** A point in continuous image coordinates (0 = the left/top edge); extra entries (z) are ignored. */
export type Point = readonly [number, number, ...number[]];

export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export const IDENTITY: Similarity = { a: 1, b: 0, tx: 0, ty: 0 };

export function applySimilarity(t: Similarity, x: number, y: number): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

/** The transform's scale (how many target units one source unit becomes). */
export function similarityScale(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}

/** The rotation, radians (counter-clockwise in a y-up frame; clockwise on screen, where y points down). */
export function similarityAngle(t: Similarity): number {
  return Math.atan2(t.b, t.a);
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  if (!(d > 0) || !Number.isFinite(d)) throw new Error(`invertSimilarity: a degenerate transform (scale ${Math.sqrt(d)})`);
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/** `second` after `first`: x ↦ second(first(x)). */
export function composeSimilarity(first: Similarity, second: Similarity): Similarity {
  return {
    a: second.a * first.a - second.b * first.b,
    b: second.b * first.a + second.a * first.b,
    tx: second.a * first.tx - second.b * first.ty + second.tx,
    ty: second.b * first.tx + second.a * first.ty + second.ty,
  };
}

/** A rotation by `angle` about the origin, then scale, then shift: the transform's own parameters. */
export function similarityFrom(scale: number, angle: number, tx: number, ty: number): Similarity {
  return { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx, ty };
}

/**
 * The similarity T minimising Σ wᵢ·|T(srcᵢ) − dstᵢ|² (weights default to 1; a weight of
 * 0 leaves a point out). Needs two points of positive weight that are not at the same place.
 */
export function fitSimilarity(src: readonly Point[], dst: readonly Point[], weights?: readonly number[]): Similarity {
  const n = src.length;
  if (dst.length !== n) throw new Error(`fitSimilarity: ${n} source points but ${dst.length} target points`);
  if (weights && weights.length !== n) throw new Error(`fitSimilarity: ${weights.length} weights for ${n} points`);
  let sw = 0,
    msx = 0,
    msy = 0,
    mdx = 0,
    mdy = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`fitSimilarity: weight ${i} is ${w} (weights are finite and ≥ 0)`);
    const [sx, sy] = src[i]!;
    const [dx, dy] = dst[i]!;
    if (![sx, sy, dx, dy].every(Number.isFinite)) throw new Error(`fitSimilarity: point ${i} is not finite`);
    sw += w;
    msx += w * sx;
    msy += w * sy;
    mdx += w * dx;
    mdy += w * dy;
  }
  if (!(sw > 0)) throw new Error('fitSimilarity: no point has a positive weight');
  msx /= sw;
  msy /= sw;
  mdx /= sw;
  mdy /= sw;
  // centred cross terms: a = Σw(s·d)/Σw|s|², b = Σw(s × d)/Σw|s|²
  let ss = 0,
    dot = 0,
    cross = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    if (w === 0) continue;
    const sx = src[i]![0] - msx,
      sy = src[i]![1] - msy;
    const dx = dst[i]![0] - mdx,
      dy = dst[i]![1] - mdy;
    ss += w * (sx * sx + sy * sy);
    dot += w * (sx * dx + sy * dy);
    cross += w * (sx * dy - sy * dx);
  }
  if (!(ss > 1e-12 * sw)) throw new Error('fitSimilarity: the source points (of positive weight) all lie at one place');
  const a = dot / ss;
  const b = cross / ss;
  return { a, b, tx: mdx - (a * msx - b * msy), ty: mdy - (b * msx + a * msy) };
}

/** Root-mean-square distance between T(srcᵢ) and dstᵢ over the points of positive weight. */
export function fitResidual(t: Similarity, src: readonly Point[], dst: readonly Point[], weights?: readonly number[]): number {
  let s = 0,
    k = 0;
  for (let i = 0; i < src.length; i++) {
    if (weights && !(weights[i]! > 0)) continue;
    const [x, y] = applySimilarity(t, src[i]![0], src[i]![1]);
    s += (x - dst[i]![0]) ** 2 + (y - dst[i]![1]) ** 2;
    k++;
  }
  return k ? Math.sqrt(s / k) : 0;
}
