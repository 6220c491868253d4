// A training run is a directory:
//   config.json          every setting (written once, at the start)
//   ckpt-NNNNNNN.*       the latest checkpoint: weights + optimizer state of step N
//   state.json           which checkpoint is current (written last, atomically)
//   weights.safetensors  the latest weights; best.safetensors at the best validation score
//   log.jsonl            one line per logged step; metrics.json; figures/
// A checkpoint's files are complete before state.json names them, so a run killed at
// any moment resumes from the last checkpoint it announced.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { type nn, type optim, saveSafetensors, loadSafetensors } from '@facet/torch';
import { writeFileAtomic } from '@facet/torch/write-file-atomic';

export interface RunState {
  /** steps completed at the checkpoint */
  step: number;
  bestScore: number | null;
  bestStep: number | null;
  /** byte length of log.jsonl at the checkpoint (later lines are dropped on resume) */
  logBytes: number;
}

const pad = (n: number): string => String(n).padStart(8, '0');

export class RunDir {
  constructor(readonly path: string) {}

  file(name: string): string {
    return join(this.path, name);
  }

  writeJson(name: string, value: unknown): void {
    mkdirSync(this.path, { recursive: true });
    writeFileAtomic(this.file(name), new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
  }

  readJson<T>(name: string): T {
    const p = this.file(name);
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as T;
    } catch (e) {
      throw new Error(`${p}: ${(e as Error).message}`);
    }
  }

  exists(name: string): boolean {
    return existsSync(this.file(name));
  }

  appendLog(entry: Record<string, unknown>): void {
    appendFileSync(this.file('log.jsonl'), `${JSON.stringify(entry)}\n`);
  }

  logBytes(): number {
    return this.exists('log.jsonl') ? readFileSync(this.file('log.jsonl')).length : 0;
  }

  readLog(): Array<Record<string, unknown>> {
    if (!this.exists('log.jsonl')) return [];
    return readFileSync(this.file('log.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  saveCheckpoint(model: nn.Module, optimizer: optim.Optimizer<object>, state: RunState): void {
    const base = `ckpt-${pad(state.step)}`;
    saveSafetensors(this.file(`${base}.weights.safetensors`), model.stateDict(), { step: String(state.step) });
    optimizer.save(this.file(`${base}.optim.safetensors`));
    this.writeJson('state.json', state);
    // The announced checkpoint is complete; older ones can go.
    for (const f of readdirSync(this.path)) {
      if (f.startsWith('ckpt-') && !f.startsWith(base)) rmSync(this.file(f), { force: true });
    }
    this.#publish(`${base}.weights.safetensors`, 'weights.safetensors');
  }

  saveBest(model: nn.Module, step: number): void {
    saveSafetensors(this.file('best.safetensors'), model.stateDict(), { step: String(step) });
  }

  #publish(from: string, to: string): void {
    const tmp = this.file(`${to}.tmp-${process.pid}`);
    copyFileSync(this.file(from), tmp);
    renameSync(tmp, this.file(to));
  }

  /** The last announced checkpoint, or null for a run that never wrote one. */
  readState(): RunState | null {
    return this.exists('state.json') ? this.readJson<RunState>('state.json') : null;
  }

  /** Loads the checkpoint into model and optimizer and cuts the log back to it. */
  restore(model: nn.Module, optimizer: optim.Optimizer<object>): RunState {
    const state = this.readState();
    if (!state) throw new Error(`${this.path}: no checkpoint to resume from (state.json missing)`);
    const base = `ckpt-${pad(state.step)}`;
    const weights = loadSafetensors(this.file(`${base}.weights.safetensors`));
    try {
      model.loadStateDict(weights);
    } finally {
      for (const t of weights.values()) t.dispose();
    }
    optimizer.load(this.file(`${base}.optim.safetensors`));
    if (this.exists('log.jsonl') && this.logBytes() > state.logBytes) truncateSync(this.file('log.jsonl'), state.logBytes);
    return state;
  }

  /**
   * Warm start: copies into `model` every weight of this run whose name and shape it
   * shares (e.g. a basic net's trunk into an SSP net), leaving the rest as initialised.
   */
  loadSharedWeights(model: nn.Module, which: 'weights' | 'best' = 'best'): { loaded: number; of: number } {
    const name = which === 'best' && this.exists('best.safetensors') ? 'best.safetensors' : 'weights.safetensors';
    if (!this.exists(name)) throw new Error(`${this.path}: no ${name} to start from (has this run trained?)`);
    const weights = loadSafetensors(this.file(name));
    try {
      const own = model.stateDict();
      const shared = new Map(
        [...weights].filter(([k, t]) => {
          const mine = own.get(k);
          return mine !== undefined && mine.shape.length === t.shape.length && mine.shape.every((d, i) => d === t.shape[i]);
        }),
      );
      if (shared.size === 0) throw new Error(`${this.file(name)}: no weight shares a name and shape with the model to train`);
      model.loadStateDict(shared, { strict: false });
      return { loaded: shared.size, of: own.size };
    } finally {
      for (const t of weights.values()) t.dispose();
    }
  }

  loadWeights(model: nn.Module, which: 'weights' | 'best' = 'weights'): void {
    const name = which === 'best' && this.exists('best.safetensors') ? 'best.safetensors' : 'weights.safetensors';
    if (!this.exists(name)) throw new Error(`${this.path}: no ${name} (has this run trained?)`);
    const weights = loadSafetensors(this.file(name));
    try {
      model.loadStateDict(weights);
    } finally {
      for (const t of weights.values()) t.dispose();
    }
  }
}
