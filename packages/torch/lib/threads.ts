// The one bound on intra-op thread counts, for libtorch (setNumThreads) and onnxruntime
// alike, and for every command's --threads. Without it `--threads 5000` hangs in
// OpenMP's start-up and 2^31 - 1 ends in libgomp's own out-of-memory exit. Kept free of
// the addon so that the torch-free (ONNX) path can use it.
import { availableParallelism } from 'node:os';

/** More threads than this many per core only add contention. */
export const THREADS_PER_CORE = 4;

/** The largest thread count accepted on this machine. */
export function maxThreads(): number {
  return THREADS_PER_CORE * availableParallelism();
}

export function isThreadCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= maxThreads();
}

/** "an integer from 1 to 8 (4 × 2 cores)": what a thread count must be, for messages. */
export function threadRange(): string {
  return `an integer from 1 to ${maxThreads()} (${THREADS_PER_CORE} × ${availableParallelism()} cores)`;
}

/** n when it is an integer in 1 … maxThreads(); otherwise a RangeError naming `what`. */
export function checkThreads(n: unknown, what = 'threads'): number {
  if (!isThreadCount(n)) throw new RangeError(`${what} must be ${threadRange()}, got ${String(n)}`);
  return n;
}
