// Parsers for commander options that fail with the option's name.
import { InvalidArgumentError } from 'commander';
import { isThreadCount, threadRange } from '@facet/torch/threads';
import { MAX_FILTER_EPS, MAX_FILTER_RADIUS } from '../infer/bundle_check.js';
import type { GuidedFilter } from '../models/guided_filter.js';

export function int(name: string, min = 0): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}

export function positiveNumber(name: string, allowZero = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
      throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'number ≥ 0' : 'positive number'}, got '${v}'`);
    }
    return n;
  };
}

/** A probability in (above, 1]. */
export function probabilityAbove(name: string, above: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > above && n <= 1)) throw new InvalidArgumentError(`${name} must be a probability above ${above} and at most 1, got '${v}'`);
    return n;
  };
}

export function oneOf<T extends string>(name: string, allowed: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T;
  };
}

/** A thread count, bounded as every runtime bounds it (@facet/torch/threads). */
export function threads(name: string): (v: string) => number {
  return (v) => {
    const n = v.trim() === '' ? NaN : Number(v);
    if (!isThreadCount(n)) throw new InvalidArgumentError(`${name} must be ${threadRange()}, got '${v}'`);
    return n;
  };
}

/** `RADIUS,EPS` of a guided filter (models/guided_filter.ts), or `none` when allowed. */
export function guidedFilterOption(name: string, allowNone: true): (v: string) => GuidedFilter | null;
export function guidedFilterOption(name: string, allowNone?: false): (v: string) => GuidedFilter;
export function guidedFilterOption(name: string, allowNone = false): (v: string) => GuidedFilter | null {
  return (v) => {
    if (allowNone && v === 'none') return null;
    const parts = v.split(',');
    const [radius, eps] = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
    if (parts.length !== 2 || !Number.isInteger(radius) || radius! < 1 || radius! > MAX_FILTER_RADIUS || !(eps! > 0 && eps! <= MAX_FILTER_EPS)) {
      throw new InvalidArgumentError(
        `${name} must be RADIUS,EPS (an integer radius from 1 to ${MAX_FILTER_RADIUS}, eps above 0 and at most ${MAX_FILTER_EPS}${allowNone ? ", or 'none'" : ''}), got '${v}'`,
      );
    }
    return { radius: radius!, eps: eps! };
  };
}
