// Writes a bundle (see bundle.ts) from trained modules; both files atomically.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, type nn, saveSafetensors } from '@facet/torch';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig } from './bundle.js';
import { checkBundleConfig } from './bundle_check.js';

export type BundleSettings = Omit<BundleConfig, 'format' | 'version' | 'method'>;

export function writeBundle(dir: string, parser: nn.Module, attributes: nn.Module, settings: BundleSettings): void {
  // refuse to write what readBundle would refuse to load
  const config: BundleConfig = checkBundleConfig({ format: BUNDLE_FORMAT, version: BUNDLE_VERSION, method: 'ssp', ...settings }, join(dir, 'bundle.json'));
  mkdirSync(dir, { recursive: true });
  const weights = new Map<string, Tensor>();
  for (const [k, t] of parser.stateDict()) weights.set(`parser.${k}`, t);
  for (const [k, t] of attributes.stateDict()) weights.set(`attributes.${k}`, t);
  saveSafetensors(join(dir, 'weights.safetensors'), weights, { format: BUNDLE_FORMAT });
  writeFileAtomic(join(dir, 'bundle.json'), new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));
}
