// Loads the addon and declares its surface: the generated ops' declarations come from
// the op table (native_ops.generated.ts), the hand-written entries are typed here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeOps } from './native_ops.generated.js';
import type { DistInfo, DistNative } from './distributed/native_dist.js';

/** An opaque handle to one at::Tensor in the addon. */
export type NativeHandle = { readonly __nativeTensor: unique symbol };

/** The hand-written entries of src/special.cc. */
export interface SpecialNatives {
  fromBuffer(data: ArrayBufferView, shape: number[], dtype: string): NativeHandle;
  toBuffer(t: NativeHandle): ArrayBuffer;
  shape(t: NativeHandle): number[];
  dtype(t: NativeHandle): string;
  device(t: NativeHandle): string;
  item(t: NativeHandle): number | boolean;
  isContiguous(t: NativeHandle, memoryFormat?: string): boolean;
  to(t: NativeHandle, device: string): NativeHandle;
  requiresGrad(t: NativeHandle): boolean;
  setRequiresGrad(t: NativeHandle, flag: boolean): void;
  isLeaf(t: NativeHandle): boolean;
  setData(t: NativeHandle, src: NativeHandle): void;
  backward(t: NativeHandle, gradient: NativeHandle | null, retainGraph: boolean): void;
  grad(t: NativeHandle): NativeHandle | null;
  setGrad(t: NativeHandle, grad: NativeHandle | null): void;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setDeterministic(on: boolean): void;
  isDeterministic(): boolean;
  setAutocastCpu(enabled: boolean, dtype?: string): boolean;
  cudaAvailable(): boolean;
  setCudnnBenchmark(on: boolean): void;
  useLazyDevice(): void;
  dispose(t: NativeHandle): void;
  liveTensors(): number;
  isTensor(value: unknown): boolean;
  configInfo(): { version: string; cuda: boolean; mkldnn: boolean; openmp: boolean; parallel: string };
}

/**
 * The whole addon. torch.distributed's entries (src/distributed.cc) exist only in an
 * addon built with gloo's headers; `distInfo`, which says so, always does.
 */
export interface NativeBinding extends NativeOps, SpecialNatives, Partial<DistNative> {
  distInfo(): DistInfo;
}

function addonPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/lib/native.js -> ../../build; lib/native.ts (ts-node style) -> ../build
  for (const up of ['../..', '..']) {
    for (const kind of ['Release', 'Debug']) {
      const p = join(here, up, 'build', kind, 'facet_torch.node');
      if (existsSync(p)) return p;
    }
  }
  throw new Error(
    '@facet/torch: the native addon is not built (build/Release/facet_torch.node missing). ' +
      'Run `npm ci` at the repository root; it needs libtorch (Debian: apt-get install libtorch-dev, ' +
      'elsewhere LIBTORCH=/path/to/libtorch).',
  );
}

export const native: NativeBinding = createRequire(import.meta.url)(addonPath()) as NativeBinding;
