import type { Command } from 'commander';
import { int, oneOf, positiveNumber, threads } from '../options.js';
import { METHOD_NAMES } from '../../runs/methods.js';
import { DEVICE_HELP, parseDeviceOption } from '../device_option.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerExperimentCommand(program: Command): void {
  program
    .command('experiment')
    .description('train the parser, every attribute method and the joint model; evaluate; write report.md and figures')
    .requiredOption('--data <dir>', 'attribute data set (with a test split)')
    .option('--parser-data <dir>', "parsing data set(s) for the parser (default: --data); the first is also the joint model's", collect)
    .requiredOption('--out <dir>', 'experiment directory (runs/, figures/, report.md, results.json)')
    .option('--methods <list>', 'comma-separated attribute methods', METHOD_NAMES.join(','))
    .option('--steps <n>', "attribute runs' steps", int('--steps', 1), 1000)
    .option('--parser-steps <n>', "the parser's steps", int('--parser-steps', 1))
    .option('--parser-batch <n>', "the parser's batch per parsing data set (default: --batch)", int('--parser-batch', 1))
    .option('--joint-steps <n>', "each joint run's steps", int('--joint-steps', 1))
    .option('--batch <n>', 'batch size', int('--batch', 1), 32)
    .option('--height <n>', 'input height', int('--height', 8), 109)
    .option('--width <n>', 'input width', int('--width', 8), 89)
    .option('--width-mult <x>', "attribute and joint networks' width", positiveNumber('--width-mult'), 0.25)
    .option('--parser-width-mult <x>', "the parser's width (default: --width-mult)", positiveNumber('--parser-width-mult'))
    .option('--optimizer <name>', 'adagrad (paper) | adam | sgd', oneOf('--optimizer', ['adagrad', 'adam', 'sgd'] as const), 'adagrad')
    .option('--lr <x>', 'learning rate', positiveNumber('--lr'), 1e-3)
    .option('--parser-lr <x>', "the parser's learning rate (default: --lr)", positiveNumber('--parser-lr'))
    .option('--class-balance', 'parser: median-frequency class weights')
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--eval-every <n>', 'steps between validations', int('--eval-every', 1), 500)
    .option('--eval-limit <n>', 'validation items per evaluation (0: all)', int('--eval-limit'), 200)
    .option('--threads <n>', 'intra-op threads', threads('--threads'), 2)
    .option('--cache-dir <dir>', 'decoded-image cache')
    .option('--device <d>', DEVICE_HELP, parseDeviceOption)
    .option(
      '--check',
      'exit 1 unless the synthetic-data checks hold (parser IoU ≥ 0.8, methods beat the majority class on drawn attributes, SSP localizes ≥ 80 %)',
    )
    .option('--json', 'progress as JSON lines')
    .option('--quiet', 'no progress bars')
    .action(async (o) => {
      // refused before anything is read or written when this libtorch cannot serve it
      const { resolveDevice } = await import('../../runs/device.js');
      const device = resolveDevice(o.device);
      const { runExperiment } = await import('../../experiment/experiment.js');
      const methods = String(o.methods)
        .split(',')
        .map((m) => oneOf('--methods', METHOD_NAMES)(m.trim()));
      const recipe = {
        steps: o.steps,
        batch: o.batch,
        height: o.height,
        width: o.width,
        widthMult: o.widthMult,
        optimizer: o.optimizer,
        lr: o.lr,
        seed: o.seed,
        evalEvery: o.evalEvery,
        checkpointEvery: o.evalEvery,
        threads: o.threads,
      };
      const checks = await runExperiment({
        data: o.data,
        parserData: o.parserData ?? [o.data],
        out: o.out,
        methods,
        recipe,
        evalLimit: o.evalLimit,
        parserRecipe: { steps: o.parserSteps ?? o.steps, batch: o.parserBatch ?? o.batch, widthMult: o.parserWidthMult ?? o.widthMult, lr: o.parserLr ?? o.lr },
        jointRecipe: { steps: o.jointSteps ?? o.steps },
        parserClassBalance: Boolean(o.classBalance),
        cacheDir: o.cacheDir,
        device,
        progress: o.quiet ? 'quiet' : o.json ? 'json' : 'bar',
        log: (l) => console.error(`experiment: ${l}`),
        commands: [`facet ${process.argv.slice(2).join(' ')}`],
      });
      console.log(JSON.stringify(checks));
      if (o.check && !checks.passed) process.exitCode = 1;
    });
}
