// `facet train … --nproc N`: N ranks as local processes, like torchrun on one machine.
// Each child runs the same command line without --nproc, with torchrun's variables and
// the intra-op threads split between them. When one rank fails, the others are
// stopped and the launcher exits non-zero.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A port the system says is free now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** argv without `--nproc N` / `--nproc=N`. */
export function withoutNproc(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--nproc') i++;
    else if (!argv[i]!.startsWith('--nproc=')) out.push(argv[i]!);
  }
  return out;
}

export interface LaunchOptions {
  nproc: number;
  /** intra-op threads for the whole machine, split between the ranks (at least 1 each) */
  threads: number;
  /** the command line to run per rank: [script, ...args] */
  argv: string[];
  masterPort?: number;
}

/** Runs the ranks; resolves with the exit code (0 when every rank succeeded). */
export async function launchLocal(o: LaunchOptions): Promise<number> {
  const port = o.masterPort ?? (await freePort());
  const threads = Math.max(1, Math.floor(o.threads / o.nproc));
  const children: ChildProcess[] = [];
  let failed: { rank: number; code: number } | null = null;
  const exits = Array.from(
    { length: o.nproc },
    (_, rank) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, o.argv, {
          stdio: 'inherit',
          env: {
            ...process.env,
            WORLD_SIZE: String(o.nproc),
            RANK: String(rank),
            LOCAL_RANK: String(rank),
            MASTER_ADDR: '127.0.0.1',
            MASTER_PORT: String(port),
            FACET_RANK_THREADS: String(threads),
            OMP_NUM_THREADS: String(threads),
          },
        });
        children.push(child);
        child.on('exit', (code, signal) => {
          const c = code ?? (signal ? 128 : 1);
          if (c !== 0 && !failed) {
            failed = { rank, code: c };
            // the others would otherwise wait out the timeout in their next collective
            for (const other of children) if (other !== child && other.exitCode === null) other.kill('SIGTERM');
          }
          resolve(c);
        });
      }),
  );
  const forward = (sig: NodeJS.Signals) => {
    for (const c of children) c.kill(sig);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    await Promise.all(exits);
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
  if (failed) {
    const f = failed as { rank: number; code: number };
    console.error(`facet: rank ${f.rank} of ${o.nproc} exited with code ${f.code}; the others were stopped`);
    return f.code || 1;
  }
  return 0;
}
