// A trained model as facet ships and exports it: bundle.json (every setting a
// predictor needs: input size, normalisation, names, widths) and weights.safetensors
// (the parser's weights under `parser.`, the attribute model's under `attributes.`).
// Read without the native engine, so that ONNX-only users never load it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, type SafetensorsEntry } from '@facet/torch/safetensors-format';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig } from './bundle_config.js';
import { checkBundleConfig, checkBundleWeights } from './bundle_check.js';

export { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig };

export interface Bundle {
  dir: string;
  config: BundleConfig;
  /** raw weights: parser.* and attributes.* */
  weights: Map<string, SafetensorsEntry>;
}

/** bundle.json, checked field by field (bundle_check.ts). */
export function readBundleConfig(dir: string): BundleConfig {
  const path = join(dir, 'bundle.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  return checkBundleConfig(parsed, path);
}

/** A bundle as both runtimes load it: config and weights checked against each other once, here. */
export function readBundle(dir: string): Bundle {
  const config = readBundleConfig(dir);
  const path = join(dir, 'weights.safetensors');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const weights = parseSafetensors(bytes, path).entries;
  checkBundleWeights(config, weights, path);
  return { dir, config, weights };
}

/** The entries under a prefix, with the prefix removed. */
export function withPrefix(weights: Map<string, SafetensorsEntry>, prefix: string): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  for (const [k, v] of weights) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}
