// A trained run's attribute probabilities on a split of a data set, as `facet eval`
// computes them: an attr run's network with its frozen parser where the method needs
// one, or a joint run's attribute branch, over the split in order.
import type { JointModel } from '../models/joint.js';
import type { Precision } from '../models/precision.js';
import type { ParseSettings } from '../models/region_masks.js';
import { prepareModel } from '../models/mixed_precision.js';
import { buildModel } from '../models/registry.js';
import { DataLoader } from '../data/loader/loader.js';
import type { Normalization } from '../data/loader/normalization.js';
import { openSplit, type SplitSource } from '../data/loader/split_source.js';
import type { Split } from '../data/types.js';
import { RunDir } from './run_dir.js';
import type { RunConfig } from './config.js';
import { METHODS } from './methods.js';
import { AttributeForward, predictAttributes } from './attribute_forward.js';
import { buildAttributeModel } from './attribute_model.js';
import { loadFrozenParser } from './frozen_parser.js';
import { place } from './device.js';

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
  /** how the parse scored by IoU is made; default: a run's plain parse, a bundle's own settings (bundle.json) */
  parse?: ParseSettings;
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
    store: source.store,
    batchSize: batch,
    seed: 0,
    normalization,
    flip: false,
    shuffle: false,
    workers: 0,
    attributes: withAttributes ? source.items.map((i) => i.attributes ?? null) : undefined,
  });
}

/** A run's attribute network, loaded and ready on a split's loader. */
export interface AttributeRun {
  config: RunConfig;
  forward: AttributeForward;
  loader: DataLoader;
}

/** Loads an attr or joint run's attribute network for the split, runs `use`, then frees the network and the loader. */
export async function withAttributeRun<T>(runPath: string, o: EvalOptions, use: (r: AttributeRun) => Promise<T>): Promise<T> {
  const run = new RunDir(runPath);
  const config = run.readJson<RunConfig>('config.json');
  const { height, width } = config.recipe;
  const source = await openSplit(o.data, o.split, { height, width, require: 'attributes', limit: o.limit, cacheDir: o.cacheDir });
  const loader = evalLoader(source, config.normalization, o.batch ?? 32, true);
  try {
    const precision = evalPrecision(config, o);
    if (config.kind === 'joint') {
      const joint = buildModel('joint', { widthMult: config.recipe.widthMult, attributes: config.attributeNames.length, paperInit: false }) as JointModel;
      try {
        run.loadWeights(joint, o.weights ?? 'best');
        place(joint, o.device ?? 'cpu');
        return await use({ config, forward: new AttributeForward(joint.attributes, 'avg', null, source), loader });
      } finally {
        joint.dispose();
      }
    }
    const method = config.method!;
    const net = buildAttributeModel(config);
    run.loadWeights(net, o.weights ?? 'best');
    place(net, o.device ?? 'cpu');
    const masks = METHODS[method].needsParser ? loadFrozenParser(config.parserRun!, config.normalization, o.device) : null;
    prepareModel(net, precision);
    const forward = new AttributeForward(net, method, masks, source, precision);
    try {
      return await use({ config, forward, loader });
    } finally {
      forward.dispose();
      net.dispose();
    }
  } finally {
    await loader.close();
  }
}

export interface Predictions {
  config: RunConfig;
  probs: Float32Array;
  labels: Uint8Array;
  /** items predicted */
  count: number;
}

/** A run's probabilities (and the labels) on a split, as its evaluation computes them. */
export function attributePredictions(runPath: string, o: EvalOptions): Promise<Predictions> {
  return withAttributeRun(runPath, o, async ({ config, forward, loader }) => ({ config, ...(await predictAttributes(forward, loader)) }));
}
