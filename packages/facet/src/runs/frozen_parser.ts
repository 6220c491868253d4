// The parser that feeds region masks to the methods that need them (naive, SSP, SSG):
// a parser run's best weights, frozen, behind RegionMasks.
import { Parser } from '../models/parser.js';
import { RegionMasks } from '../models/region_masks.js';
import { RunDir } from './run_dir.js';
import type { RunConfig } from './config.js';
import { place } from './device.js';

/** The frozen parser of a parser run, and the normalisation it was trained with. */
export function loadFrozenParser(parserRun: string, inputNorm: RunConfig['normalization'], device = 'cpu'): RegionMasks {
  const run = new RunDir(parserRun);
  const pc = run.readJson<RunConfig>('config.json');
  if (pc.kind !== 'parser') throw new Error(`${parserRun}: a ${pc.kind} run, not a parser run`);
  const parser = new Parser({ widthMult: pc.recipe.widthMult });
  run.loadWeights(parser, 'best');
  place(parser, device);
  for (const p of parser.parameters()) p.requiresGrad = false;
  return new RegionMasks(parser, inputNorm, pc.normalization);
}
