// `facet eval` on a model bundle (what `facet predict` runs, the shipped model by
// default) rather than a training run: a user scores a model on their own data. The
// bundle's libtorch pipeline gives the attributes; its parser, the parsing IoU.
import { noGrad, tidy } from '@facet/torch';
import { openDataset } from '../data/detect.js';
import { DataLoader } from '../data/loader/loader.js';
import { openSplit, type SplitSource } from '../data/loader/split_source.js';
import { toTensors } from '../data/loader/to_tensors.js';
import type { Normalization } from '../data/loader/normalization.js';
import { readBundle } from '../infer/bundle.js';
import { TorchPipeline } from '../infer/torch_pipeline.js';
import { coarseOf, evaluateParser } from '../train/tasks/parser_task.js';
import { attributeMetrics, prevalence } from './metrics.js';
import type { EvalOptions, RunEvaluation } from './evaluate_run.js';

function loaderFor(source: SplitSource, normalization: Normalization, batch: number, withAttributes: boolean): DataLoader {
  return new DataLoader({
    store: source.store, batchSize: batch, seed: 0, normalization, flip: false, shuffle: false, workers: 0,
    attributes: withAttributes ? source.items.map((i) => i.attributes ?? null) : undefined,
  });
}

/** The majority answer of the bundle's own training data, where its folders are still there. */
function trainingPrevalence(folders: unknown, attributeNames: readonly string[]): Float64Array | undefined {
  if (!Array.isArray(folders)) return undefined;
  try {
    const rows: Uint8Array[] = [];
    for (const dir of folders as string[]) {
      const ds = openDataset(dir, { checkFiles: false });
      if (ds.attributeNames.join() !== attributeNames.join()) return undefined;
      for (const it of ds.items('train')) if (it.attributes) rows.push(it.attributes);
    }
    if (rows.length === 0) return undefined;
    const labels = new Uint8Array(rows.length * attributeNames.length);
    rows.forEach((r, n) => labels.set(r, n * attributeNames.length));
    return prevalence(labels, attributeNames.length);
  } catch {
    return undefined;
  }
}

/** Attribute metrics where the split has labels, parsing IoU where it has masks. */
export async function evaluateBundle(bundleDir: string, o: EvalOptions): Promise<RunEvaluation> {
  const bundle = readBundle(bundleDir);
  const c = bundle.config;
  const ds = openDataset(o.data, { checkFiles: false });
  const items = ds.items(o.split);
  const hasAttributes = items.some((i) => i.attributes);
  const hasMasks = items.some((i) => i.mask);
  if (!hasAttributes && !hasMasks) throw new Error(`${o.data}: the ${o.split} split has neither attribute labels nor masks to score against`);
  const out: RunEvaluation = { run: bundleDir, kind: 'bundle', method: c.method, data: o.data, split: o.split };
  const pipeline = new TorchPipeline(bundle);
  try {
    const open = (require: 'attributes' | 'masks') =>
      openSplit(o.data, o.split, { height: c.height, width: c.width, require, limit: o.limit, cacheDir: o.cacheDir });
    if (hasAttributes) {
      if (ds.attributeNames.join() !== c.attributeNames.join()) {
        throw new Error(`${o.data}: its attributes (${ds.attributeNames.length}) are not the ${c.attributeNames.length} the bundle predicts`);
      }
      const source = await open('attributes');
      const loader = loaderFor(source, c.normalization, o.batch ?? 32, true);
      const a = c.attributeNames.length;
      const probs = new Float32Array(source.items.length * a);
      const labels = new Uint8Array(source.items.length * a);
      try {
        for (let s = 0, row = 0; row < source.items.length; s++) {
          const b = await loader.batch(s);
          // the last batch may be filled up past the split's end: keep what belongs to it
          const n = Math.min(b.count, source.items.length - row);
          const p = noGrad(() => tidy(() => pipeline.forward(toTensors(b).images).probabilities.data() as Float32Array));
          probs.set(p.subarray(0, n * a), row * a);
          labels.set(b.targets!.subarray(0, n * a), row * a);
          row += n;
        }
      } finally {
        await loader.close();
      }
      out.attributes = attributeMetrics(probs, labels, c.attributeNames, { trainPrevalence: trainingPrevalence(c.training?.attributes && (c.training.attributes as { data?: unknown }).data, c.attributeNames) });
    }
    if (hasMasks) {
      const source = await open('masks');
      const loader = loaderFor(source, c.parserNormalization, o.batch ?? 16, false);
      try {
        out.parsing = await evaluateParser(pipeline.parser, { source, loader, coarse: coarseOf(source) });
      } finally {
        await loader.close();
      }
    }
  } finally {
    pipeline.dispose();
  }
  return out;
}
