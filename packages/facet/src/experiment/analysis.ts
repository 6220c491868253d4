// What the paper's figures show, computed from trained runs: SSP's region weights
// averaged over a split (Fig. 4) with each region's recognition accuracy alone, parse examples (Fig. 3), the strongest last-layer
// channels (Fig. 5), and the drawn-attribute checks of the synthetic data.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, tidy } from '@facet/torch';
import { DataLoader } from '../data/loader/loader.js';
import { StoreReader } from '../data/loader/store.js';
import { toTensors } from '../data/loader/to_tensors.js';
import { deviceOf } from '../train/device.js';
import type { SplitSource } from '../data/loader/split_source.js';
import type { AttributeForward } from '../train/tasks/attribute_task.js';
import type { Parser } from '../models/parser.js';
import type { AttributeReport } from '../eval/metrics.js';
import { strongestChannels, type ActivationMap } from '../viz/activations.js';
import type { ParseGridItem } from '../viz/parse_grid.js';
import { REGION_COUNT } from '../regions.js';

/**
 * Adds, per attribute a and region r, 1 for each item whose recognition score s_rec[r,a]
 * alone (as if w were one-hot on r) gets its label right: scores N×R×A, labels N×A (0/1),
 * correct A×R row-major.
 */
export function addRegionHits(scores: Float32Array, labels: ArrayLike<number>, n: number, correct: Float64Array): void {
  const a = correct.length === 0 ? 0 : labels.length / n, r = a === 0 ? 0 : correct.length / a;
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
  const a = net.attributes, r = REGION_COUNT;
  const sum = new Float64Array(a * r), correct = new Float64Array(a * r);
  const total = Math.min(limit, loader.size);
  let seen = 0;
  for (let s = 0; seen < total; s++) {
    const b = await loader.batch(s);
    const [w, rec] = noGrad(() => tidy(() => {
      const out = forward.sspOutputs(toTensors(b, deviceOf(net)).images);
      return [out.regionWeights.data() as Float32Array, out.regionScores.data() as Float32Array]; // N×R×A each
    }));
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

/** Photos, predicted parse and truth of the first n items of a split (Figure 3). */
export async function parseExamples(parser: Parser, source: SplitSource, loader: DataLoader, n: number): Promise<ParseGridItem[]> {
  parser.eval();
  const b = await loader.batch(0);
  const { height: h, width: w } = b;
  const pred = noGrad(() => tidy(() => parser.forward(toTensors(b, deviceOf(parser)).images)[3].argmax(1).toDtype('uint8').data() as Uint8Array));
  const reader = new StoreReader(source.store);
  try {
    return b.plan.indices.slice(0, n).map((index, k) => {
      const rec = reader.read(index);
      return {
        rgb: rec.slice(0, h * w * 3), width: w, height: h, pred: pred.slice(k * h * w, (k + 1) * h * w),
        truth: rec.slice(h * w * 3, h * w * 4), caption: source.items[index]!.id,
      };
    });
  } finally {
    reader.close();
  }
}

/** The k strongest conv62 channels of the first n items, per model (Figure 5). */
export async function strongestActivations(forward: AttributeForward, loader: DataLoader, n: number, k: number): Promise<ActivationMap[][]> {
  forward.net.eval();
  const b = await loader.batch(0);
  const feats = noGrad(() => tidy(() => {
    const images = toTensors(b, deviceOf(forward.net)).images;
    const r = forward.masks ? forward.masks.compute(images) : null;
    const f = forward.net.features(images, { masksQuarter: r?.quarter ?? null });
    return { data: f.data() as Float32Array, shape: f.shape as [number, number, number, number] };
  }));
  const [, c, h, w] = feats.shape;
  return Array.from({ length: Math.min(n, b.count) }, (_, i) => strongestChannels(feats.data.slice(i * c * h * w, (i + 1) * c * h * w), c, h, w, k));
}

/** synth.json's drawn attributes: name → region index; null for other data. */
export function drawnAttributes(dataDir: string): Map<string, number> | null {
  const p = join(dataDir, 'synth.json');
  if (!existsSync(p)) return null;
  const meta = JSON.parse(readFileSync(p, 'utf8')) as { drawn: Record<string, { region: number }> };
  return new Map(Object.entries(meta.drawn).map(([name, d]) => [name, d.region]));
}

export interface DrawnCheck {
  method: string;
  meanError: number;
  majorityError: number;
  beatsMajority: boolean;
}

/** Mean error over the drawn attributes, against the majority-class baseline's. */
export function drawnAttributeCheck(method: string, report: AttributeReport, drawn: Map<string, number>): DrawnCheck {
  const rows = report.attributes.filter((a) => drawn.has(a.name));
  const meanError = rows.reduce((s, a) => s + a.error, 0) / rows.length;
  const majorityError = rows.reduce((s, a) => s + a.baselineError, 0) / rows.length;
  return { method, meanError, majorityError, beatsMajority: meanError < majorityError };
}

/** Share of the drawn attributes whose largest averaged region weight is their true region. */
export function localizationHits(weights: Float32Array, attributeNames: readonly string[], regions: number, drawn: Map<string, number>): { hits: string[]; misses: string[]; share: number } {
  const hits: string[] = [], misses: string[] = [];
  attributeNames.forEach((name, a) => {
    const truth = drawn.get(name);
    if (truth === undefined) return;
    let best = 0;
    for (let r = 1; r < regions; r++) if (weights[a * regions + r]! > weights[a * regions + best]!) best = r;
    (best === truth ? hits : misses).push(name);
  });
  return { hits, misses, share: hits.length / Math.max(1, hits.length + misses.length) };
}
