// What two of the paper's figures show, computed from trained runs: parse examples
// (Fig. 3) and the strongest last-layer channels (Fig. 5). SSP's region weights (Fig. 4)
// are eval/ssp_region_stats.ts.
import { noGrad, tidy } from '@facet/torch';
import type { DataLoader } from '../data/loader/loader.js';
import { StoreReader } from '../data/loader/store.js';
import { toTensors } from '../data/loader/to_tensors.js';
import type { SplitSource } from '../data/loader/split_source.js';
import { deviceOf } from '../runs/device.js';
import type { AttributeForward } from '../runs/attribute_forward.js';
import type { Parser } from '../models/parser.js';
import { strongestChannels, type ActivationMap } from '../viz/activations.js';
import type { ParseGridItem } from '../viz/parse_grid.js';

/** Photos, predicted parse and truth of the first n items of a split (Figure 3). */
export async function parseExamples(parser: Parser, source: SplitSource, loader: DataLoader, n: number): Promise<ParseGridItem[]> {
  parser.eval();
  const b = await loader.batch(0);
  const { height: h, width: w } = b;
  const pred = noGrad(() =>
    tidy(
      () =>
        parser
          .forward(toTensors(b, deviceOf(parser)).images)[3]
          .argmax(1)
          .toDtype('uint8')
          .data() as Uint8Array,
    ),
  );
  const reader = new StoreReader(source.store);
  try {
    return b.plan.indices.slice(0, n).map((index, k) => {
      const rec = reader.read(index);
      return {
        rgb: rec.slice(0, h * w * 3),
        width: w,
        height: h,
        pred: pred.slice(k * h * w, (k + 1) * h * w),
        truth: rec.slice(h * w * 3, h * w * 4),
        caption: source.items[index]!.id,
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
  const feats = noGrad(() =>
    tidy(() => {
      const images = toTensors(b, deviceOf(forward.net)).images;
      const r = forward.masks ? forward.masks.compute(images) : null;
      const f = forward.net.features(images, { masksQuarter: r?.quarter ?? null });
      return { data: f.data() as Float32Array, shape: f.shape as [number, number, number, number] };
    }),
  );
  const [, c, h, w] = feats.shape;
  return Array.from({ length: Math.min(n, b.count) }, (_, i) => strongestChannels(feats.data.slice(i * c * h * w, (i + 1) * c * h * w), c, h, w, k));
}
