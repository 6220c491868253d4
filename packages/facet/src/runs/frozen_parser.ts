// The parser that feeds region masks to the methods that need them (naive, SSP, SSG):
// a parser run's best weights, frozen, behind RegionMasks.
import { Parser } from '../models/parser.js';
import { RegionMasks } from '../models/region_masks.js';
import { RunDir } from './run_dir.js';
import type { RunConfig } from './config.js';
import { place } from './device.js';

/** A parser run's best weights in eval mode, on `device`, with the run's config. */
export function loadParserRun(parserRun: string, device = 'cpu'): { parser: Parser; config: RunConfig } {
  const run = new RunDir(parserRun);
  const config = run.readJson<RunConfig>('config.json');
  if (config.kind !== 'parser') throw new Error(`${parserRun}: not a parser run (its config.json says kind "${config.kind}")`);
  const parser = new Parser({ widthMult: config.recipe.widthMult });
  run.loadWeights(parser, 'best');
  place(parser, device);
  parser.eval();
  return { parser, config };
}

/** The frozen parser of a parser run, and the normalisation it was trained with. */
export function loadFrozenParser(parserRun: string, inputNorm: RunConfig['normalization'], device = 'cpu'): RegionMasks {
  const { parser, config } = loadParserRun(parserRun, device);
  for (const p of parser.parameters()) p.requiresGrad = false;
  return new RegionMasks(parser, inputNorm, config.normalization);
}
