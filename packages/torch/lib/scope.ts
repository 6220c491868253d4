// Deterministic native memory: every Tensor joins the innermost open scope; when the
// scope closes, everything made inside it is freed except what it returns (and what
// was kept). Scopes nest; a returned tensor moves to the enclosing scope.
import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];

export function trackTensor(t: Tensor): void {
  const top = stack[stack.length - 1];
  if (top) top.add(t);
}

/** Takes t out of every open scope: it lives until disposed by hand. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of stack) s.delete(t);
  return t;
}

function collect(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ((value as { __isTensor?: boolean }).__isTensor) {
    into.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into, seen);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, seen);
}

/**
 * Runs fn in a scope. Tensors created inside are disposed when it returns, except
 * those in its result (a Tensor, or arrays / plain objects / Maps holding Tensors).
 * Synchronous only: a Promise cannot be scoped, since other work interleaves with it.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
    if (result && typeof (result as { then?: unknown }).then === 'function') {
      throw new TypeError('tidy: the function returned a Promise; scopes are synchronous (await outside tidy)');
    }
  } catch (e) {
    stack.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  stack.pop();
  const escaping = new Set<Tensor>();
  collect(result, escaping);
  for (const t of scope) if (!escaping.has(t)) t.dispose();
  const parent = stack[stack.length - 1];
  if (parent) for (const t of escaping) if (scope.has(t)) parent.add(t);
  return result;
}

/** Number of scopes open now (0 outside any tidy). */
export function scopeDepth(): number {
  return stack.length;
}
