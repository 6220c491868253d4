// Parsers for commander options that fail with the option's name.
import { InvalidArgumentError } from 'commander';

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

export function oneOf<T extends string>(name: string, allowed: readonly T[]): (v: string) => T {
  return (v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got '${v}'`);
    return v as T;
  };
}
