// Starts the ranks of a distributed test as child processes on 127.0.0.1, on a port
// the system says is free, and collects each one's exit code and JSON line.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface RankResult {
  rank: number;
  code: number | null;
  /** the last JSON line printed */
  json: Record<string, unknown> | null;
  stderr: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs `node script …args(rank)` for each rank in ranks; resolves when all have exited. */
export function runRanks(script: string, ranks: number[], args: (rank: number) => string[], env: NodeJS.ProcessEnv = {}): Promise<RankResult[]> {
  return Promise.all(
    ranks.map(
      (rank) =>
        new Promise<RankResult>((resolve) => {
          const child = spawn(process.execPath, [script, ...args(rank)], {
            env: { ...process.env, OMP_NUM_THREADS: '1', ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '',
            err = '';
          child.stdout.on('data', (d: Buffer) => (out += d));
          child.stderr.on('data', (d: Buffer) => (err += d));
          child.on('close', (code) => {
            const line = out
              .trim()
              .split('\n')
              .filter((l) => l.startsWith('{'))
              .pop();
            resolve({ rank, code, json: line ? (JSON.parse(line) as Record<string, unknown>) : null, stderr: err });
          });
        }),
    ),
  );
}
