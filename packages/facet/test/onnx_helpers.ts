// Shared by the onnx_*.test.ts files: random-weights bundles with non-trivial
// BatchNorm statistics and PReLU slopes, and comparisons.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '@facet/torch';
import { parseSafetensors, serializeSafetensors } from '@facet/torch/safetensors-format';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { buildModel } from '../src/models/registry.js';
import { writeBundle } from '../src/infer/write_bundle.js';
import { CELEBA_ATTRIBUTES } from '../src/data/attributes.js';
import { REGION_NAMES } from '../src/regions.js';
import { Rng } from '../src/data/synth/prng.js';
import { Command } from 'commander';
import { registerExportCommand } from '../src/cli/commands/export.js';

/** A deterministic stream of numbers in [0, 1) (the synthetic generator's PRNG). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/**
 * Writes a random-weights bundle (parser + SSP at widthMult) for an H×W input into a
 * fresh temp dir, then perturbs every BatchNorm's statistics and affine parameters
 * and every PReLU slope so that folding and PReLU are really exercised.
 */
export function makeTestBundle(
  height: number,
  width: number,
  options: { widthMult?: number; seed?: number; perturb?: boolean; parserFlipAverage?: boolean; parseGuidedFilter?: { radius: number; eps: number } } = {},
): string {
  const w = options.widthMult ?? 0.125;
  const dir = mkdtempSync(join(tmpdir(), 'facet-onnx-bundle-'));
  manualSeed(options.seed ?? 0);
  const parser = buildModel('parser', { widthMult: w });
  const attrs = buildModel('ssp', { widthMult: w });
  writeBundle(dir, parser, attrs, {
    height,
    width,
    parserWidthMult: w,
    attributeWidthMult: w,
    attributeNames: [...CELEBA_ATTRIBUTES],
    regionNames: [...REGION_NAMES],
    normalization: { mean: [130, 110, 100], std: [60, 55, 55] },
    parserNormalization: { mean: [120, 125, 118], std: [64, 61, 66] },
    description: 'random weights (onnx test bundle)',
    ...(options.parserFlipAverage ? { parserFlipAverage: true } : {}),
    ...(options.parseGuidedFilter ? { parseGuidedFilter: options.parseGuidedFilter } : {}),
  });
  parser.dispose();
  attrs.dispose();
  if (options.perturb ?? true) {
    const path = join(dir, 'weights.safetensors');
    const parsed = parseSafetensors(new Uint8Array(readFileSync(path)), path);
    const r = rng((options.seed ?? 0) + 17);
    for (const [name, e] of parsed.entries) {
      if (e.dtype !== 'float32') continue;
      const v = new Float32Array(e.data.slice().buffer);
      const set = (f: () => number): void => {
        for (let i = 0; i < v.length; i++) v[i] = f();
      };
      if (name.endsWith('.bn.running_mean')) set(() => (r() - 0.5) * 0.4);
      else if (name.endsWith('.bn.running_var')) set(() => 0.5 + r());
      else if (name.endsWith('.bn.weight')) set(() => 0.6 + 0.8 * r());
      else if (name.endsWith('.bn.bias')) set(() => (r() - 0.5) * 0.4);
      else if (name.endsWith('.act.weight')) set(() => r() * 0.5 - 0.1);
      else continue;
      e.data = new Uint8Array(v.buffer);
    }
    writeFileAtomic(path, serializeSafetensors(parsed.entries, parsed.metadata));
  }
  return dir;
}

/** Normalised-looking random inputs, 3×H×W each. */
export function randomInputs(n: number, height: number, width: number, seed = 1): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: 3 * height * width }, () => (r() - 0.5) * 3.4));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** `facet export ARGS…` in-process (commander does not exit); returns what it printed with console.log. */
export async function runExportCli(args: string[]): Promise<string[]> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerExportCommand(program);
  const logs: string[] = [];
  const log = console.log;
  console.log = (s: string) => logs.push(s);
  try {
    await program.parseAsync(['node', 'facet', 'export', ...args]);
  } finally {
    console.log = log;
  }
  return logs;
}
