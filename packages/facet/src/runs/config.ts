// Every setting of a run, written to config.json before the first step: what a
// resume, an evaluation or a predictor needs to rebuild exactly this model.
import { execSync } from 'node:child_process';
import { FACET_VERSION } from '../version.js';
import type { Normalization } from '../data/loader/normalization.js';
import type { SSPFeatureLayer } from '../models/names.js';
import { FIT_RULE, type FitRule } from '../model_io/fit.js';
import type { Precision } from '../models/precision.js';
import type { Jitter } from '../data/loader/jitter.js';
import type { AttributeMethod } from './methods.js';

export type RunKind = 'parser' | 'attr' | 'joint';

/** Spec §8's recipe: every value a flag. */
export type OptimizerName = 'adagrad' | 'adam' | 'adamw' | 'sgd';
export const OPTIMIZERS: readonly OptimizerName[] = ['adagrad', 'adam', 'adamw', 'sgd'];

/** The rate over a run (train/lr_schedule.ts computes it): the paper's constant, or a cosine decay to zero. */
export type LrSchedule = 'constant' | 'cosine';
export const LR_SCHEDULES: readonly LrSchedule[] = ['constant', 'cosine'];

export interface Recipe {
  /** the paper's AdaGrad by default; Adam, AdamW and SGD (momentum 0.9) for shorter budgets */
  optimizer: OptimizerName;
  steps: number;
  batch: number;
  lr: number;
  /** the rate over the run (train/lr_schedule.ts); runs from before it: constant */
  lrSchedule?: LrSchedule;
  /** steps of linear warm-up from lr/warmupSteps to lr */
  warmupSteps?: number;
  weightDecay: number;
  /** Adagrad's initial accumulator and eps (torch defaults) */
  initialAccumulator: number;
  eps: number;
  flip: boolean;
  /** random scale / shift / rotation of training images (data/loader/jitter.ts); absent: none */
  jitter?: Jitter;
  seed: number;
  height: number;
  width: number;
  widthMult: number;
  checkpointEvery: number;
  evalEvery: number;
  logEvery: number;
  /** weighted BCE with pos_weight = negatives/positives per attribute */
  balanced: boolean;
  /** parser: weight the fine loss by median-frequency balancing */
  classBalance: boolean;
  /**
   * parser: the weight of each coarse source's loss (LFW Part Labels' hair / skin /
   * background) against a fine source's 1; runs from before it: 1
   */
  coarseWeight?: number;
  /** SSP: steps during which the region weights stay uniform (0: none, the paper's recipe) */
  locWarmup: number;
  /**
   * SSP: weight of an extra loss, each region's recognition score s_rec[r] alone against
   * the labels (0: none, the paper's recipe)
   */
  regionLoss: number;
  /** items of the validation split scored at each evaluation (0: all) */
  evalLimit: number;
  threads: number;
  /** fp32, or bf16 (models/precision.ts); runs from before it: fp32 */
  precision?: Precision;
}

export const DEFAULT_RECIPE: Recipe = {
  optimizer: 'adagrad',
  steps: 40_000,
  batch: 32,
  lr: 1e-3,
  lrSchedule: 'constant',
  warmupSteps: 0,
  weightDecay: 5e-4,
  initialAccumulator: 0,
  eps: 1e-10,
  flip: true,
  seed: 0,
  height: 218,
  width: 178,
  widthMult: 1,
  checkpointEvery: 500,
  evalEvery: 1000,
  logEvery: 1,
  balanced: false,
  classBalance: false,
  locWarmup: 0,
  regionLoss: 0,
  evalLimit: 0,
  threads: 2,
  precision: 'fp32',
};

export interface DataRef {
  dir: string;
  format?: string;
}

export interface RunConfig {
  kind: RunKind;
  method?: AttributeMethod;
  /** SSG: gated encoder blocks */
  gated?: number[];
  /** SSP: the pooled layer when not the spec's conv62 (models/attribute_net.ts) */
  sspFeatures?: SSPFeatureLayer;
  recipe: Recipe;
  data: DataRef[];
  /** attr runs that need masks: the frozen parser's run directory */
  parserRun?: string;
  /** joint runs: the parsing data */
  parserData?: string[];
  /** joint runs: weight of the attribute loss (0: parsing alone) */
  attributeWeight?: number;
  attributeNames: string[];
  regionNames: string[];
  normalization: Normalization;
  /** how images were brought to the input size (model_io/fit.ts); absent: stretched (before 0.2) */
  fit?: FitRule;
  /** warm start: the run whose shared weights (names and shapes) initialised this one */
  initFrom?: { run: string; weights: 'best'; loaded: number; of: number };
  /** parser runs with classBalance: each coarse source's class weights, by its label set's name list */
  coarseClassWeights?: Record<string, number[]>;
  /** parser runs with classBalance: the class weights used */
  classWeights?: number[];
  /** balanced runs: the pos_weight used */
  posWeight?: number[];
  /** the device it last trained on (--device; absent: cpu) */
  device?: string;
  facetVersion: string;
  gitCommit: string | null;
  createdAt: string;
}

export function gitCommit(): string | null {
  try {
    return execSync('git rev-parse HEAD', { stdio: ['ignore', 'pipe', 'ignore'], cwd: new URL('.', import.meta.url).pathname })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

export function versionStamp(): Pick<RunConfig, 'facetVersion' | 'gitCommit' | 'createdAt' | 'fit'> {
  return { facetVersion: FACET_VERSION, gitCommit: gitCommit(), createdAt: new Date().toISOString(), fit: FIT_RULE };
}
