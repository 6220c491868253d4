// Devices beyond the CPU: which libtorch this process loaded (what a CUDA request is
// refused with), cuDNN autotuning, and the lazy device that device-placement tests run on.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { native } from './native.js';

/**
 * The folder of the libtorch_cpu.so this process loaded (its memory map says which,
 * whatever LIBTORCH said at build time), or null where /proc is not readable.
 */
export function loadedLibtorch(): string | null {
  try {
    const line = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .find((l) => /\/libtorch_cpu\.so/.test(l));
    const path = line?.slice(line.indexOf('/'));
    return path ? dirname(path) : null;
  } catch {
    return null;
  }
}

/** cuDNN picks the fastest convolution algorithm per shape (only CUDA reads the flag). */
export function setCudnnBenchmark(on: boolean): void {
  native.setCudnnBenchmark(on);
}

/**
 * Registers libtorch's TorchScript lazy backend: tensors on 'lazy' are computed on the
 * CPU but live on another device, so an op mixing them with a CPU tensor fails, as it
 * would on CUDA. For tests of device placement; idempotent.
 */
export function useLazyDevice(): void {
  native.useLazyDevice();
}
