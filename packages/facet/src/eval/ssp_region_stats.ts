// SSP's region weights averaged over a split (the paper's Figure 4) and each region's
// recognition accuracy alone: where SSP puts each attribute, and where the evidence is.
import { noGrad, tidy } from '@facet/torch';
import type { DataLoader } from '../data/loader/loader.js';
import { toTensors } from '../data/loader/to_tensors.js';
import type { AttributeForward } from '../runs/attribute_forward.js';
import { deviceOf } from '../runs/device.js';
import { REGION_COUNT } from '../regions.js';

/**
 * Adds, per attribute a and region r, 1 for each item whose recognition score s_rec[r,a]
 * alone (as if w were one-hot on r) gets its label right: scores N×R×A, labels N×A (0/1),
 * correct A×R row-major.
 */
export function addRegionHits(scores: Float32Array, labels: ArrayLike<number>, n: number, correct: Float64Array): void {
  const a = correct.length === 0 ? 0 : labels.length / n,
    r = a === 0 ? 0 : correct.length / a;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < r; k++) {
      for (let j = 0; j < a; j++) if ((scores[(i * r + k) * a + j]! > 0 ? 1 : 0) === labels[i * a + j]) correct[j * r + k]! += 1;
    }
  }
}

export interface SSPRegionStats {
  /** mean of w[r, a] over the items: A×R row-major (Figure 4) */
  weights: Float32Array;
  /** accuracy of s_rec[r, a] alone, A×R: where the evidence for a is, whatever w says */
  recognitionAccuracy: Float32Array;
  items: number;
}

/** SSP's region weights averaged over the first `limit` items, and each region's recognition accuracy alone. */
export async function sspRegionStats(forward: AttributeForward, loader: DataLoader, limit: number): Promise<SSPRegionStats> {
  const net = forward.net;
  if (!net.sspHead) throw new Error('sspRegionStats: not an SSP model');
  net.eval();
  const a = net.attributes,
    r = REGION_COUNT;
  const sum = new Float64Array(a * r),
    correct = new Float64Array(a * r);
  const total = Math.min(limit, loader.size);
  let seen = 0;
  for (let s = 0; seen < total; s++) {
    const b = await loader.batch(s);
    const [w, rec] = noGrad(() =>
      tidy(() => {
        const out = forward.sspOutputs(toTensors(b, deviceOf(net)).images);
        return [out.regionWeights.data() as Float32Array, out.regionScores.data() as Float32Array]; // N×R×A each
      }),
    );
    const n = Math.min(b.count, total - seen);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < r; k++) for (let j = 0; j < a; j++) sum[j * r + k]! += w[i * r * a + k * a + j]!;
    }
    if (b.targets) addRegionHits(rec, b.targets.subarray(0, n * a), n, correct);
    seen += n;
  }
  return {
    weights: Float32Array.from(sum, (v) => v / seen),
    recognitionAccuracy: Float32Array.from(correct, (v) => v / seen),
    items: seen,
  };
}
