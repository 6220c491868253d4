import { native } from './native.js';
import type { DType } from './dtype.js';
import { checkThreads } from './threads.js';

/** Seeds libtorch's generators (rand, randn, randint, dropout, init). */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}
/** Intra-op threads; at most lib/threads.ts's maxThreads(). */
export function setNumThreads(n: number): void {
  native.setNumThreads(checkThreads(n, 'setNumThreads: threads'));
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** Deterministic algorithms only (libtorch raises on an op that has none). */
export function setDeterministic(on: boolean): void {
  native.setDeterministic(on);
}
export function isDeterministic(): boolean {
  return native.isDeterministic();
}
export function cudaAvailable(): boolean {
  return native.cudaAvailable();
}
/** Handles alive in the addon now: the leak check. */
export function liveTensors(): number {
  return native.liveTensors();
}
export function buildInfo(): { version: string; cuda: boolean; mkldnn: boolean; openmp: boolean } {
  const { version, cuda, mkldnn, openmp } = native.configInfo();
  return { version, cuda, mkldnn, openmp };
}

/**
 * Mixed precision on the CPU: inside fn, libtorch's autocast runs convolutions and
 * matmuls in dtype (bfloat16) and keeps precision-sensitive ops in float32.
 */
export function autocast<T>(fn: () => T, dtype: DType = 'bfloat16'): T {
  const prev = native.setAutocastCpu(true, dtype);
  try {
    return fn();
  } finally {
    native.setAutocastCpu(prev);
  }
}
