// `facet eval-wild --data WILD --crops DIR[,DIR] [--run BUNDLE] [--runtime torch|onnx] [--limit N] [--json] [--out FILE]`:
// detect-and-align measured on CelebA's in-the-wild photos against their official
// aligned crops (eval/wild.ts): landmark distances, decision agreement, errors against
// the labels, how often a face is found, and the time per photo.
import type { Command } from 'commander';
import { int, oneOf, threads } from '../options.js';

interface EvalWildCliOptions {
  data: string;
  crops: string[];
  run?: string;
  runtime?: 'torch' | 'onnx';
  onnx?: string;
  threads?: number;
  limit?: number;
  json?: boolean;
  out?: string;
  quiet?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export function registerEvalWildCommand(program: Command): void {
  program
    .command('eval-wild')
    .description("measure face detection and alignment on CelebA's in-the-wild photos against their official aligned crops")
    .requiredOption('--data <dir>', "CelebA's in-the-wild photos (Img/img_celeba) with attribute labels, e.g. ../shared/data/celeba-wild")
    .requiredOption('--crops <dirs>', 'CelebA folders of aligned crops to pair photos with by file name (comma-separated or repeated)', collect)
    .option('--run <dir>', 'model bundle directory; default: the shipped model')
    .option('--runtime <name>', 'torch | onnx', oneOf('--runtime', ['torch', 'onnx'] as const))
    .option('--onnx <file>', 'an exported model to run on onnxruntime')
    .option('--threads <n>', 'intra-op threads of the runtime', threads('--threads'))
    .option('--limit <n>', 'the first N photos (by name) only', int('--limit', 1))
    .option('--json', 'print the report as JSON')
    .option('--out <file>', 'also write the report as JSON here (atomically)')
    .option('--quiet', 'no progress on stderr')
    .action(async (o: EvalWildCliOptions) => {
      const { evaluateWild, formatWildReport } = await import('../../eval/wild.js');
      const predict: Record<string, unknown> = {};
      for (const k of ['run', 'runtime', 'onnx', 'threads'] as const) if (o[k] !== undefined) predict[k] = o[k];
      const t0 = Date.now();
      const r = await evaluateWild({
        data: o.data,
        crops: o.crops,
        predict,
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        onProgress: o.quiet
          ? undefined
          : (d, n) => {
              if (d % 50 === 0 || d === n) process.stderr.write(`eval-wild: ${d}/${n} photos (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
            },
      });
      if (o.out) {
        const { writeFileAtomic } = await import('@facet/torch/write-file-atomic');
        writeFileAtomic(o.out, Buffer.from(JSON.stringify(r, null, 2) + '\n'));
      }
      console.log(o.json ? JSON.stringify(r) : formatWildReport(r));
    });
}
