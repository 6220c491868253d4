// `facet train parser|attr|joint`: spec §8's recipe by default, every value a flag.
import type { Command } from 'commander';
import { int, oneOf, positiveNumber, threads } from '../options.js';
import type { RunSettings } from '../../train/setup.js';
import { DEFAULT_RECIPE, LR_SCHEDULES, OPTIMIZERS, type LrSchedule, type OptimizerName, type RunKind } from '../../runs/config.js';
import { METHOD_NAMES, type AttributeMethod } from '../../runs/methods.js';
import { SSP_FEATURE_LAYERS, type SSPFeatureLayer } from '../../models/names.js';
import { DATASET_FORMATS } from '../../data/types.js';
import { DEVICE_HELP, parseDeviceOption } from '../device_option.js';
import { PRECISIONS, PRECISION_HELP, type Precision } from '../../models/precision.js';
import type { Jitter } from '../../data/loader/jitter.js';

/** Repeated and comma-separated folders alike: --data a,b --data c → [a, b, c]. */
function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d.length > 0),
  ];
}

function addRecipeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data <dir>',
      'data folder(s), comma-separated or repeated, each of any image size and its own detected format; attr/joint train on all of them, validate on their val splits',
      collect,
    )
    .option('--format <name>', 'data format when detection is not wanted', oneOf('--format', DATASET_FORMATS))
    .option('--out <dir>', 'run directory to create')
    .option('--resume <dir>', 'continue the run in this directory exactly where its last checkpoint left off (with --steps: up to that many steps)')
    .option('--steps <n>', 'optimizer steps (paper: 40K attributes, 75K parser)', int('--steps', 1))
    .option('--batch <n>', 'mini-batch size (paper: 32)', int('--batch', 1))
    .option('--seed <n>', 'seed of the data order, flips and init', int('--seed'))
    .option('--height <n>', 'input height', int('--height', 8))
    .option('--width <n>', 'input width', int('--width', 8))
    .option('--width-mult <x>', 'channel width multiplier (1.0 = paper, 0.25 = small preset)', positiveNumber('--width-mult'))
    .option('--optimizer <name>', 'adagrad (paper) | adam | adamw | sgd', oneOf('--optimizer', OPTIMIZERS))
    .option('--lr <x>', 'learning rate (paper: AdaGrad 1e-3)', positiveNumber('--lr'))
    .option('--lr-schedule <name>', 'constant (paper) | cosine (decays to 0 at the last step)', oneOf('--lr-schedule', LR_SCHEDULES))
    .option('--warmup-steps <n>', 'linear learning-rate warm-up over the first steps (default 0)', int('--warmup-steps'))
    .option('--weight-decay <x>', 'weight decay (paper: 5e-4)', Number)
    .option('--no-flip', 'no random horizontal flips')
    .option(
      '--scale-jitter <x>',
      'random zoom of each training image (and mask) by a factor in [1/(1+x), 1+x] (default 0)',
      positiveNumber('--scale-jitter', true),
    )
    .option('--shift-jitter <x>', 'random shift of each training image by up to x of its width / height (default 0)', positiveNumber('--shift-jitter', true))
    .option(
      '--rotate-jitter <degrees>',
      'random rotation of each training image by up to this many degrees (default 0)',
      positiveNumber('--rotate-jitter', true),
    )
    .option('--checkpoint-every <n>', 'steps between checkpoints', int('--checkpoint-every', 1))
    .option('--eval-every <n>', 'steps between validations', int('--eval-every', 1))
    .option('--eval-limit <n>', 'validation items scored (0: all)', int('--eval-limit'))
    .option('--train-limit <n>', 'training items used (0: all)', int('--train-limit'))
    .option('--threads <n>', 'intra-op threads', threads('--threads'))
    .option('--precision <p>', PRECISION_HELP, oneOf('--precision', PRECISIONS))
    .option('--workers <n>', 'loader worker threads', int('--workers'))
    .option('--cache-dir <dir>', 'where decoded images are cached (default $FACET_CACHE or ~/.cache/facet)')
    .option(
      '--nproc <n>',
      'data-parallel: start N ranks as local processes (the threads split between them; --batch stays the global batch)',
      int('--nproc', 1),
    )
    .option('--world-size <n>', 'data-parallel over machines: the number of ranks (or $WORLD_SIZE)', int('--world-size', 1))
    .option('--rank <r>', "data-parallel over machines: this process's rank, 0 … world size − 1 (or $RANK); rank 0 writes the run", int('--rank'))
    .option('--master <host:port>', 'data-parallel over machines: where rank 0 serves the rendezvous (or $MASTER_ADDR:$MASTER_PORT)')
    .option(
      '--dist-timeout <seconds>',
      'data-parallel: how long a rank waits for the others (rendezvous, each collective) before failing (default 1800)',
      positiveNumber('--dist-timeout'),
    )
    .option('--device <d>', DEVICE_HELP, parseDeviceOption)
    .option('--cudnn-benchmark', 'CUDA: let cuDNN time convolution algorithms per shape and keep the fastest (faster, not bit-reproducible)')
    .option('--deterministic', 'deterministic algorithms only (libtorch fails on an op that has none); on CUDA also deterministic cuDNN')
    .option('--json', 'machine-readable progress lines instead of a progress bar')
    .option('--quiet', 'no progress output');
}

interface TrainFlags {
  data?: string[];
  format?: RunSettings['format'];
  out?: string;
  resume?: string;
  steps?: number;
  batch?: number;
  seed?: number;
  height?: number;
  width?: number;
  widthMult?: number;
  lr?: number;
  weightDecay?: number;
  flip: boolean;
  checkpointEvery?: number;
  evalEvery?: number;
  evalLimit?: number;
  trainLimit?: number;
  threads?: number;
  workers?: number;
  precision?: Precision;
  optimizer?: OptimizerName;
  lrSchedule?: LrSchedule;
  warmupSteps?: number;
  cacheDir?: string;
  json?: boolean;
  quiet?: boolean;
  method?: AttributeMethod;
  parser?: string;
  parserData?: string[];
  device?: string;
  cudnnBenchmark?: boolean;
  deterministic?: boolean;
  nproc?: number;
  worldSize?: number;
  rank?: number;
  master?: string;
  distTimeout?: number;
  balanced?: boolean;
  classBalance?: boolean;
  coarseWeight?: number;
  scaleJitter?: number;
  shiftJitter?: number;
  rotateJitter?: number;
  locWarmup?: number;
  regionLoss?: number;
  sspFeatures?: SSPFeatureLayer;
  gated?: string;
  attributeWeight?: number;
  initFrom?: string;
}

/** The three jitter flags as one recipe field (absent when none is given). */
function jitterOf(f: TrainFlags): Jitter | undefined {
  if (f.scaleJitter === undefined && f.shiftJitter === undefined && f.rotateJitter === undefined) return undefined;
  return { scale: f.scaleJitter ?? 0, shift: f.shiftJitter ?? 0, rotate: f.rotateJitter ?? 0 };
}

async function run(kind: RunKind, f: TrainFlags): Promise<void> {
  const out = f.resume ?? f.out;
  if (!out) throw new Error('train: give --out RUN (or --resume RUN)');
  if (!f.resume && !f.data?.length) throw new Error('train: give --data DIR');
  // before any data is read or anything written: a CUDA request this libtorch cannot serve fails here
  const { resolveDevice, applyKernelChoice } = await import('../../runs/device.js');
  const device = resolveDevice(f.device);
  applyKernelChoice({ cudnnBenchmark: f.cudnnBenchmark, deterministic: f.deterministic });
  const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const settings: RunSettings = {
    kind,
    method: f.method,
    data: f.data ?? [],
    parserData: f.parserData,
    format: f.format,
    parserRun: f.parser,
    out,
    gated: f.gated ? f.gated.split(',').map((b) => Number(b)) : kind === 'attr' && f.method === 'ssg' ? [3] : undefined,
    sspFeatures: f.sspFeatures,
    attributeWeight: f.attributeWeight,
    initFrom: f.initFrom,
    cacheDir: f.cacheDir,
    trainLimit: f.trainLimit,
    workers: f.workers,
    device,
    recipe: defined({
      optimizer: f.optimizer,
      lrSchedule: f.lrSchedule,
      warmupSteps: f.warmupSteps,
      steps: f.steps,
      batch: f.batch,
      seed: f.seed,
      height: f.height,
      width: f.width,
      widthMult: f.widthMult,
      lr: f.lr,
      weightDecay: f.weightDecay,
      flip: f.flip === false ? false : undefined,
      jitter: jitterOf(f),
      checkpointEvery: f.checkpointEvery,
      evalEvery: f.evalEvery,
      evalLimit: f.evalLimit,
      threads: f.threads,
      balanced: f.balanced,
      classBalance: f.classBalance,
      coarseWeight: f.coarseWeight,
      locWarmup: f.locWarmup,
      regionLoss: f.regionLoss,
      precision: f.precision,
    }),
  };
  if (f.precision === 'bf16' && !f.quiet) {
    const note = (await import('../../models/bf16_hardware.js')).bf16Note();
    if (note) console.error(note);
  }
  const { resolveWorld, joinWorld } = await import('../../train/world.js');
  if (device !== 'cpu' && ((f.nproc ?? 1) > 1 || resolveWorld(f))) {
    throw new Error(`--device ${device}: data-parallel training runs on the CPU only (its process group is Gloo's)`);
  }
  if (f.nproc !== undefined && f.nproc > 1) {
    if (f.worldSize !== undefined || f.rank !== undefined || f.master !== undefined || process.env.WORLD_SIZE !== undefined) {
      throw new Error('--nproc starts its own ranks: not with --world-size/--rank/--master or $WORLD_SIZE');
    }
    const { launchLocal, withoutNproc } = await import('../../train/launch.js');
    process.exitCode = await launchLocal({
      nproc: f.nproc,
      threads: f.threads ?? DEFAULT_RECIPE.threads,
      argv: [process.argv[1]!, ...withoutNproc(process.argv.slice(2))],
    });
    return;
  }
  const world = resolveWorld(f);
  const { prepareRun } = await import('../../train/setup.js');
  const { train } = await import('../../train/trainer.js');
  const group = world ? await joinWorld(world) : null;
  try {
    if (world) {
      settings.shard = { rank: world.rank, worldSize: world.worldSize };
      // a rank of --nproc N: the launcher's share of the threads
      const split = Number(process.env.FACET_RANK_THREADS);
      if (Number.isInteger(split) && split > 0) settings.threads = split;
    }
    const main = !world || world.rank === 0;
    // rank 0 prepares first (it decodes the caches the others then share on one machine)
    if (group && !main) await group.barrier().wait();
    const prepared = await prepareRun(settings, Boolean(f.resume));
    if (group && main) await group.barrier().wait();
    try {
      const progress = f.quiet ? 'quiet' : f.json ? 'json' : 'bar';
      const r = await train(prepared.run, prepared.config, prepared.task, { resume: Boolean(f.resume), progress, group: group ?? undefined });
      if (main) {
        prepared.run.writeJson('train_summary.json', {
          steps: r.state.step,
          last_loss: r.lastLoss,
          best_score: r.state.bestScore,
          best_step: r.state.bestStep,
          img_s: r.imagesPerSecond,
          ...(world ? { world_size: world.worldSize } : {}),
        });
        if (!f.quiet)
          console.error(
            `train: ${out}: ${r.state.step} steps, last loss ${r.lastLoss.toFixed(5)}, best ${r.state.bestScore ?? '-'} at step ${r.state.bestStep ?? '-'}${world ? ` (${world.worldSize} ranks)` : ''}`,
          );
      }
    } finally {
      await prepared.task.close();
    }
  } finally {
    group?.destroy();
  }
}

export function registerTrainCommand(program: Command): void {
  const t = program.command('train').description('train the parser, an attribute method or the joint model (spec §8)');
  addRecipeOptions(t.command('parser').description('the face parser; coarse masks (LFW Part Labels) train it through the partial-label loss'))
    .option('--class-balance', 'weight the fine loss by median-frequency balancing (thin parts count more)')
    .option(
      '--coarse-weight <x>',
      "weight of each coarse source's loss (LFW Part Labels: the only hair vs background teacher) against a fine source's (default 1)",
      positiveNumber('--coarse-weight'),
    )
    .option('--init-from <run>', "start from another parser run's best weights (fine-tune it on other data, or for more steps)")
    .action((f: TrainFlags) => run('parser', f));
  addRecipeOptions(t.command('attr').description('an attribute network; naive/ssp/ssg read masks from a frozen parser run'))
    .option('--method <m>', METHOD_NAMES.join(' | '), oneOf('--method', METHOD_NAMES), 'avg')
    .option('--parser <run>', 'trained parser run (naive, ssp, ssg)')
    .option('--gated <blocks>', 'SSG: gated encoder blocks, comma-separated (default 3)')
    .option('--balanced', 'weighted BCE, pos_weight = negatives/positives per attribute')
    .option('--loc-warmup <steps>', 'SSP: keep the region weights uniform for the first steps (default 0, the paper)', int('--loc-warmup'))
    .option(
      '--ssp-features <layer>',
      'SSP: the layer pooled per region, conv62 (default, the spec) | conv52 | conv42',
      oneOf('--ssp-features', SSP_FEATURE_LAYERS),
    )
    .option('--init-from <run>', "start from another attribute run's weights where names and shapes match (e.g. a basic net's trunk for SSP)")
    .option('--region-loss <x>', "SSP: add x × each region's own BCE (s_rec[r] alone; default 0, the paper)", positiveNumber('--region-loss', true))
    .action((f: TrainFlags) => run('attr', f));
  addRecipeOptions(t.command('joint').description('attribute net and parser sharing conv11…conv42, an attribute and a parsing batch per step'))
    .option('--parser-data <dir>', 'parsing data (default: --data)', collect)
    .option(
      '--attribute-weight <x>',
      'weight of the attribute loss; 0 trains the parser alone, everything else equal',
      positiveNumber('--attribute-weight', true),
    )
    .action((f: TrainFlags) => run('joint', f));
}
