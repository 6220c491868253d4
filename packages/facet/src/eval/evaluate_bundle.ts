// `facet eval` on a model bundle (what `facet predict` runs, the shipped model by
// default) rather than a training run: a user scores a model on their own data. The
// bundle's libtorch pipeline gives the attributes; its parser, the parsing IoU.
import { noGrad, tidy } from '@facet/torch';
import { openDataset } from '../data/detect.js';
import { openSplit } from '../data/loader/split_source.js';
import { toTensors } from '../data/loader/to_tensors.js';
import { readBundle } from '../infer/bundle.js';
import { TorchPipeline } from '../infer/torch_pipeline.js';
import { parseOptions } from '../infer/bundle_config.js';
import { withParseOverrides } from '../models/region_masks.js';
import { coarseOf, evaluateParser } from '../runs/parser_evaluation.js';
import { evalLoader, type EvalOptions } from '../runs/attribute_predictions.js';
import { attributeMetrics } from '../metrics/metrics.js';
import { trainPrevalence, type RunEvaluation } from './evaluate_run.js';

/** The attribute data folders a bundle records (bundle.json training.attributes.data). */
function trainingFolders(training: Record<string, unknown> | undefined): string[] {
  const data = (training?.attributes as { data?: unknown } | undefined)?.data;
  return Array.isArray(data) ? data.filter((d): d is string => typeof d === 'string') : [];
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
  const precision = o.precision ?? 'fp32';
  const out: RunEvaluation = { run: bundleDir, kind: 'bundle', method: c.method, data: o.data, split: o.split, precision };
  const pipeline = new TorchPipeline(bundle, { device: o.device, precision });
  try {
    const open = (require: 'attributes' | 'masks') =>
      openSplit(o.data, o.split, { height: c.height, width: c.width, require, limit: o.limit, cacheDir: o.cacheDir });
    if (hasAttributes) {
      if (ds.attributeNames.join() !== c.attributeNames.join()) {
        throw new Error(`${o.data}: its attributes (${ds.attributeNames.length}) are not the ${c.attributeNames.length} the bundle predicts`);
      }
      const source = await open('attributes');
      if (source.photos > 0) out.faces = { photos: source.photos, withFace: source.photos - source.noFace.length, noFace: source.noFace };
      const loader = evalLoader(source, c.normalization, o.batch ?? 32, true);
      const a = c.attributeNames.length;
      const probs = new Float32Array(source.items.length * a);
      const labels = new Uint8Array(source.items.length * a);
      try {
        for (let s = 0, row = 0; row < source.items.length; s++) {
          const b = await loader.batch(s);
          // the last batch may be filled up past the split's end: keep what belongs to it
          const n = Math.min(b.count, source.items.length - row);
          const p = noGrad(() => tidy(() => pipeline.forward(toTensors(b, pipeline.device).images).probabilities.data() as Float32Array));
          probs.set(p.subarray(0, n * a), row * a);
          labels.set(b.targets!.subarray(0, n * a), row * a);
          row += n;
        }
      } finally {
        await loader.close();
      }
      out.attributes = attributeMetrics(probs, labels, c.attributeNames, { trainPrevalence: trainPrevalence(trainingFolders(c.training), c.attributeNames) });
    }
    if (hasMasks) {
      const source = await open('masks');
      const loader = evalLoader(source, c.parserNormalization, o.batch ?? 16, false);
      try {
        out.parsing = await evaluateParser(
          pipeline.parser,
          { source, loader, coarse: coarseOf(source) },
          { precision, ...withParseOverrides(parseOptions(c), o.parse) },
        );
      } finally {
        await loader.close();
      }
    }
  } finally {
    pipeline.dispose();
  }
  return out;
}
