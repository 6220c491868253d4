/** Per-channel mean and std of 0–255 pixels, computed on the training split and stored with a run. */
export interface Normalization {
  mean: [number, number, number];
  std: [number, number, number];
}

/** Accumulates RGB statistics over interleaved uint8 images. */
export class NormalizationAccumulator {
  #sum = [0, 0, 0];
  #sq = [0, 0, 0];
  #n = 0;

  add(rgb: Uint8Array): void {
    for (let i = 0; i < rgb.length; i += 3) {
      for (let c = 0; c < 3; c++) {
        const v = rgb[i + c]!;
        this.#sum[c]! += v;
        this.#sq[c]! += v * v;
      }
    }
    this.#n += rgb.length / 3;
  }

  result(): Normalization {
    if (this.#n === 0) throw new Error('normalization: no pixels');
    const mean = this.#sum.map((s) => s / this.#n) as [number, number, number];
    const std = this.#sq.map((q, c) => Math.sqrt(Math.max(q / this.#n - mean[c]! ** 2, 1e-6))) as [number, number, number];
    return { mean, std };
  }
}
