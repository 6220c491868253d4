// `facet eval`: a trained run (or an SSP+SSG ensemble of runs) on a split of a data
// set: attribute metrics for attribute and joint runs, parsing IoU for parser and
// joint runs (spec §9).

import { RunDir } from '../runs/run_dir.js';
import type { RunConfig } from '../runs/config.js';
import { evalLoader, evalPrecision, attributePredictions, withAttributeRun, type EvalOptions } from '../runs/attribute_predictions.js';
import { predictAttributes } from '../runs/attribute_forward.js';
import { coarseOf, evaluateParser, type ParseEvaluation } from '../runs/parser_evaluation.js';
import { place } from '../runs/device.js';
import type { Precision } from '../models/precision.js';
import { prepareModel } from '../models/mixed_precision.js';
import { withParseOverrides } from '../models/region_masks.js';
import type { Parser } from '../models/parser.js';
import type { JointModel } from '../models/joint.js';
import { buildModel } from '../models/registry.js';
import { openSplit } from '../data/loader/split_source.js';
import { openDataset } from '../data/detect.js';
import type { Split } from '../data/types.js';
import { REGION_NAMES } from '../regions.js';
import { attributeMetrics, prevalence, type AttributeReport } from '../metrics/metrics.js';
import { type SSPRegionStats, sspRegionStats } from './ssp_region_stats.js';
import { drawnAttributes, localizationHits } from './drawn_attributes.js';

export interface LocalizationReport {
  /** A×R row-major: SSP's region weights averaged over the split */
  regionWeights: number[][];
  /** A×R: accuracy of each region's recognition score alone (where the evidence is, whatever the weights say) */
  regionRecognitionAccuracy: number[][];
  /** synthetic data (synth.json): the drawn attributes whose largest weight is their region, and each one's region */
  drawn?: { hits: string[]; misses: string[]; share: number; regions: Record<string, string> };
}

export interface RunEvaluation {
  run: string;
  kind: string;
  method?: string;
  data: string;
  split: Split;
  /** the precision the networks ran in */
  precision?: Precision;
  attributes?: AttributeReport;
  parsing?: ParseEvaluation;
  localization?: LocalizationReport;
  /** in-the-wild photos (Img/img_celeba, read as their aligned faces): where a face was found; the metrics are over those */
  faces?: { photos: number; withFace: number; noFace: string[] };
}

/**
 * Each attribute's prevalence over the train splits of the folders a model was trained
 * on (the majority-class baseline's guess); undefined where they are gone or differ.
 */
export function trainPrevalence(folders: readonly string[], attributeNames: readonly string[]): Float64Array | undefined {
  try {
    const items = folders.flatMap((dir) => {
      const ds = openDataset(dir, { checkFiles: false });
      if (ds.attributeNames.join() !== attributeNames.join()) throw new Error(`${dir}: other attributes`);
      return ds.items('train').filter((i) => i.attributes);
    });
    const a = attributeNames.length;
    const labels = new Uint8Array(items.length * a);
    items.forEach((it, n) => labels.set(it.attributes!, n * a));
    return items.length ? prevalence(labels, a) : undefined;
  } catch {
    return undefined;
  }
}

/** An attr or joint run's attribute metrics on a split, with SSP's region statistics for an SSP run. */
async function attributeEvaluation(runPath: string, o: EvalOptions): Promise<{ attributes: AttributeReport; regions?: SSPRegionStats }> {
  return withAttributeRun(runPath, o, async ({ config, forward, loader }) => {
    const r = await predictAttributes(forward, loader);
    const regions = config.method === 'ssp' ? await sspRegionStats(forward, loader, r.count) : undefined;
    const attributes = attributeMetrics(r.probs, r.labels, config.attributeNames, {
      trainPrevalence: trainPrevalence(
        config.data.map((d) => d.dir),
        config.attributeNames,
      ),
    });
    return { attributes, regions };
  });
}

async function parsing(runPath: string, config: RunConfig, o: EvalOptions): Promise<ParseEvaluation> {
  const run = new RunDir(runPath);
  const { height, width } = config.recipe;
  const source = await openSplit(o.data, o.split, { height, width, require: 'masks', limit: o.limit, cacheDir: o.cacheDir });
  const loader = evalLoader(source, config.normalization, o.batch ?? 16, false);
  let parser: Parser, owner: { dispose(): void };
  if (config.kind === 'joint') {
    const joint = buildModel('joint', { widthMult: config.recipe.widthMult, attributes: config.attributeNames.length, paperInit: false }) as JointModel;
    run.loadWeights(joint, o.weights ?? 'best');
    place(joint, o.device ?? 'cpu');
    parser = joint.parser;
    owner = joint;
  } else {
    parser = buildModel('parser', { widthMult: config.recipe.widthMult, paperInit: false }) as Parser;
    run.loadWeights(parser, o.weights ?? 'best');
    place(parser, o.device ?? 'cpu');
    owner = parser;
  }
  try {
    const precision = evalPrecision(config, o);
    prepareModel(parser, precision);
    return await evaluateParser(parser, { source, loader, coarse: coarseOf(source) }, { precision, ...withParseOverrides({}, o.parse) });
  } finally {
    owner.dispose();
    await loader.close();
  }
}

export async function evaluateRun(runPath: string, o: EvalOptions): Promise<RunEvaluation> {
  const config = new RunDir(runPath).readJson<RunConfig>('config.json');
  const out: RunEvaluation = { run: runPath, kind: config.kind, method: config.method, data: o.data, split: o.split, precision: evalPrecision(config, o) };
  if (config.kind !== 'parser') {
    const { attributes, regions } = await attributeEvaluation(runPath, o);
    out.attributes = attributes;
    if (regions) out.localization = localizationReport(regions, config.attributeNames, o.data);
  }
  if (config.kind !== 'attr') out.parsing = await parsing(runPath, config, o);
  return out;
}

/** SSP+SSG (spec §6): the average of the runs' sigmoid probabilities. */
export async function evaluateEnsemble(runs: string[], o: EvalOptions): Promise<RunEvaluation> {
  if (runs.length < 2) throw new Error('--ensemble needs at least two runs, comma-separated');
  let sum: Float32Array | null = null;
  let labels: Uint8Array | null = null;
  let config: RunConfig | null = null;
  for (const r of runs) {
    const p = await attributePredictions(r, o);
    if (config && p.config.attributeNames.join() !== config.attributeNames.join())
      throw new Error(`--ensemble: ${r} predicts other attributes than ${runs[0]}`);
    config = p.config;
    labels = p.labels;
    sum = sum ? sum.map((v, i) => v + p.probs[i]!) : Float32Array.from(p.probs);
  }
  const probs = sum!.map((v) => v / runs.length);
  return {
    run: runs.join(','),
    kind: 'ensemble',
    method: runs.map((r) => new RunDir(r).readJson<RunConfig>('config.json').method).join('+'),
    data: o.data,
    split: o.split,
    attributes: attributeMetrics(probs, labels!, config!.attributeNames, {
      trainPrevalence: trainPrevalence(
        config!.data.map((d) => d.dir),
        config!.attributeNames,
      ),
    }),
  };
}

function localizationReport(stats: SSPRegionStats, attributeNames: readonly string[], dataDir: string): LocalizationReport {
  const r = stats.weights.length / attributeNames.length;
  const rows = (m: Float32Array): number[][] => attributeNames.map((_, a) => Array.from(m.subarray(a * r, (a + 1) * r)));
  const report: LocalizationReport = { regionWeights: rows(stats.weights), regionRecognitionAccuracy: rows(stats.recognitionAccuracy) };
  const drawn = drawnAttributes(dataDir);
  if (drawn) {
    report.drawn = {
      ...localizationHits(stats.weights, attributeNames, r, drawn),
      regions: Object.fromEntries([...drawn].map(([n, k]) => [n, REGION_NAMES[k]!])),
    };
  }
  return report;
}
