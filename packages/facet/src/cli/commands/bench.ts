import type { Command } from 'commander';
import { int, oneOf, positiveNumber } from '../options.js';
import { benchModel } from '../../bench/model_bench.js';
import { benchOp } from '../../bench/op_bench.js';
import { MODEL_NAMES, type ModelName } from '../../models/registry.js';

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure speed; prints one JSON line with the PyTorch peer\'s keys')
    .option('--model <name>', `network (${MODEL_NAMES.filter((m) => m !== 'joint').join(', ')})`, oneOf('--model', MODEL_NAMES))
    .option('--op <name>', 'a single op (conv2d)')
    .option('--height <n>', 'input height', int('--height', 1), 218)
    .option('--width <n>', 'input width', int('--width', 1), 178)
    .option('--width-mult <x>', 'width multiplier', positiveNumber('--width-mult'), 1)
    .option('--batch <n>', 'batch size', int('--batch', 1), 8)
    .option('--channels <n>', '--op: channels', int('--channels', 1), 64)
    .option('--size <n>', '--op: spatial size', int('--size', 1), 64)
    .option('--steps <n>', 'timed steps', int('--steps', 1), 3)
    .option('--threads <n>', 'intra-op threads', int('--threads', 1), 2)
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .action((o) => {
      if (o.op) {
        console.log(JSON.stringify(benchOp({ op: o.op, batch: o.batch, channels: o.channels, size: o.size, steps: o.steps, threads: o.threads })));
        return;
      }
      if (!o.model) throw new Error('bench: give --model M or --op conv2d');
      console.log(JSON.stringify(benchModel({
        model: o.model as ModelName, height: o.height, width: o.width, widthMult: o.widthMult, batch: o.batch,
        steps: o.steps, threads: o.threads, seed: o.seed,
      })));
    });
}
