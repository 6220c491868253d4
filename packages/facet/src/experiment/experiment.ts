// `facet experiment`: the paper's study end to end on one data set. Trains the parser,
// then every attribute method on its masks, evaluates them and the SSP+SSG ensemble,
// trains the joint model with and without the attribute loss, draws the figures and
// writes report.md. Each run lives in OUT/runs/NAME; rerunning the command continues
// unfinished runs and skips finished ones.
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { prepareRun, type RunSettings } from '../train/setup.js';
import { train } from '../train/trainer.js';
import { RunDir } from '../runs/run_dir.js';
import type { Recipe, RunConfig } from '../runs/config.js';
import { METHODS, type AttributeMethod } from '../runs/methods.js';
import { AttributeForward } from '../runs/attribute_forward.js';
import { buildAttributeModel } from '../runs/attribute_model.js';
import { loadFrozenParser } from '../runs/frozen_parser.js';
import { evaluateEnsemble, evaluateRun, type RunEvaluation } from '../eval/evaluate_run.js';
import { sspRegionStats } from '../eval/ssp_region_stats.js';
import { drawnAttributeCheck, drawnAttributes, localizationHits, type DrawnCheck } from '../eval/drawn_attributes.js';
import { buildModel } from '../models/registry.js';
import type { Parser } from '../models/parser.js';
import { openSplit } from '../data/loader/split_source.js';
import { DataLoader } from '../data/loader/loader.js';
import { openDataset } from '../data/detect.js';
import { REGION_NAMES } from '../regions.js';
import { renderReport, type MethodResult, type ParsingResult } from '../eval/report.js';
import { lossCurves } from '../viz/loss_curves.js';
import { parseGrid } from '../viz/parse_grid.js';
import { regionWeightMap } from '../viz/region_weights.js';
import { activationComparison } from '../viz/activations.js';
import { parseExamples, strongestActivations } from './analysis.js';

export interface ExperimentOptions {
  data: string;
  parserData: string[];
  out: string;
  methods: AttributeMethod[];
  /** the attribute runs' recipe; parserRecipe / jointRecipe override it for those runs */
  recipe: Partial<Recipe>;
  parserRecipe: Partial<Recipe>;
  jointRecipe: Partial<Recipe>;
  parserClassBalance: boolean;
  evalLimit: number;
  cacheDir?: string;
  /** where the runs train and are evaluated (resolved: cpu, cuda, cuda:N); the figures are drawn on the CPU */
  device?: string;
  progress: 'bar' | 'json' | 'quiet';
  /** the command lines that reproduce the study, for the report */
  commands?: string[];
  log: (line: string) => void;
}

export interface ExperimentChecks {
  parserMeanIoU: number;
  parserIoUAtLeast80: boolean;
  drawn: DrawnCheck[] | null;
  localization: { share: number; hits: string[]; misses: string[] } | null;
  passed: boolean;
}

const LABEL: Record<AttributeMethod, string> = {
  avg: 'Avg. Pooling (basic)',
  spp: 'SPPNet*',
  naive: 'Naive',
  bbox: 'BBox',
  ssp: 'SSP',
  ssg: 'SSG',
};

async function trainOnce(settings: RunSettings, o: ExperimentOptions): Promise<void> {
  const run = new RunDir(settings.out);
  const state = run.readState();
  const target = settings.recipe.steps!;
  if (state && state.step >= target) {
    o.log(`${relative(o.out, settings.out)}: done (${state.step} steps)`);
    return;
  }
  o.log(`${relative(o.out, settings.out)}: training${state ? ` from step ${state.step}` : ''}`);
  const resume = existsSync(run.file('config.json'));
  const p = await prepareRun(settings, resume);
  try {
    await train(p.run, p.config, p.task, { resume, progress: o.progress });
  } finally {
    await p.task.close();
  }
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentChecks> {
  mkdirSync(join(o.out, 'figures'), { recursive: true });
  const runs = (name: string): string => join(o.out, 'runs', name);
  const base = { cacheDir: o.cacheDir, workers: 1, device: o.device } as const;
  const attrRecipe = { evalLimit: o.evalLimit, ...o.recipe };
  const commands = o.commands ?? [];

  // 1. The parser (frozen afterwards), on every parsing data set given.
  const parserRun = runs('parser');
  await trainOnce(
    { ...base, kind: 'parser', data: o.parserData, out: parserRun, recipe: { ...attrRecipe, ...o.parserRecipe, classBalance: o.parserClassBalance } },
    o,
  );

  // 2. Every attribute method.
  const dataset = openDataset(o.data, { checkFiles: false });
  const hasLandmarks = dataset.items('train').some((i) => i.landmarks);
  const methods = o.methods.filter((m) => !METHODS[m].needsLandmarks || hasLandmarks);
  for (const method of methods) {
    await trainOnce(
      { ...base, kind: 'attr', method, data: [o.data], out: runs(method), parserRun, gated: method === 'ssg' ? [3] : undefined, recipe: attrRecipe },
      o,
    );
  }
  // 3. The joint model with and without the attribute loss, everything else equal.
  for (const [name, weight] of [
    ['joint', 1],
    ['joint-no-attributes', 0],
  ] as const) {
    await trainOnce(
      {
        ...base,
        kind: 'joint',
        data: [o.data],
        parserData: [o.parserData[0]!],
        out: runs(name),
        attributeWeight: weight,
        recipe: { ...attrRecipe, ...o.jointRecipe },
      },
      o,
    );
  }

  // 4. Evaluation on the test split.
  o.log('evaluating on the test split');
  const evalOpts = { data: o.data, split: 'test' as const, cacheDir: o.cacheDir, device: o.device };
  const results = new Map<string, RunEvaluation>();
  for (const m of methods) results.set(m, await evaluateRun(runs(m), evalOpts));
  if (methods.includes('ssp') && methods.includes('ssg')) results.set('ssp+ssg', await evaluateEnsemble([runs('ssp'), runs('ssg')], evalOpts));
  const parserEvals = new Map<string, RunEvaluation>();
  for (const dir of o.parserData) {
    const split = openDataset(dir, { checkFiles: false }).splits.includes('test') ? 'test' : 'val';
    parserEvals.set(dir, await evaluateRun(parserRun, { data: dir, split, cacheDir: o.cacheDir, device: o.device }));
  }
  const joint = await evaluateRun(runs('joint'), evalOpts);
  const jointAlone = await evaluateRun(runs('joint-no-attributes'), evalOpts);

  // 5. Figures.
  o.log('drawing figures');
  const parserConfig = new RunDir(parserRun).readJson<RunConfig>('config.json');
  const { height, width } = parserConfig.recipe;
  const figures: Array<{ title: string; path: string; caption?: string }> = [];
  const testSource = await openSplit(o.data, 'test', { height, width, cacheDir: o.cacheDir, require: 'attributes' });
  const sspConfig = new RunDir(runs('ssp')).readJson<RunConfig>('config.json');
  const loaderFor = (config: RunConfig, batch: number): DataLoader =>
    new DataLoader({
      store: testSource.store,
      batchSize: batch,
      seed: 0,
      normalization: config.normalization,
      shuffle: false,
      workers: 0,
      attributes: testSource.items.map((i) => i.attributes ?? null),
    });
  const parser = buildModel('parser', { widthMult: parserConfig.recipe.widthMult, paperInit: false }) as Parser;
  new RunDir(parserRun).loadWeights(parser, 'best');
  const parseSource = await openSplit(o.parserData[0]!, 'test', { height, width, cacheDir: o.cacheDir, require: 'masks' }).catch(() => null);
  if (parseSource) {
    const l = new DataLoader({ store: parseSource.store, batchSize: 8, seed: 0, normalization: parserConfig.normalization, shuffle: false, workers: 0 });
    await parseGrid(await parseExamples(parser, parseSource, l, 8), join(o.out, 'figures', 'fig3_parses.png'), {
      title: 'Parses of test faces (photo | predicted | truth)',
    });
    await l.close();
    figures.push({ title: 'Figure 3: face parsing', path: 'figures/fig3_parses.png' });
  }
  parser.dispose();

  const attributeNames = sspConfig.attributeNames;
  const drawn = drawnAttributes(o.data);
  let regionWeights: Float32Array | null = null;
  if (methods.includes('ssp')) {
    const net = buildAttributeModel(sspConfig);
    new RunDir(runs('ssp')).loadWeights(net, 'best');
    const fwd = new AttributeForward(net, 'ssp', loadFrozenParser(parserRun, sspConfig.normalization), testSource);
    const l = loaderFor(sspConfig, 16);
    regionWeights = (await sspRegionStats(fwd, l, o.evalLimit || testSource.items.length)).weights;
    await regionWeightMap(regionWeights, attributeNames, REGION_NAMES, join(o.out, 'figures', 'fig4_region_weights.png'), {
      highlight: attributeNames.map((n) => drawn?.get(n) ?? null),
      title: 'SSP: region weights averaged over the test split',
    });
    figures.push({
      title: 'Figure 4: where each attribute lives (SSP region weights)',
      path: 'figures/fig4_region_weights.png',
      caption: drawn ? 'outlined: the region the synthetic generator draws the attribute in' : undefined,
    });
    if (methods.includes('avg')) {
      const avgConfig = new RunDir(runs('avg')).readJson<RunConfig>('config.json');
      const avgNet = buildAttributeModel(avgConfig);
      new RunDir(runs('avg')).loadWeights(avgNet, 'best');
      const avgFwd = new AttributeForward(avgNet, 'avg', null, testSource);
      const la = loaderFor(avgConfig, 4);
      const actAvg = await strongestActivations(avgFwd, la, 4, 3);
      const actSsp = await strongestActivations(fwd, l, 4, 3);
      const reader = (await import('../data/loader/store.js')).StoreReader;
      const r = new reader(testSource.store);
      const items = actAvg.map((maps, i) => ({
        rgb: r.read(i).slice(0, height * width * 3),
        width,
        height,
        maps: [maps, actSsp[i]!],
        caption: testSource.items[i]!.id,
      }));
      r.close();
      await activationComparison({ methods: ['Avg. Pooling', 'SSP'], items }, join(o.out, 'figures', 'fig5_activations.png'), {
        title: 'Strongest conv62 channels: avg pooling vs SSP',
      });
      figures.push({ title: 'Figure 5: strongest last-layer activations', path: 'figures/fig5_activations.png' });
      await la.close();
      avgFwd.dispose();
      avgNet.dispose();
    }
    await l.close();
    fwd.dispose();
    net.dispose();
  }
  const series = [
    ['parser', parserRun],
    ...methods.map((m) => [m, runs(m)]),
    ['joint', runs('joint')],
    ['joint-no-attributes', runs('joint-no-attributes')],
  ].map(([name, dir]) => ({
    name: name!,
    points: new RunDir(dir!)
      .readLog()
      .filter((e) => 'loss' in e)
      .map((e) => [e.step as number, e.loss as number] as [number, number]),
  }));
  await lossCurves(series, join(o.out, 'figures', 'loss_curves.png'), { logY: true, title: 'Training loss' });
  figures.push({ title: 'Loss curves', path: 'figures/loss_curves.png' });

  // 6. Checks and report.
  const mainParse = parserEvals.get(o.parserData[0]!)!;
  const drawnChecks = drawn ? [...results].map(([m, r]) => drawnAttributeCheck(m, r.attributes!, drawn)) : null;
  const localization = drawn && regionWeights ? localizationHits(regionWeights, attributeNames, REGION_NAMES.length, drawn) : null;
  const parserMeanIoU = mainParse.parsing!.meanIoU;
  const checks: ExperimentChecks = {
    parserMeanIoU,
    parserIoUAtLeast80: parserMeanIoU >= 0.8,
    drawn: drawnChecks,
    localization,
    passed: parserMeanIoU >= 0.8 && (drawnChecks?.every((c) => c.beatsMajority) ?? true) && (localization ? localization.share >= 0.8 : true),
  };
  const methodRows: MethodResult[] = [...results].map(([m, r]) => ({
    method: m === 'ssp+ssg' ? 'SSP+SSG' : LABEL[m as AttributeMethod],
    report: r.attributes!,
  }));
  const parsingRows: ParsingResult[] = [
    { label: 'Parser alone (the frozen parser run)', iou: mainParse.parsing!.iou },
    { label: 'Joint model, parsing loss only', iou: jointAlone.parsing!.iou },
    { label: 'Joint model, parsing + attribute loss', iou: joint.parsing!.iou },
  ];
  const notes: string[] = [];
  for (const [dir, e] of parserEvals)
    if (dir !== o.parserData[0]) {
      notes.push(
        `Parser on ${dir} [${e.split}]: mean IoU ${(100 * e.parsing!.meanIoU).toFixed(2)} % (${e.parsing!.classNames.map((n, i) => `${n} ${e.parsing!.perClass[i] === null ? '—' : (100 * e.parsing!.perClass[i]!).toFixed(2)}`).join(', ')})`,
      );
    }
  notes.push(`Checks: parser mean IoU ${(100 * parserMeanIoU).toFixed(2)} % (≥ 80 %: ${checks.parserIoUAtLeast80 ? 'yes' : 'NO'})`);
  if (drawnChecks)
    for (const c of drawnChecks)
      notes.push(
        `Drawn attributes, ${c.method}: mean error ${(100 * c.meanError).toFixed(2)} % vs majority class ${(100 * c.majorityError).toFixed(2)} % (${c.beatsMajority ? 'beats it' : 'DOES NOT beat it'})`,
      );
  if (localization)
    notes.push(
      `SSP localization: ${localization.hits.length}/${localization.hits.length + localization.misses.length} drawn attributes (${(100 * localization.share).toFixed(1)} %) have their largest averaged weight in the region they are drawn in; misses: ${localization.misses.join(', ') || 'none'}`,
    );
  const budgets: Record<string, string | number> = {
    'attribute steps': String(attrRecipe.steps),
    'parser steps': String(o.parserRecipe.steps ?? attrRecipe.steps),
    'joint steps': String(o.jointRecipe.steps ?? attrRecipe.steps),
    batch: String(attrRecipe.batch ?? ''),
    input: `${height}×${width}`,
    'width multiplier': String(attrRecipe.widthMult),
    optimizer: `${attrRecipe.optimizer ?? 'adagrad'} lr ${attrRecipe.lr ?? 1e-3}`,
  };
  const md = renderReport({
    title: 'facet experiment',
    dataset: `${o.data} (test split, ${testSource.items.length} images)`,
    methods: methodRows,
    parsing: parsingRows,
    parsingDataset: `${o.parserData[0]} (test split)`,
    figures,
    budgets,
    seeds: { seed: attrRecipe.seed ?? 0 },
    regionWeights: regionWeights
      ? {
          attributeNames,
          regionNames: [...REGION_NAMES],
          weights: regionWeights,
          expected: attributeNames.map((n) => drawn?.get(n) ?? null),
          source: 'SSP on the test split',
        }
      : undefined,
    commands,
    notes,
    generated: new Date().toISOString(),
  });
  writeFileAtomic(join(o.out, 'report.md'), new TextEncoder().encode(md));
  writeFileAtomic(
    join(o.out, 'results.json'),
    new TextEncoder().encode(
      `${JSON.stringify({ checks, results: Object.fromEntries(results), parsing: Object.fromEntries(parserEvals), joint, jointAlone }, null, 2)}\n`,
    ),
  );
  return checks;
}
