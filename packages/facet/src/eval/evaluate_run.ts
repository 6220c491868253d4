// `facet eval`: a trained run (or an SSP+SSG ensemble of runs) on a split of a data
// set: attribute metrics for attribute and joint runs, parsing IoU for parser and
// joint runs (spec §9).

import { RunDir } from '../train/run_dir.js';
import type { RunConfig } from '../train/config.js';
import type { Precision } from '../models/precision.js';
import { prepareModel } from '../models/mixed_precision.js';
import { AttributeForward, NEEDS_PARSER, buildAttributeModel, loadFrozenParser, predictAttributes } from '../train/tasks/attribute_task.js';
import { coarseOf, evaluateParser, type ParseEvaluation } from '../train/tasks/parser_task.js';
import { Parser } from '../models/parser.js';
import { JointModel } from '../models/joint.js';
import { buildModel } from '../models/registry.js';
import { openSplit, type SplitSource } from '../data/loader/split_source.js';
import { DataLoader } from '../data/loader/loader.js';
import type { Normalization } from '../data/loader/normalization.js';
import { openDataset } from '../data/detect.js';
import type { Split } from '../data/types.js';
import { REGION_NAMES } from '../regions.js';
import { place } from '../train/device.js';
import { attributeMetrics, prevalence, type AttributeReport } from './metrics.js';
import { type SSPRegionStats, sspRegionStats, drawnAttributes, localizationHits } from '../experiment/analysis.js';

export interface EvalOptions {
  data: string;
  split: Split;
  weights?: 'best' | 'weights';
  limit?: number;
  cacheDir?: string;
  batch?: number;
  /** where the networks run (resolved: cpu, cuda, cuda:N; default cpu) */
  device?: string;
  /** fp32 | fp32-cl | bf16 (models/precision.ts); default: the precision the run trained in (bundles: fp32) */
  precision?: Precision;
}

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

/** The precision an evaluation runs in: asked for, else the run's own (joint runs: fp32 only). */
export function evalPrecision(config: RunConfig, o: EvalOptions): Precision {
  const p = o.precision ?? config.recipe.precision ?? 'fp32';
  if (config.kind === 'joint' && p !== 'fp32') throw new Error(`eval: a joint run evaluates in fp32 only, not --precision ${p}`);
  return p;
}

/** An unshuffled, unflipped loader over a split, normalised as the model expects. */
export function evalLoader(source: SplitSource, normalization: Normalization, batch: number, withAttributes: boolean): DataLoader {
  return new DataLoader({
    store: source.store, batchSize: batch, seed: 0, normalization, flip: false, shuffle: false, workers: 0,
    attributes: withAttributes ? source.items.map((i) => i.attributes ?? null) : undefined,
  });
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

export interface Predictions {
  config: RunConfig;
  probs: Float32Array;
  labels: Uint8Array;
  /** SSP runs: w[r, a] averaged over the split and each region's accuracy alone (Figure 4's numbers) */
  regions?: SSPRegionStats;
}

/** A run's probabilities (and the labels) on a split, as its evaluation computes them. */
export async function attributePredictions(runPath: string, o: EvalOptions): Promise<Predictions> {
  const run = new RunDir(runPath);
  const config = run.readJson<RunConfig>('config.json');
  const { height, width } = config.recipe;
  const source = await openSplit(o.data, o.split, { height, width, require: 'attributes', limit: o.limit, cacheDir: o.cacheDir });
  const loader = evalLoader(source, config.normalization, o.batch ?? 32, true);
  try {
    const precision = evalPrecision(config, o);
    if (config.kind === 'joint') {
      const joint = buildModel('joint', { widthMult: config.recipe.widthMult, attributes: config.attributeNames.length, paperInit: false }) as JointModel;
      run.loadWeights(joint, o.weights ?? 'best');
      place(joint, o.device ?? 'cpu');
      const forward = new AttributeForward(joint.attributes, 'avg', null, source);
      const r = await predictAttributes(forward, loader);
      joint.dispose();
      return { config, probs: r.probs, labels: r.labels };
    }
    const method = config.method!;
    const net = buildAttributeModel(config);
    run.loadWeights(net, o.weights ?? 'best');
    place(net, o.device ?? 'cpu');
    const masks = NEEDS_PARSER.includes(method) ? loadFrozenParser(config.parserRun!, config.normalization, o.device) : null;
    prepareModel(net, precision);
    const forward = new AttributeForward(net, method, masks, source, precision);
    try {
      const r = await predictAttributes(forward, loader);
      const regions = method === 'ssp' ? await sspRegionStats(forward, loader, r.count) : undefined;
      return { config, probs: r.probs, labels: r.labels, regions };
    } finally {
      forward.dispose();
      net.dispose();
    }
  } finally {
    await loader.close();
  }
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
    parser = joint.parser; owner = joint;
  } else {
    parser = buildModel('parser', { widthMult: config.recipe.widthMult, paperInit: false }) as Parser;
    run.loadWeights(parser, o.weights ?? 'best');
    place(parser, o.device ?? 'cpu');
    owner = parser;
  }
  try {
    const precision = evalPrecision(config, o);
    prepareModel(parser, precision);
    return await evaluateParser(parser, { source, loader, coarse: coarseOf(source) }, 0, undefined, precision);
  } finally {
    owner.dispose();
    await loader.close();
  }
}

export async function evaluateRun(runPath: string, o: EvalOptions): Promise<RunEvaluation> {
  const config = new RunDir(runPath).readJson<RunConfig>('config.json');
  const out: RunEvaluation = { run: runPath, kind: config.kind, method: config.method, data: o.data, split: o.split, precision: evalPrecision(config, o) };
  if (config.kind !== 'parser') {
    const { probs, labels, regions } = await attributePredictions(runPath, o);
    out.attributes = attributeMetrics(probs, labels, config.attributeNames, { trainPrevalence: trainPrevalence(config.data.map((d) => d.dir), config.attributeNames) });
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
    if (config && p.config.attributeNames.join() !== config.attributeNames.join()) throw new Error(`--ensemble: ${r} predicts other attributes than ${runs[0]}`);
    config = p.config;
    labels = p.labels;
    sum = sum ? sum.map((v, i) => v + p.probs[i]!) : Float32Array.from(p.probs);
  }
  const probs = sum!.map((v) => v / runs.length);
  return {
    run: runs.join(','), kind: 'ensemble', method: runs.map((r) => new RunDir(r).readJson<RunConfig>('config.json').method).join('+'),
    data: o.data, split: o.split, attributes: attributeMetrics(probs, labels!, config!.attributeNames, { trainPrevalence: trainPrevalence(config!.data.map((d) => d.dir), config!.attributeNames) }),
  };
}


function localizationReport(stats: SSPRegionStats, attributeNames: readonly string[], dataDir: string): LocalizationReport {
  const r = stats.weights.length / attributeNames.length;
  const rows = (m: Float32Array): number[][] => attributeNames.map((_, a) => Array.from(m.subarray(a * r, (a + 1) * r)));
  const report: LocalizationReport = { regionWeights: rows(stats.weights), regionRecognitionAccuracy: rows(stats.recognitionAccuracy) };
  const drawn = drawnAttributes(dataDir);
  if (drawn) {
    report.drawn = { ...localizationHits(stats.weights, attributeNames, r, drawn), regions: Object.fromEntries([...drawn].map(([n, k]) => [n, REGION_NAMES[k]!])) };
  }
  return report;
}
