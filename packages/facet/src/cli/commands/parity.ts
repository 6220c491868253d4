import type { Command } from 'commander';
import { oneOf, positiveNumber } from '../options.js';
import { PEER_MODELS } from '../../models/names.js';

export const PARITY_TOLERANCE = 1e-4;

export function registerParityCommand(program: Command): void {
  program
    .command('parity')
    .description("load a PyTorch peer fixture (--dump) and compare facet's eval outputs; exit 1 above 1e-4")
    .requiredOption('--model <name>', 'network', oneOf('--model', PEER_MODELS))
    .requiredOption('--fixture <file>', 'safetensors written by pytorch_reference.py --dump')
    .option('--width-mult <x>', 'width multiplier (inferred from the weights when omitted)', positiveNumber('--width-mult'))
    .action(async (o) => {
      const { runParity } = await import('../../bench/parity.js');
      const r = runParity(o.model, o.fixture, o.widthMult);
      console.log(JSON.stringify({ model: r.model, max_abs_diff: r.max_abs_diff }));
      if (!(r.max_abs_diff <= PARITY_TOLERANCE)) process.exitCode = 1;
    });
}
