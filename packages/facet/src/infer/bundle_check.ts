// One validation of a model bundle, run on load for both runtimes (libtorch and ONNX):
// every bundle.json field a predictor relies on, and the weights against the networks
// the config describes (names, shapes, float32, finite). A bundle is trusted nowhere
// else, so a bad one fails here with the file and the field named, not later as NaN
// rows, a per-image "cannot decode", or a process past 4 GB.
import type { SafetensorsEntry } from '@facet/torch/safetensors-format';
import { fieldError } from '../field_error.js';
import { REGION_NAMES } from '../regions.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleConfig } from './bundle_config.js';
import { weightShapes } from '../models/weight_layout.js';

/** Input sides facet accepts: at least the train command's minimum, and a bounded area. */
export const MIN_INPUT_SIDE = 8;
export const MAX_INPUT_SIDE = 2048;
/** 1024²: ~25× the paper's 218×178; a full-width network's activations stay within a few GB. */
export const MAX_INPUT_AREA = 1024 * 1024;
export const MAX_WIDTH_MULT = 4;
/** A parse filter's window stays local: at most 65×65 pixels. */
export const MAX_FILTER_RADIUS = 32;
/** eps is on the grey level's variance, which is at most 1/4: past 1 the guide is ignored. */
export const MAX_FILTER_EPS = 1;

class Fields {
  constructor(private readonly source: string) {}

  fail(field: string, expected: string, got: unknown): never {
    throw fieldError(this.source, field, expected, got);
  }

  /** `label` names a nested field (e.g. parseGuidedFilter.radius) */
  integer(o: Record<string, unknown>, field: string, min: number, max: number, label = field): number {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(label, `an integer from ${min} to ${max}`, v);
    return v;
  }

  positive(o: Record<string, unknown>, field: string, max: number, label = field): number {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) this.fail(label, `a number above 0 and at most ${max}`, v);
    return v;
  }

  names(o: Record<string, unknown>, field: string, exactly?: readonly string[]): string[] {
    const v = o[field];
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s.length > 0)) this.fail(field, 'a non-empty list of names', v);
    const names = v as string[];
    const dup = names.find((s, i) => names.indexOf(s) !== i);
    if (dup !== undefined) throw new Error(`${this.source}: field '${field}' must be a list of distinct names, but '${dup}' comes twice`);
    if (exactly && names.join() !== exactly.join()) this.fail(field, `[${exactly.join(', ')}]`, v);
    return names;
  }

  normalization(o: Record<string, unknown>, field: string): void {
    const n = o[field];
    if (typeof n !== 'object' || n === null) this.fail(field, 'an object {mean, std}', n);
    const { mean, std } = n as { mean?: unknown; std?: unknown };
    const triple = (v: unknown, name: string, ok: (x: number) => boolean, what: string): void => {
      if (!Array.isArray(v) || v.length !== 3) this.fail(`${field}.${name}`, `3 numbers (R, G, B) ${what}`, v);
      (v as unknown[]).forEach((x, i) => {
        if (typeof x !== 'number' || !ok(x)) this.fail(`${field}.${name}[${i}]`, `a number ${what}`, x);
      });
    };
    triple(mean, 'mean', (x) => Number.isFinite(x), 'that is finite');
    triple(std, 'std', (x) => Number.isFinite(x) && x > 0, 'above 0 and finite');
  }
}

/** config as read from `source` (bundle.json, or an .onnx file's metadata), checked field by field. */
export function checkBundleConfig(config: unknown, source: string): BundleConfig {
  const f = new Fields(source);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) f.fail('(top level)', 'an object', config);
  const c = config as Record<string, unknown>;
  if (c.format !== BUNDLE_FORMAT) throw new Error(`${source}: not a facet model bundle (format '${String(c.format)}')`);
  if (c.version !== BUNDLE_VERSION) throw new Error(`${source}: bundle version ${String(c.version)}, this facet reads ${BUNDLE_VERSION}`);
  if (c.method !== 'ssp') f.fail('method', "'ssp' (the bundle's predictor is SSP)", c.method);
  const h = f.integer(c, 'height', MIN_INPUT_SIDE, MAX_INPUT_SIDE);
  const w = f.integer(c, 'width', MIN_INPUT_SIDE, MAX_INPUT_SIDE);
  if (h * w > MAX_INPUT_AREA) f.fail('height', `such that height × width ≤ ${MAX_INPUT_AREA} (${h} × ${w} = ${h * w})`, h);
  if (c.fit !== undefined && c.fit !== 'cover-centre') f.fail('fit', "'cover-centre' or absent", c.fit);
  f.positive(c, 'parserWidthMult', MAX_WIDTH_MULT);
  f.positive(c, 'attributeWidthMult', MAX_WIDTH_MULT);
  f.names(c, 'attributeNames');
  f.names(c, 'regionNames', REGION_NAMES);
  f.normalization(c, 'normalization');
  f.normalization(c, 'parserNormalization');
  if (c.parserFlipAverage !== undefined && typeof c.parserFlipAverage !== 'boolean') f.fail('parserFlipAverage', 'true, false or absent', c.parserFlipAverage);
  if (c.parseGuidedFilter !== undefined) {
    const gf = c.parseGuidedFilter;
    if (typeof gf !== 'object' || gf === null || Array.isArray(gf)) f.fail('parseGuidedFilter', 'an object {radius, eps} or absent', gf);
    const o = gf as Record<string, unknown>;
    f.integer(o, 'radius', 1, MAX_FILTER_RADIUS, 'parseGuidedFilter.radius');
    f.positive(o, 'eps', MAX_FILTER_EPS, 'parseGuidedFilter.eps');
  }
  if (c.description !== undefined && typeof c.description !== 'string') f.fail('description', 'a string or absent', c.description);
  return config as BundleConfig;
}

function floats(e: SafetensorsEntry): Float32Array {
  const { data } = e;
  // safetensors data need not be 4-byte aligned inside the file's buffer
  return data.byteOffset % 4 === 0 ? new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4) : new Float32Array(data.slice().buffer);
}

/**
 * The weights against the networks config describes: every parameter and buffer under
 * `parser.` and `attributes.` with the shape its width multiplier gives, float32 and
 * finite; nothing else but BatchNorm's num_batches_tracked counters.
 */
export function checkBundleWeights(config: BundleConfig, weights: ReadonlyMap<string, SafetensorsEntry>, source: string): void {
  const expected = new Map<string, number[]>();
  for (const [k, s] of weightShapes('parser', config.parserWidthMult)) expected.set(`parser.${k}`, s);
  for (const [k, s] of weightShapes('ssp', config.attributeWidthMult, config.attributeNames.length)) expected.set(`attributes.${k}`, s);
  for (const [name, shape] of expected) {
    const e = weights.get(name);
    const field = name.startsWith('parser.') ? 'parserWidthMult' : 'attributeWidthMult';
    if (!e) throw new Error(`${source}: no weight '${name}' (the networks of bundle.json's ${field} = ${config[field]} need it)`);
    if (e.shape.join() !== shape.join()) {
      throw new Error(
        `${source}: weight '${name}' is [${e.shape.join(', ')}], but bundle.json's ${field} = ${config[field]}` +
          `${name.startsWith('attributes.') ? ` and ${config.attributeNames.length} attributeNames` : ''} make it [${shape.join(', ')}]`,
      );
    }
    if (e.dtype !== 'float32') throw new Error(`${source}: weight '${name}' is ${e.dtype}, float32 expected`);
    const v = floats(e);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) throw new Error(`${source}: weight '${name}' holds ${v[i]} at index ${i}; a model's weights must be finite`);
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name) && !/\.num_batches_tracked$/.test(name))
      throw new Error(`${source}: unexpected weight '${name}' (not part of the networks bundle.json describes)`);
  }
}
