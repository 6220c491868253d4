import type { Command } from 'commander';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModelDir } from '../../infer/default_model.js';
import { guidedFilterOption, int, oneOf } from '../options.js';
import { DEVICE_HELP, parseDeviceOption } from '../device_option.js';
import { PRECISIONS } from '../../models/precision.js';
import type { ParseSettings } from '../../models/region_masks.js';
import type { GuidedFilter } from '../../models/guided_filter.js';

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a run or a model bundle (attribute error, AP, balanced accuracy; parsing IoU) on a split (spec §9)')
    .option('--run <dir>', 'a training run, or a model bundle (bundle.json); default: the shipped model')
    .option('--ensemble <runs>', 'comma-separated runs whose probabilities are averaged (SSP+SSG)')
    .requiredOption('--data <dir>', 'data set directory')
    .option('--split <name>', 'train | val | test', oneOf('--split', ['train', 'val', 'test'] as const), 'test')
    .option('--weights <which>', 'best | weights (the last checkpoint)', oneOf('--weights', ['best', 'weights'] as const), 'best')
    .option('--limit <n>', 'evaluate the first N items only', int('--limit'))
    .option('--out <file>', 'write the metrics JSON here (default: RUN/metrics.json)')
    .option('--cache-dir <dir>', 'decoded-image cache')
    .option('--device <d>', DEVICE_HELP, parseDeviceOption)
    .option('--json', 'print the metrics as JSON')
    .option('--precision <p>', `${PRECISIONS.join(' | ')} (models/precision.ts); default: the run's own (a bundle: fp32)`, oneOf('--precision', PRECISIONS))
    .option(
      '--parse-flip-average <yes|no>',
      "parse IoU: average each parse with its mirror image's; default: a bundle's own setting, a run's: no",
      oneOf('--parse-flip-average', ['yes', 'no'] as const),
    )
    .option(
      '--parse-guided-filter <radius,eps|none>',
      "parse IoU: refine the parse along the image's edges (e.g. 4,0.001); default: a bundle's own setting, a run's: none",
      guidedFilterOption('--parse-guided-filter', true),
    )
    .action(async (o) => {
      const { evaluateRun, evaluateEnsemble } = await import('../../eval/evaluate_run.js');
      const { formatEvaluation } = await import('../../eval/format.js');
      // refused before any data is read when this libtorch cannot serve it
      const { resolveDevice } = await import('../../runs/device.js');
      const device = resolveDevice(o.device);
      const opts = {
        data: o.data,
        split: o.split,
        weights: o.weights,
        limit: o.limit,
        cacheDir: o.cacheDir,
        device,
        precision: o.precision,
        parse: parseSettings(o),
      };
      // a bundle (the shipped model without --run) is scored as predict runs it; its folder is not written to
      const bundle = !o.ensemble && (!o.run || existsSync(join(o.run, 'bundle.json'))) ? resolveModelDir(o.run) : null;
      if (o.run && !bundle && !existsSync(join(o.run, 'config.json'))) {
        throw new Error(`--run ${o.run}: neither a training run (config.json) nor a model bundle (bundle.json)`);
      }
      const r = bundle
        ? await (await import('../../eval/evaluate_bundle.js')).evaluateBundle(bundle, opts)
        : o.ensemble
          ? await evaluateEnsemble(String(o.ensemble).split(','), opts)
          : await evaluateRun(o.run, opts);
      const out = o.out ?? (o.run && !bundle ? join(o.run, 'metrics.json') : undefined);
      if (out) writeFileAtomic(out, new TextEncoder().encode(`${JSON.stringify(r, null, 2)}\n`));
      console.log(o.json ? JSON.stringify(r) : formatEvaluation(r));
    });
}

function parseSettings(o: { parseFlipAverage?: 'yes' | 'no'; parseGuidedFilter?: GuidedFilter | null }): ParseSettings {
  return {
    ...(o.parseFlipAverage ? { flipAverage: o.parseFlipAverage === 'yes' } : {}),
    ...(o.parseGuidedFilter !== undefined ? { guidedFilter: o.parseGuidedFilter } : {}),
  };
}
