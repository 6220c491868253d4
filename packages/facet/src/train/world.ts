// Which data-parallel world this process belongs to: --world-size/--rank/--master, or
// torchrun's variables (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT); null: none.
import { distributed as D } from '@facet/torch';

export interface WorldFlags {
  worldSize?: number;
  rank?: number;
  /** HOST:PORT of rank 0's store */
  master?: string;
  /** seconds the rendezvous and each collective may wait for the other ranks */
  distTimeout?: number;
}

export interface World {
  rank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  timeoutMs: number;
}

export function parseMaster(master: string): { masterAddr: string; masterPort: number } {
  const m = /^(.+):(\d+)$/.exec(master);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`--master ${master}: expected HOST:PORT (e.g. 10.0.0.1:29500)`);
  return { masterAddr: m[1]!.replace(/^\[(.*)\]$/, '$1'), masterPort: port };
}

export function resolveWorld(f: WorldFlags, env: NodeJS.ProcessEnv = process.env): World | null {
  const timeoutMs = Math.round((f.distTimeout ?? D.DEFAULT_TIMEOUT_MS / 1000) * 1000);
  if (f.worldSize !== undefined || f.rank !== undefined || f.master !== undefined) {
    if (f.worldSize === undefined || f.rank === undefined || f.master === undefined) throw new Error('give --world-size, --rank and --master together');
    if (f.worldSize < 1) throw new Error(`--world-size ${f.worldSize}: at least 1`);
    if (f.rank < 0 || f.rank >= f.worldSize) throw new Error(`--rank ${f.rank}: must be in [0, ${f.worldSize})`);
    return { rank: f.rank, worldSize: f.worldSize, ...parseMaster(f.master), timeoutMs };
  }
  const fromEnv = D.envInitOptions(env);
  if (!fromEnv) return null;
  return { rank: fromEnv.rank, worldSize: fromEnv.worldSize, masterAddr: fromEnv.masterAddr!, masterPort: fromEnv.masterPort!, timeoutMs };
}

/** Joins the world's process group (rendezvous at rank 0's TCPStore). */
export function joinWorld(w: World): Promise<D.ProcessGroup> {
  return D.initProcessGroup({
    backend: 'gloo',
    rank: w.rank,
    worldSize: w.worldSize,
    masterAddr: w.masterAddr,
    masterPort: w.masterPort,
    timeoutMs: w.timeoutMs,
  });
}
