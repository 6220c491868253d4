// The parse (R region probabilities per pixel) as labels: the most probable region of each
// pixel, and the share of the pixels each region takes. Used by predict, the report, the
// int8 export's check and the page.

/** R×plane probabilities → per-pixel index of the largest (the first on ties). */
export function argmaxRegions(parse: Float32Array, regions: number, plane: number): Uint8Array {
  const labels = new Uint8Array(plane);
  const best = parse.slice(0, plane);
  for (let r = 1; r < regions; r++) {
    const off = r * plane;
    for (let i = 0; i < plane; i++) {
      const v = parse[off + i]!;
      if (v > best[i]!) {
        best[i] = v;
        labels[i] = r;
      }
    }
  }
  return labels;
}

/** R: the fraction of the labels equal to each region. */
export function regionFractions(labels: Uint8Array, regions: number): Float32Array {
  const fractions = new Float32Array(regions);
  for (const l of labels) fractions[l]! += 1;
  for (let r = 0; r < regions; r++) fractions[r]! /= labels.length;
  return fractions;
}
