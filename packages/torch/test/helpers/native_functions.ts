// The addon's exported functions by name, untyped: the abuse tests call every one of
// them with arguments that no declared signature allows.
import { native } from '../../lib/native.js';

export type UntypedNative = (...args: unknown[]) => unknown;

export function nativeFunctions(): Map<string, UntypedNative> {
  const entries: [string, unknown][] = Object.entries(native);
  return new Map(entries.filter((e): e is [string, UntypedNative] => typeof e[1] === 'function'));
}
