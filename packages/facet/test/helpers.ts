// Shared set-up of the training tests: a small synthetic data set and run settings.
import { existsSync, mkdtempSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSynth } from '../src/data/synth/writer.js';
import type { RunSettings } from '../src/train/setup.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `facet-${prefix}-`));
}

let synthDir: Promise<string> | null = null;

/** 60 synthetic faces at 64×52 (48 train / 6 val / 6 test), written once per process. */
export function smallSynth(): Promise<string> {
  synthDir ??= (async () => {
    const dir = tempDir('synth');
    await writeSynth({ out: dir, count: 60, seed: 3, width: 52, height: 64, helen: false });
    return dir;
  })();
  return synthDir;
}

/** Settings of a tiny, fast run (width 1/16, 32×26 input). */
export function tinySettings(kind: RunSettings['kind'], data: string, out: string, extra: Partial<RunSettings> = {}): RunSettings {
  return {
    kind,
    data: [data],
    out,
    cacheDir: join(tmpdir(), 'facet-test-cache'),
    workers: 1,
    recipe: { steps: 6, batch: 4, height: 32, width: 26, widthMult: 0.0625, checkpointEvery: 3, evalEvery: 3, evalLimit: 6, threads: 1, seed: 5 },
    ...extra,
  };
}

/**
 * A path under the real data beside the repository (../shared/data: CelebA and LFW Part
 * Labels subsets), or $FACET_DATA. It is part of the test setup: where it is absent this
 * throws, failing the test, rather than skipping it (a skipped test would look green).
 */
export function sharedData(...parts: string[]): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [process.env.FACET_DATA, join(here, '../../../../../shared/data'), join(here, '../../../../shared/data')];
  const dir = candidates.find((d): d is string => Boolean(d) && existsSync(join(d!, 'celeba')));
  if (!dir) throw new Error('the shared real data (../shared/data beside the repository, or $FACET_DATA) is missing');
  return join(dir, ...parts);
}
