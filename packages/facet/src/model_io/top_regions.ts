// Where each attribute lives: the region SSP weighs most for it.

/** R×A region weights (row = region) → per attribute the region with the largest weight (the first on ties). */
export function topRegions(regionWeights: Float32Array, attributes: number, regions: number): number[] {
  return Array.from({ length: attributes }, (_, a) => {
    let best = 0;
    for (let r = 1; r < regions; r++) if (regionWeights[r * attributes + a]! > regionWeights[best * attributes + a]!) best = r;
    return best;
  });
}
