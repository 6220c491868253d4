// The addon's distributed entries (src/distributed.cc), typed. Absent entries mean the
// addon was built without gloo's headers: every use then throws, saying how to fix it.
import { native, type NativeBinding, type NativeHandle } from '../native.js';

export type StoreHandle = { readonly __distStore: unique symbol };
export type GroupHandle = { readonly __distGroup: unique symbol };
export type WorkHandle = { readonly __distWork: unique symbol };
export type ReducerHandle = { readonly __distReducer: unique symbol };

export type StoreSpec =
  | { kind: 'tcp'; host: string; port: number; rank: number; worldSize: number; timeoutMs: number }
  | { kind: 'file'; path: string; rank: number; worldSize: number; timeoutMs: number };

/** What the addon was built with: gloo (CPU collectives) and nccl (CUDA). */
export interface DistInfo {
  gloo: boolean;
  nccl: boolean;
}

export interface DistNative {
  distInfo(): DistInfo;
  distCreateStore(spec: StoreSpec): Promise<StoreHandle>;
  distStoreSet(s: StoreHandle, key: string, value: string): void;
  distStoreGet(s: StoreHandle, key: string): Promise<string>;
  distStoreAdd(s: StoreHandle, key: string, amount: number): number;
  distNewGroup(s: StoreHandle, backend: string, rank: number, worldSize: number, timeoutMs: number): Promise<GroupHandle>;
  distGroupInfo(g: GroupHandle): { rank: number; worldSize: number; backend: string; timeoutMs: number };
  distDestroyGroup(g: GroupHandle): void;
  distAllReduce(g: GroupHandle, tensors: NativeHandle[], op: string): WorkHandle;
  distBroadcast(g: GroupHandle, tensors: NativeHandle[], root: number): WorkHandle;
  distBarrier(g: GroupHandle): WorkHandle;
  distWorkWait(w: WorkHandle): Promise<void>;
  distWorkWaitSync(w: WorkHandle): void;
  distWorkIsCompleted(w: WorkHandle): boolean;
  distNewReducer(g: GroupHandle, params: NativeHandle[], bucketBytes: number): ReducerHandle;
  distReducerBuckets(r: ReducerHandle): number;
  distReducerPrepare(r: ReducerHandle): void;
  distReducerFinish(r: ReducerHandle): Promise<number>;
  distReducerDispose(r: ReducerHandle): void;
}

/** What this addon was built with: gloo (CPU collectives) and nccl (CUDA). */
export function distributedBackends(): DistInfo {
  return native.distInfo();
}

export function isAvailable(): boolean {
  return distributedBackends().gloo;
}

/** The distributed entries, or an error saying why there are none. */
export function dist(): DistNative {
  if (!isAvailable()) {
    throw new Error(
      "@facet/torch: this addon was built without torch.distributed (c10d): gloo's headers were not found. " +
        'On Debian: apt-get install libgloo-dev, then rebuild the addon (cd packages/torch && node scripts/build-addon.mjs); ' +
        'with LIBTORCH, its include/ must hold gloo/.',
    );
  }
  // distInfo said gloo is compiled in, and with it every entry of DistNative.
  return native as Required<NativeBinding>;
}
