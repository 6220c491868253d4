/**
 * Filling polygons into a label map, in plain TypeScript (no canvas dependency).
 *
 * Pixel (x, y) covers the square [x, x+1) × [y, y+1) and belongs to a polygon when its
 * centre (x + ½, y + ½) is inside (even–odd rule). Edges are half-open — a centre exactly
 * on a left or top edge is in, on a right or bottom edge is out — so polygons that share
 * an edge never both claim a pixel and a w×h axis-aligned rectangle fills exactly w·h
 * pixels.
 */

/** A point in continuous image coordinates (0 = the image's left/top edge); extra entries (z) are ignored. */
export type XY = readonly [number, number, ...number[]];

/**
 * Sets `map[y * width + x] = value` for every pixel of the polygon (any winding, closed
 * implicitly, self-intersections by the even–odd rule). Returns the number of pixels set.
 */
export function fillPolygon(map: Uint8Array, width: number, height: number, polygon: readonly XY[], value: number): number {
  if (map.length !== width * height) throw new Error(`fillPolygon: map has ${map.length} pixels for ${width}×${height}`);
  const n = polygon.length;
  if (n < 3) return 0;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of polygon) {
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new Error(`fillPolygon: non-finite point (${p[0]}, ${p[1]})`);
    minY = Math.min(minY, p[1]);
    maxY = Math.max(maxY, p[1]);
  }
  const y0 = Math.max(0, Math.ceil(minY - 0.5));
  const y1 = Math.min(height - 1, Math.ceil(maxY - 0.5) - 1);
  const xs: number[] = [];
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [ax, ay] = polygon[j]!;
      const [bx, by] = polygon[i]!;
      // half-open in y: an edge counts on [min y, max y), so a vertex on the scan line is met once
      if ((ay <= cy && cy < by) || (by <= cy && cy < ay)) xs.push(ax + ((cy - ay) * (bx - ax)) / (by - ay));
    }
    xs.sort((a, b) => a - b);
    const row = y * width;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // centres x + ½ in [xa, xb)
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(width - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      for (let x = from; x <= to; x++) {
        map[row + x] = value;
        count++;
      }
    }
  }
  return count;
}

/** Signed area (shoelace; positive when counter-clockwise in a y-up frame). */
export function polygonArea(polygon: readonly XY[]): number {
  let a = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    a += polygon[j]![0] * polygon[i]![1] - polygon[i]![0] * polygon[j]![1];
  }
  return a / 2;
}

/** The centroid of a polygon's area (the mean of its vertices when the area is 0). */
export function polygonCentroid(polygon: readonly XY[]): [number, number] {
  const a = polygonArea(polygon);
  if (Math.abs(a) < 1e-9) {
    let sx = 0;
    let sy = 0;
    for (const p of polygon) {
      sx += p[0];
      sy += p[1];
    }
    return [sx / polygon.length, sy / polygon.length];
  }
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [x0, y0] = polygon[j]!;
    const [x1, y1] = polygon[i]!;
    const c = x0 * y1 - x1 * y0;
    cx += (x0 + x1) * c;
    cy += (y0 + y1) * c;
  }
  return [cx / (6 * a), cy / (6 * a)];
}
