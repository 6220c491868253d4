// initProcessGroup: torch.distributed.init_process_group's two common init methods,
// env (MASTER_ADDR/MASTER_PORT: a TCPStore served by rank 0) and file (a FileStore).
import { ProcessGroup, type Backend } from './process_group.js';
import { Store } from './store.js';
import { dist } from './native_dist.js';

/** torch.distributed's default: 30 minutes. */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

export interface InitOptions {
  backend?: Backend;
  rank: number;
  worldSize: number;
  /** TCPStore on rank 0's masterAddr:masterPort (the env:// method) */
  masterAddr?: string;
  masterPort?: number;
  /** instead of masterAddr/masterPort: a FileStore at this path (one machine) */
  storePath?: string;
  /** bounds the rendezvous and every collective */
  timeoutMs?: number;
}

export async function initProcessGroup(o: InitOptions): Promise<ProcessGroup> {
  dist(); // throws first where the addon has no c10d
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(o.worldSize) || o.worldSize < 1) throw new Error(`initProcessGroup: worldSize must be an integer ≥ 1, got ${o.worldSize}`);
  if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize)
    throw new Error(`initProcessGroup: rank must be an integer in [0, ${o.worldSize}), got ${o.rank}`);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`initProcessGroup: timeoutMs must be a positive integer, got ${timeoutMs}`);
  if (o.storePath === undefined) {
    if (!o.masterAddr) throw new Error('initProcessGroup: give masterAddr and masterPort (or storePath)');
    const port = o.masterPort;
    if (!Number.isInteger(port) || port! < 1 || port! > 65535) throw new Error(`initProcessGroup: masterPort must be a port number, got ${port}`);
  }
  const where = o.storePath !== undefined ? `file store ${o.storePath}` : `${o.masterAddr}:${o.masterPort}`;
  try {
    const store =
      o.storePath !== undefined
        ? await Store.file({ path: o.storePath, rank: o.rank, worldSize: o.worldSize, timeoutMs })
        : await Store.tcp({ host: o.masterAddr!, port: o.masterPort!, rank: o.rank, worldSize: o.worldSize, timeoutMs });
    return await ProcessGroup.create(store, { backend: o.backend, rank: o.rank, worldSize: o.worldSize, timeoutMs });
  } catch (e) {
    // c10d's own words ("Socket Timeout") say little: name the rendezvous and its bound
    throw new Error(
      `initProcessGroup: rank ${o.rank} of ${o.worldSize} did not meet all the other ranks at ${where} within ${timeoutMs / 1000} s ` +
        `(${(e as Error).message})`,
    );
  }
}

/** rank, worldSize, masterAddr, masterPort from torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), or null when WORLD_SIZE is unset. */
export function envInitOptions(env: NodeJS.ProcessEnv = process.env): Pick<InitOptions, 'rank' | 'worldSize' | 'masterAddr' | 'masterPort'> | null {
  if (env.WORLD_SIZE === undefined) return null;
  const int = (name: string, fallback?: string): number => {
    const raw = env[name] ?? fallback;
    const v = Number(raw);
    if (raw === undefined || raw === '' || !Number.isInteger(v)) throw new Error(`environment variable ${name} must be an integer, got '${raw ?? ''}'`);
    return v;
  };
  const worldSize = int('WORLD_SIZE');
  const rank = int('RANK');
  if (rank < 0 || rank >= worldSize) throw new Error(`environment variable RANK=${rank} is outside [0, WORLD_SIZE=${worldSize})`);
  return { rank, worldSize, masterAddr: env.MASTER_ADDR ?? '127.0.0.1', masterPort: int('MASTER_PORT', '29500') };
}
