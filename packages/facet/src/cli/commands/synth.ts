/** `facet synth`: write synthetic faces in CelebA's and Helen's layouts. */
import { Command } from 'commander';
import { writeSynth } from '../../data/synth/writer.js';

/** "218x178" (H×W, as the spec writes sizes) → { height, width } */
export function parseSize(s: string): { height: number; width: number } {
  const m = /^(\d+)[x×](\d+)$/i.exec(s.trim());
  if (!m) throw new Error(`--size must be HxW, e.g. 218x178; got "${s}"`);
  const height = Number(m[1]);
  const width = Number(m[2]);
  if (height < 32 || width < 32) throw new Error(`--size must be at least 32x32; got "${s}"`);
  return { height, width };
}

export interface SynthCliOptions {
  out: string;
  count: string;
  seed: string;
  size: string;
  helen: boolean;
  quality: string;
  quiet?: boolean;
}

export async function runSynth(o: SynthCliOptions, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  const { height, width } = parseSize(o.size);
  const count = Number(o.count);
  const seed = Number(o.seed);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer; got "${o.count}"`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer; got "${o.seed}"`);
  const t0 = Date.now();
  const meta = await writeSynth({
    out: o.out,
    count,
    seed,
    width,
    height,
    helen: o.helen,
    jpegQuality: Number(o.quality),
    onProgress: o.quiet
      ? undefined
      : (d, n) => {
          if (d % 500 === 0 || d === n) log(`  ${d}/${n}`);
        },
  });
  const s = (Date.now() - t0) / 1000;
  if (!o.quiet) {
    log(
      `wrote ${count} faces (${width}x${height}, seed ${seed}) to ${o.out} in ${s.toFixed(1)} s (${(count / s).toFixed(0)} faces/s); splits train ${meta.splits.train} / val ${meta.splits.val} / test ${meta.splits.test}`,
    );
  }
  return 0;
}

export function registerSynthCommand(program: Command): Command {
  return program
    .command('synth')
    .description("draw synthetic faces with exact region labels, in CelebA's and Helen's layouts")
    .requiredOption('--out <dir>', 'output folder')
    .option('--count <n>', 'number of faces', '1000')
    .option('--seed <s>', 'random seed (same seed → same bytes)', '1')
    .option('--size <HxW>', 'image size, height x width', '218x178')
    .option('--no-helen', "skip Helen's 11 label maps per face (regions/*.png are always written)")
    .option('--quality <q>', 'JPEG quality', '90')
    .option('--quiet', 'no progress output')
    .action(async (o: SynthCliOptions) => {
      process.exitCode = await runSynth(o);
    });
}
