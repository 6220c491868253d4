// The training loop: Adagrad (spec §8), a step's batch fetched ahead by the loader,
// atomic checkpoints every N steps, the best weights at each validation, a log line
// per step; `resume` continues exactly where the last checkpoint left off. With a
// process group: data-parallel (data_parallel.ts), and only rank 0 logs and writes.
import { tidy, optim, type distributed as D } from '@facet/torch';
import cliProgress from 'cli-progress';
import { RunDir, type RunState } from '../runs/run_dir.js';
import type { RunConfig } from '../runs/config.js';
import type { TrainingTask } from './task.js';
import { learningRate } from './lr_schedule.js';
import { DataParallel } from './data_parallel.js';

export type ProgressMode = 'bar' | 'json' | 'quiet';

export interface TrainOptions {
  resume?: boolean;
  progress?: ProgressMode;
  /** stop after this many steps of this invocation (tests of resuming) */
  stopAfter?: number;
  /** data-parallel training over this group (its loaders must be sharded the same way: RunSettings.shard) */
  group?: D.ProcessGroup;
  /** DDP's bucket size, bytes */
  bucketBytes?: number;
  /** after each step, with the model (tests of data-parallel training) */
  onStep?: (step: number, model: TrainingTask['model']) => void;
}

export interface TrainResult {
  state: RunState;
  lastLoss: number;
  imagesPerSecond: number;
}

export function createOptimizer(config: RunConfig, task: TrainingTask): optim.Optimizer<object> {
  const r = config.recipe;
  const params = task.model.parameters().filter((p) => p.requiresGrad);
  switch (r.optimizer ?? 'adagrad') {
    case 'adagrad':
      return new optim.Adagrad(params, { lr: r.lr, weightDecay: r.weightDecay, initialAccumulatorValue: r.initialAccumulator, eps: r.eps });
    case 'adam':
      return new optim.Adam(params, { lr: r.lr, weightDecay: r.weightDecay });
    case 'adamw':
      return new optim.AdamW(params, { lr: r.lr, weightDecay: r.weightDecay });
    case 'sgd':
      return new optim.SGD(params, { lr: r.lr, momentum: 0.9, weightDecay: r.weightDecay });
    default:
      throw new Error(`unknown optimizer '${String(r.optimizer)}'`);
  }
}

export async function train(run: RunDir, config: RunConfig, task: TrainingTask, options: TrainOptions = {}): Promise<TrainResult> {
  const r = config.recipe;
  const optimizer = createOptimizer(config, task);
  let state: RunState = options.resume && run.readState() ? run.restore(task.model, optimizer) : { step: 0, bestScore: null, bestStep: null, logBytes: 0 };
  const trainable = task.model.parameters().filter((p) => p.requiresGrad);
  const dp = options.group ? await DataParallel.wrap(options.group, task.model, trainable, options.bucketBytes) : null;
  try {
    await dp?.agree('the step to start from', state.step);
  } catch (e) {
    dp?.dispose();
    throw e;
  }
  const main = !dp || dp.rank === 0;
  const mode = main ? (options.progress ?? 'bar') : 'quiet';
  const bar =
    mode === 'bar'
      ? new cliProgress.SingleBar(
          { format: 'step {value}/{total} | loss {loss} | {ips} img/s | ETA {eta_formatted}', etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(r.steps, state.step, { loss: '-', ips: '-' });
  task.model.train();
  let lastLoss = Number.NaN;
  const t0 = performance.now();
  let stepsRun = 0;
  const end = options.stopAfter ? Math.min(r.steps, state.step + options.stopAfter) : r.steps;
  try {
    for (let step = state.step; step < end; step++) {
      const batch = await task.prepare(step);
      optimizer.setLr(learningRate(r, step));
      if (dp) {
        // the gradients are averaged between backward and the step, and a tidy scope
        // cannot span that await: two scopes
        await dp.syncBuffers();
        const local = tidy(() => {
          optimizer.zeroGrad();
          const loss = task.loss(batch);
          dp.prepareBackward();
          loss.backward();
          return loss.item();
        });
        await dp.finishGradients();
        tidy(() => optimizer.step());
        lastLoss = await dp.mean(local);
      } else {
        lastLoss = tidy(() => {
          optimizer.zeroGrad();
          const loss = task.loss(batch);
          loss.backward();
          optimizer.step();
          return loss.item();
        });
      }
      options.onStep?.(step + 1, task.model);
      if (!Number.isFinite(lastLoss)) throw new Error(`training diverged at step ${step + 1}: loss ${lastLoss}`);
      stepsRun++;
      const done = step + 1;
      const ips = (stepsRun * task.imagesPerStep) / ((performance.now() - t0) / 1000);
      if (main && (done % r.logEvery === 0 || done === r.steps)) {
        const entry = { step: done, loss: lastLoss, img_s: Math.round(ips * 10) / 10 };
        run.appendLog(entry);
        if (mode === 'json') console.log(JSON.stringify(entry));
      }
      bar?.update(done, { loss: lastLoss.toFixed(4), ips: ips.toFixed(1) });
      // only rank 0 validates; the others wait for it in the next step's collectives
      if (main && (done % r.evalEvery === 0 || done === r.steps)) {
        const v = await task.validate();
        task.model.train();
        if (Number.isFinite(v.score)) {
          run.appendLog({ step: done, [v.scoreName]: v.score, ...v.metrics });
          if (mode === 'json') console.log(JSON.stringify({ step: done, ...v.metrics }));
          if (state.bestScore === null || v.score > state.bestScore) {
            state = { ...state, bestScore: v.score, bestStep: done };
            run.saveBest(task.model, done);
          }
        }
      }
      if (done % r.checkpointEvery === 0 || done === r.steps) {
        state = { ...state, step: done, logBytes: main ? run.logBytes() : state.logBytes };
        if (main) run.saveCheckpoint(task.model, optimizer, state);
      }
    }
  } finally {
    bar?.stop();
    dp?.dispose();
    optimizer.dispose();
  }
  return { state, lastLoss, imagesPerSecond: (stepsRun * task.imagesPerStep) / ((performance.now() - t0) / 1000) };
}
