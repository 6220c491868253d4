#!/usr/bin/env node
// facet's command line: each command lives in cli/commands/ and registers itself here.
import { Command } from 'commander';
import { registerBenchCommand } from './commands/bench.js';
import { registerParityCommand } from './commands/parity.js';
import { registerDataCommand } from './commands/data.js';
import { registerSynthCommand } from './commands/synth.js';
import { registerTrainCommand } from './commands/train.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerEvalWildCommand } from './commands/eval_wild.js';
import { registerExportCommand } from './commands/export.js';
import { registerServeCommand } from './commands/serve.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerExperimentCommand } from './commands/experiment.js';
import { registerLabelCommand, registerResolveLabelsCommand } from './commands/label.js';
import { FACET_VERSION } from '../version.js';

const program = new Command();
program.name('facet').description('Facial attributes guided by semantic face parsing (Kalayeh et al., CVPR 2017)').version(FACET_VERSION);
registerBenchCommand(program);
registerParityCommand(program);
registerDataCommand(program);
registerSynthCommand(program);
registerTrainCommand(program);
registerEvalCommand(program);
registerEvalWildCommand(program);
registerExportCommand(program);
registerServeCommand(program);
registerPredictCommand(program);
registerExperimentCommand(program);
registerLabelCommand(program);
registerResolveLabelsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(`facet: ${(e as Error).message}`);
  process.exitCode = process.exitCode || 2;
}
