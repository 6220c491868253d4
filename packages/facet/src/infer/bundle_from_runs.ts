// A bundle from a trained parser run and an SSP attribute run: what facet ships as its
// default model and what `facet export onnx` and `facet predict` read.
import { Parser } from '../models/parser.js';
import type { GuidedFilter } from '../models/guided_filter.js';
import { buildModel } from '../models/registry.js';
import { RunDir } from '../runs/run_dir.js';
import type { RunConfig } from '../runs/config.js';
import { buildAttributeModel } from '../runs/attribute_model.js';
import { attributePredictions } from '../runs/attribute_predictions.js';
import { writeBundle } from './write_bundle.js';
import { noGrad, tensor } from '@facet/torch';
import { logitShift, tuneThresholds, type TunedThresholds } from '../metrics/thresholds.js';

export interface BundleFromRunsOptions {
  attributesRun: string;
  /** default: the attribute run's own parser */
  parserRun?: string;
  out: string;
  description?: string;
  weights?: 'best' | 'weights';
  /**
   * Tune each attribute's decision cut on this folder's val split (metrics/thresholds.ts)
   * and fold it into the SSP head's recognition bias, so that p ≥ 0.5 is the tuned
   * decision everywhere the bundle runs (torch, ONNX, the page) with no new graph node.
   */
  tuneOn?: string;
  /** the bundle's parse averages the image's and its mirror image's (models/flip_average.ts) */
  parserFlipAverage?: boolean;
  /** the bundle's full-scale parse is refined by this guided filter (models/guided_filter.ts) */
  parseGuidedFilter?: GuidedFilter;
}

/** What a bundle records of a run it took weights from: its data, recipe, starting point and the step taken. */
function provenance(run: RunDir, c: RunConfig, which: 'best' | 'weights'): Record<string, unknown> {
  const state = run.readState();
  const step = which === 'best' ? state?.bestStep : state?.step;
  return {
    data: c.data.map((d) => d.dir),
    recipe: c.recipe,
    commit: c.gitCommit,
    ...(c.initFrom ? { initFrom: c.initFrom } : {}),
    weights: which,
    ...(step !== undefined && step !== null ? { step } : {}),
  };
}

export async function bundleFromRuns(o: BundleFromRunsOptions): Promise<void> {
  const attrRun = new RunDir(o.attributesRun);
  const ac = attrRun.readJson<RunConfig>('config.json');
  if (ac.kind !== 'attr' || ac.method !== 'ssp')
    throw new Error(`${o.attributesRun}: a bundle needs an SSP attribute run (this is ${ac.kind} ${ac.method ?? ''})`);
  if (ac.sspFeatures && ac.sspFeatures !== 'conv62') {
    throw new Error(`${o.attributesRun}: SSP pools ${ac.sspFeatures} (--ssp-features); bundles, ONNX and the browser carry the spec's SSP on conv62 only`);
  }
  const parserPath = o.parserRun ?? ac.parserRun;
  if (!parserPath) throw new Error(`${o.attributesRun}: no parser run recorded; pass --parser RUN`);
  const parserRun = new RunDir(parserPath);
  const pc = parserRun.readJson<RunConfig>('config.json');
  const parser = buildModel('parser', { widthMult: pc.recipe.widthMult, paperInit: false }) as Parser;
  const net = buildAttributeModel(ac);
  try {
    parserRun.loadWeights(parser, o.weights ?? 'best');
    attrRun.loadWeights(net, o.weights ?? 'best');
    let tuned: TunedThresholds | null = null;
    if (o.tuneOn) {
      const val = await attributePredictions(o.attributesRun, { data: o.tuneOn, split: 'val', weights: o.weights ?? 'best' });
      tuned = tuneThresholds(val.probs, val.labels, ac.attributeNames.length);
      // Σ_r w[r,a] = 1, so a shift of every region's recognition bias shifts the logit by as much
      const shift = tensor(new Float32Array(tuned.thresholds.map(logitShift)));
      noGrad(() => net.sspHead!.rec.bias!.add_(shift));
      shift.dispose();
    }
    writeBundle(o.out, parser, net, {
      height: ac.recipe.height,
      width: ac.recipe.width,
      parserWidthMult: pc.recipe.widthMult,
      attributeWidthMult: ac.recipe.widthMult,
      attributeNames: ac.attributeNames,
      regionNames: ac.regionNames,
      normalization: ac.normalization,
      parserNormalization: pc.normalization,
      ...(ac.fit ? { fit: ac.fit } : {}),
      ...(o.parserFlipAverage ? { parserFlipAverage: true } : {}),
      ...(o.parseGuidedFilter ? { parseGuidedFilter: o.parseGuidedFilter } : {}),
      description: o.description,
      training: {
        parser: provenance(parserRun, pc, o.weights ?? 'best'),
        attributes: provenance(attrRun, ac, o.weights ?? 'best'),
        ...(tuned
          ? {
              decisionThresholds: {
                tunedOn: `${o.tuneOn} (val split)`,
                note: "each attribute's cut on p, tuned on the validation split and folded into the output bias: p ≥ 0.5 is the tuned decision",
                thresholds: Object.fromEntries(ac.attributeNames.map((n, a) => [n, Number(tuned!.thresholds[a]!.toFixed(4))])),
                validationErrors: { atHalf: tuned.errorsAtHalf.reduce((x, y) => x + y, 0), atCuts: tuned.errorsAtCut.reduce((x, y) => x + y, 0) },
              },
            }
          : {}),
      },
    });
  } finally {
    parser.dispose();
    net.dispose();
  }
}
