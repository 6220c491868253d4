// c10d's key-value stores: the rendezvous point of a process group. TCPStore (rank 0
// serves it, the others connect to host:port) for one or many machines, FileStore (a
// file every rank can open) for one machine. Waiting calls are Promises.
import { dist, type StoreHandle } from './native_dist.js';

export interface TCPStoreOptions {
  host: string;
  port: number;
  /** rank 0 serves the store and waits for the other worldSize-1 ranks to connect */
  rank: number;
  worldSize: number;
  timeoutMs: number;
}

export interface FileStoreOptions {
  path: string;
  rank: number;
  worldSize: number;
  timeoutMs: number;
}

export class Store {
  private constructor(
    readonly handle: StoreHandle,
    readonly description: string,
  ) {}

  /** Rank 0 listens on port and waits for all ranks (up to timeoutMs); others connect (retrying up to timeoutMs). */
  static async tcp(o: TCPStoreOptions): Promise<Store> {
    return new Store(await dist().distCreateStore({ kind: 'tcp', ...o }), `tcp://${o.host}:${o.port}`);
  }

  static async file(o: FileStoreOptions): Promise<Store> {
    return new Store(await dist().distCreateStore({ kind: 'file', ...o }), `file://${o.path}`);
  }

  set(key: string, value: string): void {
    dist().distStoreSet(this.handle, key, value);
  }

  /** The value of key, waiting for some rank to set it (up to the store's timeout). */
  get(key: string): Promise<string> {
    return dist().distStoreGet(this.handle, key);
  }

  /** Adds amount to the counter key (created at 0), returning the new value. */
  add(key: string, amount: number): number {
    return dist().distStoreAdd(this.handle, key, amount);
  }
}
