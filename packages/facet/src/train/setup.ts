// From command-line settings to a run directory, its config.json and the task to train.
import { existsSync } from 'node:fs';
import { manualSeed, setNumThreads, type nn } from '@facet/torch';
import { buildModel } from '../models/registry.js';
import { Parser } from '../models/parser.js';
import { JointModel } from '../models/joint.js';
import { openSplit, openSplits, type SplitSource } from '../data/loader/split_source.js';
import { DataLoader } from '../data/loader/loader.js';
import { labelHistogram, medianFrequencyWeights } from '../data/loader/store.js';
import type { DatasetFormat } from '../data/types.js';
import type { Shard } from '../data/loader/sampler.js';
import { openDataset } from '../data/detect.js';
import { REGION_NAMES } from '../regions.js';
import { RunDir } from '../runs/run_dir.js';
import { checkRecipe, checkSavedConfig } from './recipe_check.js';
import { DEFAULT_RECIPE, versionStamp, type Recipe, type RunConfig, type RunKind } from '../runs/config.js';
import { METHODS, type AttributeMethod } from '../runs/methods.js';
import type { TrainingTask } from './task.js';
import { place, resolveDevice } from '../runs/device.js';
import { prepareModel } from '../models/mixed_precision.js';
import { AttributeTask, positiveWeights } from './tasks/attribute_task.js';
import { AttributeForward } from '../runs/attribute_forward.js';
import { buildAttributeModel } from '../runs/attribute_model.js';
import { loadFrozenParser } from '../runs/frozen_parser.js';
import type { SSPFeatureLayer } from '../models/names.js';
import { ParserTask } from './tasks/parser_task.js';
import { coarseOf, type ParseSource } from '../runs/parser_evaluation.js';
import { JointTask } from './tasks/joint_task.js';

export interface RunSettings {
  kind: RunKind;
  method?: AttributeMethod;
  gated?: number[];
  /** SSP: the pooled layer (default conv62, the spec) */
  sspFeatures?: SSPFeatureLayer;
  /** data directories, all trained on: attr/joint as one attribute set, parser as one source per kind of mask labels */
  data: string[];
  /** joint: the parsing data */
  parserData?: string[];
  format?: DatasetFormat;
  parserRun?: string;
  out: string;
  recipe: Partial<Recipe>;
  /** joint: weight of the attribute loss (0 = parsing alone) */
  attributeWeight?: number;
  cacheDir?: string;
  /** attr: start from the weights this run shares with another (its best checkpoint) */
  initFrom?: string;
  /** training items used (0: all) — for quick runs */
  trainLimit?: number;
  workers?: number;
  /** data-parallel training: this process's rank (reads its slice of each batch; only rank 0 writes) */
  shard?: Shard;
  /** intra-op threads of this process, when not the recipe's (a rank of --nproc N: threads / N) */
  threads?: number;
  /** where the model, batches and optimizer state live (default cpu); a resumed run may change it */
  device?: string;
}

export interface PreparedRun {
  run: RunDir;
  config: RunConfig;
  task: TrainingTask;
}

// starts a new run from another run's weights where names and shapes match (a basic
// net's trunk for SSP, or a parser fine-tuned on other data)
function initFrom(net: nn.Module, from: string, config: RunConfig): void {
  const { loaded, of } = new RunDir(from).loadSharedWeights(net, 'best');
  config.initFrom = { run: from, weights: 'best', loaded, of };
}

function readSavedConfig(run: RunDir): RunConfig {
  if (!run.exists('config.json')) throw new Error(`--resume ${run.path}: no config.json there`);
  return checkSavedConfig(run.readJson<unknown>('config.json'), run.file('config.json'));
}

/**
 * A resumed run's recipe: its own, with --steps extending it (never shortening it: the
 * run would silently go on to its old end) and --threads, if given, for this machine.
 */
function resumedRecipe(run: RunDir, saved: Recipe, given: Partial<Recipe>): Recipe {
  const steps = given.steps;
  if (steps !== undefined && steps < saved.steps) {
    const done = run.readState()?.step ?? 0;
    throw new Error(
      `--resume ${run.path} --steps ${steps}: the run is set to ${saved.steps} steps (${done} done); ` +
        `--steps can only extend a resumed run (give more than ${saved.steps}, or leave it out to finish at ${saved.steps})`,
    );
  }
  return checkRecipe({ ...saved, steps: steps ?? saved.steps, threads: given.threads ?? saved.threads }, run.file('config.json'));
}

function loader(source: SplitSource, config: RunConfig, training: boolean, workers: number, withAttributes: boolean, shard?: Shard): DataLoader {
  return new DataLoader({
    ...(training && shard ? { shard } : {}),
    store: source.store,
    batchSize: config.recipe.batch,
    seed: config.recipe.seed,
    normalization: config.normalization,
    flip: training && config.recipe.flip,
    ...(training && config.recipe.jitter ? { jitter: config.recipe.jitter } : {}),
    shuffle: training,
    workers: training ? workers : 0,
    attributes: withAttributes ? source.items.map((i) => i.attributes ?? null) : undefined,
  });
}

/** The val splits of the folders that have one, as one source (null: none has). */
async function optionalSplit(dirs: readonly string[], settings: RunSettings, recipe: Recipe, require: 'attributes' | 'masks'): Promise<SplitSource | null> {
  try {
    return await openSplits(dirs, 'val', {
      height: recipe.height,
      width: recipe.width,
      format: settings.format,
      cacheDir: settings.cacheDir,
      require,
      limit: recipe.evalLimit,
    });
  } catch (e) {
    if (/has no items/.test((e as Error).message)) return null;
    throw e;
  }
}

/**
 * Parser data folders grouped by the labels their masks carry (the 7 regions, or one
 * coarse label set), in the order first seen: each group is one source, one batch per
 * step, so two folders of the same kind weigh as one data set rather than two.
 */
function groupByLabels(dirs: readonly string[], format: DatasetFormat | undefined): string[][] {
  const groups = new Map<string, string[]>();
  for (const dir of dirs) {
    const d = openDataset(dir, { checkFiles: false, ...(format ? { format } : {}) });
    const key = d.maskKind === 'coarse' ? `coarse:${d.coarseLabels?.names.join(',')}` : d.maskKind;
    groups.set(key, [...(groups.get(key) ?? []), dir]);
  }
  return [...groups.values()];
}

/** A new run (settings) or the continuation of one (resume: its own config.json). */
export async function prepareRun(settings: RunSettings, resume = false): Promise<PreparedRun> {
  // refused (no CUDA in this libtorch) before anything is read or written
  const device = resolveDevice(settings.device);
  const run = new RunDir(settings.out);
  // A resumed run is rebuilt from its own config.json; a new one from the settings.
  const saved: RunConfig | null = resume ? readSavedConfig(run) : null;
  if (saved) {
    settings = {
      ...settings,
      kind: saved.kind,
      method: saved.method,
      gated: saved.gated,
      sspFeatures: saved.sspFeatures,
      data: saved.data.map((d) => d.dir),
      parserRun: saved.parserRun,
      parserData: saved.parserData,
    };
  } else if (existsSync(run.file('state.json'))) {
    throw new Error(`${settings.out} already holds a run; pass --resume ${settings.out} to continue it, or choose another --out`);
  }
  const notSSP = settings.kind !== 'attr' || settings.method !== 'ssp';
  if (!saved && notSSP && settings.sspFeatures && settings.sspFeatures !== 'conv62') throw new Error('--ssp-features applies to --method ssp only');
  if (!saved && notSSP && (settings.recipe.regionLoss ?? 0) !== 0) throw new Error('--region-loss applies to --method ssp only');
  if (!saved && settings.initFrom && settings.kind === 'joint') throw new Error('--init-from applies to attr and parser runs only');
  let config: RunConfig;
  // A resumed run keeps its recipe; only its length may grow (--resume RUN --steps N).
  const recipe: Recipe = saved
    ? resumedRecipe(run, saved.recipe, settings.recipe)
    : checkRecipe({ ...DEFAULT_RECIPE, ...settings.recipe }, 'train settings', '');
  if (saved) saved.recipe = recipe;
  // the device this run trains on now: a checkpoint (CPU tensors) resumes on any device
  if (saved) saved.device = device;
  setNumThreads(settings.threads ?? recipe.threads);
  manualSeed(recipe.seed);
  const trainOptions = (require: 'attributes' | 'masks') => ({
    height: recipe.height,
    width: recipe.width,
    format: settings.format,
    cacheDir: settings.cacheDir,
    require,
    limit: settings.trainLimit,
  });
  const open = (dir: string, require: 'attributes' | 'masks') => openSplit(dir, 'train', trainOptions(require));
  const workers = settings.workers ?? 1;
  const shard = settings.shard;
  // a data-parallel rank other than 0 reads the run but never writes it
  const writeConfig = (c: RunConfig): void => {
    if ((shard?.rank ?? 0) === 0) run.writeJson('config.json', c);
  };
  const base = (attributeNames: string[], source: SplitSource): RunConfig =>
    saved ?? {
      kind: settings.kind,
      method: settings.method,
      gated: settings.gated,
      recipe,
      ...(settings.sspFeatures && settings.sspFeatures !== 'conv62' ? { sspFeatures: settings.sspFeatures } : {}),
      data: settings.data.map((dir) => ({ dir, format: settings.format })),
      parserRun: settings.parserRun,
      attributeNames,
      regionNames: [...REGION_NAMES],
      normalization: source.header.normalization,
      device,
      ...versionStamp(),
    };

  if (settings.kind === 'parser') {
    const sources = await Promise.all(groupByLabels(settings.data, settings.format).map((dirs) => openSplits(dirs, 'train', trainOptions('masks'))));
    config = base([], sources[0]!);
    const fine = sources.find((s) => s.dataset.maskKind === 'regions');
    if (!saved && recipe.classBalance && fine) config.classWeights = medianFrequencyWeights(labelHistogram(fine.store, REGION_NAMES.length));
    // coarse sources are balanced over their own classes (FaceMesh's eyes and brows are ~1 % of a face)
    if (!saved && recipe.classBalance) {
      for (const s of sources) {
        const set = coarseOf(s);
        if (set) (config.coarseClassWeights ??= {})[set.names.join(',')] = medianFrequencyWeights(labelHistogram(s.store, set.names.length));
      }
    }
    const train: ParseSource[] = sources.map((s) => ({ source: s, loader: loader(s, config, true, workers, false, shard), coarse: coarseOf(s) }));
    // the first folder's val split scores a parser (LFW Part Labels' is the real-face benchmark)
    const valSource = await optionalSplit(settings.data.slice(0, 1), settings, recipe, 'masks');
    const val = valSource ? { source: valSource, loader: loader(valSource, config, false, 0, false), coarse: coarseOf(valSource) } : null;
    const model = buildModel('parser', { widthMult: recipe.widthMult }) as Parser;
    if (!saved && settings.initFrom) initFrom(model, settings.initFrom, config);
    place(model, device);
    prepareModel(model, recipe.precision ?? 'fp32');
    writeConfig(config);
    return { run, config, task: new ParserTask(config, model, train, val) };
  }

  const source = await openSplits(settings.data, 'train', trainOptions('attributes'));
  config = base([...source.dataset.attributeNames], source);
  if (!saved && recipe.balanced) config.posWeight = positiveWeights(source);
  const valSource = await optionalSplit(settings.data, settings, recipe, 'attributes');

  if (settings.kind === 'joint') {
    if ((recipe.precision ?? 'fp32') !== 'fp32')
      throw new Error(`train joint: --precision ${recipe.precision} is not supported (fp32 only); bf16 trains attr and parser runs`);
    const parseDir = settings.parserData?.[0] ?? settings.data[0]!;
    const parseSource = await open(parseDir, 'masks');
    const parsing: ParseSource = { source: parseSource, loader: loader(parseSource, config, true, workers, false, shard), coarse: coarseOf(parseSource) };
    const parseVal = await optionalSplit([parseDir], settings, recipe, 'masks');
    const val = parseVal ? { source: parseVal, loader: loader(parseVal, config, false, 0, false), coarse: coarseOf(parseVal) } : null;
    if (!saved) {
      config.parserData = [parseDir];
      config.attributeWeight = settings.attributeWeight ?? 1;
    }
    const weight = config.attributeWeight ?? 1;
    const model = place(buildModel('joint', { widthMult: recipe.widthMult, attributes: config.attributeNames.length }) as JointModel, device);
    writeConfig(config);
    return { run, config, task: new JointTask(config, model, loader(source, config, true, workers, true, shard), parsing, val, weight) };
  }

  const method = settings.method ?? 'avg';
  if (METHODS[method].needsParser && !settings.parserRun) throw new Error(`--method ${method} needs --parser RUN (a trained parser run)`);
  const masks = METHODS[method].needsParser ? loadFrozenParser(settings.parserRun!, config.normalization, device) : null;
  const net = buildAttributeModel(config);
  if (!saved && settings.initFrom) initFrom(net, settings.initFrom, config);
  place(net, device);
  const precision = recipe.precision ?? 'fp32';
  prepareModel(net, precision);
  const forward = new AttributeForward(net, method, masks, source, precision);
  const val = valSource ? { loader: loader(valSource, config, false, 0, true), forward: new AttributeForward(net, method, masks, valSource, precision) } : null;
  writeConfig(config);
  return { run, config, task: new AttributeTask(config, forward, loader(source, config, true, workers, true, shard), val) };
}
