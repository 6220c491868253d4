// A trained model as facet ships and exports it: bundle.json (every setting a
// predictor needs: input size, normalisation, names, widths) and weights.safetensors
// (the parser's weights under `parser.`, the attribute model's under `attributes.`).
// Read without the native engine, so that ONNX-only users never load it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, type SafetensorsEntry } from '@facet/torch/safetensors-format';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig } from './bundle_config.js';

export { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig };

export interface Bundle {
  dir: string;
  config: BundleConfig;
  /** raw weights: parser.* and attributes.* */
  weights: Map<string, SafetensorsEntry>;
}

export function readBundleConfig(dir: string): BundleConfig {
  const path = join(dir, 'bundle.json');
  let config: BundleConfig;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as BundleConfig;
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (config.format !== BUNDLE_FORMAT) throw new Error(`${path}: not a facet model bundle (format '${String(config.format)}')`);
  if (config.version !== BUNDLE_VERSION) throw new Error(`${path}: bundle version ${config.version}, this facet reads ${BUNDLE_VERSION}`);
  return config;
}

export function readBundle(dir: string): Bundle {
  const config = readBundleConfig(dir);
  const path = join(dir, 'weights.safetensors');
  const weights = parseSafetensors(new Uint8Array(readFileSync(path)), path).entries;
  return { dir, config, weights };
}

/** The entries under a prefix, with the prefix removed. */
export function withPrefix(weights: Map<string, SafetensorsEntry>, prefix: string): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  for (const [k, v] of weights) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}
