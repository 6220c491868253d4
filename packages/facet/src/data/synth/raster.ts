/**
 * Pure-TS rasterisation: shapes defined in a face's reference frame (a 178×218
 * CelebA crop), drawn through an affine pose transform into an RGB float buffer
 * and, with the same inside() test, into a label map, so labels match pixels exactly.
 */

export type RGB = readonly [number, number, number];

/** A region of the plane with a bounding box, in reference coordinates. */
export interface Shape {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  inside(u: number, v: number): boolean;
}

/** x = a·u + b·v + e, y = c·u + d·v + f */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export const IDENTITY: Affine = { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };

export function apply(t: Affine, u: number, v: number): [number, number] {
  return [t.a * u + t.b * v + t.e, t.c * u + t.d * v + t.f];
}

export function invert(t: Affine): Affine {
  const det = t.a * t.d - t.b * t.c;
  const a = t.d / det;
  const b = -t.b / det;
  const c = -t.c / det;
  const d = t.a / det;
  return { a, b, c, d, e: -(a * t.e + b * t.f), f: -(c * t.e + d * t.f) };
}

/** Pose: scale (sx, sy) from reference to image, then rotation/scale about a centre, then translation. */
export function poseTransform(sx: number, sy: number, centre: [number, number], angle: number, scale: number, tx: number, ty: number): Affine {
  const cos = Math.cos(angle) * scale;
  const sin = Math.sin(angle) * scale;
  const [cx, cy] = centre;
  // p' = R·S·(p - c) + c + t, in image units: first reference → image scale
  const a = cos * sx;
  const b = -sin * sy;
  const c = sin * sx;
  const d = cos * sy;
  const icx = cx * sx;
  const icy = cy * sy;
  return { a, b, c, d, e: icx + tx - (a * cx + b * cy), f: icy + ty - (c * cx + d * cy) };
}

// ---- shapes ---------------------------------------------------------------

export function ellipse(cx: number, cy: number, rx: number, ry: number): Shape {
  const irx = 1 / (rx * rx);
  const iry = 1 / (ry * ry);
  return {
    x0: cx - rx,
    y0: cy - ry,
    x1: cx + rx,
    y1: cy + ry,
    inside: (u, v) => (u - cx) * (u - cx) * irx + (v - cy) * (v - cy) * iry <= 1,
  };
}

export function rotatedEllipse(cx: number, cy: number, rx: number, ry: number, angle: number): Shape {
  const co = Math.cos(angle);
  const si = Math.sin(angle);
  const r = Math.max(rx, ry);
  return {
    x0: cx - r,
    y0: cy - r,
    x1: cx + r,
    y1: cy + r,
    inside: (u, v) => {
      const du = u - cx;
      const dv = v - cy;
      const p = (du * co + dv * si) / rx;
      const q = (-du * si + dv * co) / ry;
      return p * p + q * q <= 1;
    },
  };
}

export function rect(x0: number, y0: number, x1: number, y1: number): Shape {
  return { x0, y0, x1, y1, inside: (u, v) => u >= x0 && u <= x1 && v >= y0 && v <= y1 };
}

export function polygon(pts: readonly (readonly [number, number])[]): Shape {
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const n = pts.length;
  const px = Float64Array.from(xs);
  const py = Float64Array.from(ys);
  return {
    x0: Math.min(...xs),
    y0: Math.min(...ys),
    x1: Math.max(...xs),
    y1: Math.max(...ys),
    inside: (u, v) => {
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        if (py[i]! > v !== py[j]! > v && u < ((px[j]! - px[i]!) * (v - py[i]!)) / (py[j]! - py[i]!) + px[i]!) inside = !inside;
      }
      return inside;
    },
  };
}

/** Quadratic Bézier p0→p2 with control p1, as n+1 points. */
export function bezier(p0: [number, number], p1: [number, number], p2: [number, number], n = 10): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const s = 1 - t;
    out.push([s * s * p0[0] + 2 * s * t * p1[0] + t * t * p2[0], s * s * p0[1] + 2 * s * t * p1[1] + t * t * p2[1]]);
  }
  return out;
}

/** A stroke along a polyline whose half-width goes from r0 to r1 (and r1 → rMid shape by `profile`). */
export function stroke(pts: readonly [number, number][], r0: number, r1: number, profile: (t: number) => number = () => 1): Shape {
  const n = pts.length - 1;
  const rmax = Math.max(r0, r1) * 1.6;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return {
    x0: Math.min(...xs) - rmax,
    y0: Math.min(...ys) - rmax,
    x1: Math.max(...xs) + rmax,
    y1: Math.max(...ys) + rmax,
    inside: (u, v) => {
      for (let i = 0; i < n; i++) {
        const [ax, ay] = pts[i]!;
        const [bx, by] = pts[i + 1]!;
        const dx = bx - ax;
        const dy = by - ay;
        const l2 = dx * dx + dy * dy || 1;
        let t = ((u - ax) * dx + (v - ay) * dy) / l2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const gt = (i + t) / n;
        const r = (r0 + (r1 - r0) * gt) * profile(gt);
        const ex = ax + t * dx - u;
        const ey = ay + t * dy - v;
        if (ex * ex + ey * ey <= r * r) return true;
      }
      return false;
    },
  };
}

export function union(...s: Shape[]): Shape {
  return {
    x0: Math.min(...s.map((q) => q.x0)),
    y0: Math.min(...s.map((q) => q.y0)),
    x1: Math.max(...s.map((q) => q.x1)),
    y1: Math.max(...s.map((q) => q.y1)),
    inside: (u, v) => s.some((q) => q.inside(u, v)),
  };
}

export function minus(a: Shape, b: Shape): Shape {
  return { x0: a.x0, y0: a.y0, x1: a.x1, y1: a.y1, inside: (u, v) => a.inside(u, v) && !b.inside(u, v) };
}

/** Region between two curves top(u) ≤ v ≤ bottom(u) for u in [x0, x1]. */
export function between(x0: number, x1: number, top: (u: number) => number, bottom: (u: number) => number, y0: number, y1: number): Shape {
  return { x0, y0, x1, y1, inside: (u, v) => u >= x0 && u <= x1 && v >= top(u) && v <= bottom(u) };
}

// ---- canvas ---------------------------------------------------------------

/** Writes a colour for a covered pixel (reference coords u,v; image coords x,y). */
export type Paint = (u: number, v: number, x: number, y: number, out: Float32Array) => void;

export const NO_LABEL = -1;

export class Canvas {
  readonly rgb: Float32Array;
  readonly labels: Uint8Array;
  private readonly tmp = new Float32Array(3);
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = new Float32Array(width * height * 3);
    this.labels = new Uint8Array(width * height);
  }

  /**
   * Paints `shape` (reference coordinates, through transform `t`); pixels whose
   * centre is inside get `paint` blended with `alpha`, and `label` unless NO_LABEL.
   */
  fill(shape: Shape, t: Affine, paint: Paint | RGB, label: number, alpha = 1): void {
    const inv = invert(t);
    const corners = [apply(t, shape.x0, shape.y0), apply(t, shape.x1, shape.y0), apply(t, shape.x0, shape.y1), apply(t, shape.x1, shape.y1)];
    const xa = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
    const xb = Math.min(this.width - 1, Math.ceil(Math.max(...corners.map((c) => c[0]))));
    const ya = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
    const yb = Math.min(this.height - 1, Math.ceil(Math.max(...corners.map((c) => c[1]))));
    const flat = typeof paint !== 'function' ? paint : undefined;
    const fn = typeof paint === 'function' ? paint : undefined;
    const tmp = this.tmp;
    const rgb = this.rgb;
    for (let y = ya; y <= yb; y++) {
      const py = y + 0.5;
      for (let x = xa; x <= xb; x++) {
        const px = x + 0.5;
        const u = inv.a * px + inv.b * py + inv.e;
        const v = inv.c * px + inv.d * py + inv.f;
        if (!shape.inside(u, v)) continue;
        const i = y * this.width + x;
        if (flat) {
          tmp[0] = flat[0];
          tmp[1] = flat[1];
          tmp[2] = flat[2];
        } else fn!(u, v, x, y, tmp);
        const o = i * 3;
        if (alpha >= 1) {
          rgb[o] = tmp[0]!;
          rgb[o + 1] = tmp[1]!;
          rgb[o + 2] = tmp[2]!;
        } else {
          rgb[o] = rgb[o]! + (tmp[0]! - rgb[o]!) * alpha;
          rgb[o + 1] = rgb[o + 1]! + (tmp[1]! - rgb[o + 1]!) * alpha;
          rgb[o + 2] = rgb[o + 2]! + (tmp[2]! - rgb[o + 2]!) * alpha;
        }
        if (label !== NO_LABEL) this.labels[i] = label;
      }
    }
  }
}

/** Cheap deterministic value noise in [-1, 1] from integer lattice hashing. */
export function hashNoise(x: number, y: number, seed: number): number {
  let h = Math.imul((x | 0) ^ Math.imul(y | 0, 0x27d4eb2d), 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 4294967295) * 2 - 1;
}
