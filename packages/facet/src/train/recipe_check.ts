// A run's recipe checked field by field, for a new run and for the config.json a resume
// reads back (hand-edited or damaged: `batch: 0` used to surface as "Cannot read
// properties of null" deep in the loader). Errors name the file and the field.
import { isThreadCount, threadRange } from '@facet/torch/threads';
import { LR_SCHEDULES, OPTIMIZERS, type Recipe, type RunConfig, type RunKind } from '../runs/config.js';
import { METHOD_NAMES } from '../runs/methods.js';
import { PRECISIONS } from '../models/precision.js';
import { fieldError } from '../field_error.js';

type Rule = { test: (v: unknown) => boolean; expected: string; optional?: boolean };

const int = (min: number): Rule => ({ test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= min, expected: `an integer ≥ ${min}` });
const num = (min: number, strict: boolean): Rule => ({
  test: (v) => typeof v === 'number' && Number.isFinite(v) && (strict ? v > min : v >= min),
  expected: `a finite number ${strict ? '>' : '≥'} ${min}`,
});
const jitter: Rule = {
  test: (v) =>
    typeof v === 'object' &&
    v !== null &&
    (['scale', 'shift', 'rotate'] as const).every((k) => {
      const x = (v as Record<string, unknown>)[k];
      return typeof x === 'number' && Number.isFinite(x) && x >= 0;
    }),
  expected: '{scale, shift, rotate}, each a finite number ≥ 0',
};
const bool: Rule = { test: (v) => typeof v === 'boolean', expected: 'true or false' };
const oneOf = (values: readonly string[]): Rule => ({ test: (v) => typeof v === 'string' && values.includes(v), expected: `one of ${values.join(', ')}` });
const optional = (r: Rule): Rule => ({ ...r, optional: true });

const RECIPE_RULES: Record<keyof Recipe, Rule> = {
  optimizer: oneOf(OPTIMIZERS),
  steps: int(1),
  batch: int(1),
  lr: num(0, true),
  lrSchedule: optional(oneOf(LR_SCHEDULES)),
  warmupSteps: optional(int(0)),
  weightDecay: num(0, false),
  initialAccumulator: num(0, false),
  eps: num(0, true),
  flip: bool,
  jitter: optional(jitter),
  seed: int(0),
  height: int(8),
  width: int(8),
  widthMult: num(0, true),
  checkpointEvery: int(1),
  evalEvery: int(1),
  logEvery: int(1),
  balanced: bool,
  classBalance: bool,
  coarseWeight: optional(num(0, true)),
  locWarmup: int(0),
  regionLoss: num(0, false),
  evalLimit: int(0),
  threads: { test: isThreadCount, expected: threadRange() },
  precision: optional(oneOf(PRECISIONS)),
};

/** recipe, or an error `${source}: field '${prefix}batch' must be …`. */
export function checkRecipe(recipe: unknown, source: string, prefix = 'recipe.'): Recipe {
  if (typeof recipe !== 'object' || recipe === null) throw fieldError(source, prefix.slice(0, -1), 'an object', recipe);
  const r = recipe as Record<string, unknown>;
  for (const [field, rule] of Object.entries(RECIPE_RULES)) {
    const v = r[field];
    if (v === undefined && rule.optional) continue;
    if (!rule.test(v)) throw fieldError(source, `${prefix}${field}`, rule.expected, v);
  }
  return recipe as Recipe;
}

/** What a resume relies on in a saved config.json, checked before anything is built from it. */
export function checkSavedConfig(config: unknown, source: string): RunConfig {
  if (typeof config !== 'object' || config === null) throw new Error(`${source}: not a run configuration (an object expected)`);
  const c = config as Record<string, unknown>;
  const kinds: readonly RunKind[] = ['parser', 'attr', 'joint'];
  if (!kinds.includes(c.kind as RunKind)) throw fieldError(source, 'kind', `one of ${kinds.join(', ')}`, c.kind);
  if (c.kind === 'attr' && !METHOD_NAMES.includes(c.method as never)) {
    throw fieldError(source, 'method', `one of ${METHOD_NAMES.join(', ')}`, c.method);
  }
  if (
    !Array.isArray(c.data) ||
    c.data.length === 0 ||
    !c.data.every((d) => typeof d === 'object' && d !== null && typeof (d as { dir?: unknown }).dir === 'string')
  ) {
    throw fieldError(source, 'data', 'a non-empty list of {dir}', c.data);
  }
  // the recipe itself is checked once merged with what a resume may change (setup.ts)
  if (typeof c.recipe !== 'object' || c.recipe === null) throw fieldError(source, 'recipe', 'an object', c.recipe);
  return config as RunConfig;
}
