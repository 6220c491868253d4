// One process of a data-parallel training test (test/train_distributed.test.ts).
// argv: scenario rank worldSize port data out [kind] [method] [parserRun]. worldSize 1 runs alone,
// without a process group. Prints one JSON line; on an error {"error"} and exit 1.
//   paper: a tiny run of a paper network (kind, method) through prepareRun + train;
//          prints a hash of every parameter after every step.
//   nobn:  a small network without BatchNorm on the real loader (sharded); prints its
//          parameters after the last step (rank 0).
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, nn, setNumThreads, manualSeed, tidy } from '@facet/torch';
import { prepareRun } from '../../src/train/setup.js';
import { train } from '../../src/train/trainer.js';
import { RunDir } from '../../src/runs/run_dir.js';
import { DEFAULT_RECIPE, type RunConfig } from '../../src/runs/config.js';
import type { TrainingTask } from '../../src/train/task.js';
import { openSplit } from '../../src/data/loader/split_source.js';
import { DataLoader, type HostBatch } from '../../src/data/loader/loader.js';
import { toTensors } from '../../src/data/loader/to_tensors.js';
import { joinWorld } from '../../src/train/world.js';
import { tinySettings } from '../helpers.js';

const [scenario, rankS, worldS, portS, data, out, kind, methodArg, parserRun] = process.argv.slice(2);
const method = methodArg === '-' ? undefined : methodArg;
const rank = Number(rankS),
  worldSize = Number(worldS),
  port = Number(portS);
export const NOBN_STEPS = 4;

function paramsHash(model: nn.Module): string {
  const h = createHash('sha256');
  for (const p of model.parameters()) {
    const a = p.data();
    h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}

/** conv 3→6 (3×3, stride 2) → ReLU → spatial mean → linear to the attributes: no BatchNorm. */
class NoBnNet extends nn.Module {
  readonly conv: nn.Conv2d;
  readonly fc: nn.Linear;
  constructor(attributes: number) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d(3, 6, 3, { stride: 2 }));
    this.fc = this.registerModule('fc', new nn.Linear(6, attributes));
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.fc.forward(this.conv.forward(x).relu().mean([2, 3])));
  }
}

class NoBnTask implements TrainingTask<HostBatch> {
  readonly imagesPerStep: number;
  constructor(
    readonly model: NoBnNet,
    readonly loader: DataLoader,
    batch: number,
  ) {
    this.imagesPerStep = batch;
  }
  prepare(step: number): Promise<HostBatch> {
    return this.loader.batch(step);
  }
  loss(b: HostBatch): Tensor {
    return tidy(() => {
      const { images, targets } = toTensors(b);
      return nn.functional.binaryCrossEntropyWithLogits(this.model.forward(images), targets!);
    });
  }
  async validate() {
    return { score: Number.NaN, scoreName: 'none', metrics: {} };
  }
  async close(): Promise<void> {
    await this.loader.close();
  }
}

async function main(): Promise<Record<string, unknown>> {
  setNumThreads(1);
  const group = worldSize > 1 ? await joinWorld({ rank, worldSize, masterAddr: '127.0.0.1', masterPort: port, timeoutMs: 60_000 }) : null;
  const shard = group ? { rank, worldSize } : undefined;
  try {
    if (scenario === 'paper') {
      const base = tinySettings(kind as 'parser', data!, out!, { method: method as 'avg' | undefined, shard, ...(parserRun ? { parserRun } : {}) });
      const settings = { ...base, recipe: { ...base.recipe, steps: 4, batch: 4, evalEvery: 2, checkpointEvery: 2 } };
      // rank 0 first: it builds the decoded cache the other then reads
      if (group && rank !== 0) await group.barrier().wait();
      const p = await prepareRun(settings);
      if (group && rank === 0) await group.barrier().wait();
      const hashes: string[] = [];
      try {
        const r = await train(p.run, p.config, p.task, { progress: 'quiet', group: group ?? undefined, onStep: (_, m) => hashes.push(paramsHash(m)) });
        return { rank, hashes, loss: r.lastLoss };
      } finally {
        await p.task.close();
      }
    }
    if (scenario === 'nobn') {
      // one process with batch 2B, or each of 2 ranks its B of the same 2B
      const batch = 8;
      const source = await openSplit(data!, 'train', { height: 32, width: 26, cacheDir: join(out!, '..', 'cache'), require: 'attributes' });
      const loader = new DataLoader({
        store: source.store,
        batchSize: batch,
        seed: 3,
        normalization: source.header.normalization,
        flip: true,
        workers: 0,
        attributes: source.items.map((i) => i.attributes ?? null),
        ...(shard ? { shard } : {}),
      });
      manualSeed(1);
      const model = new NoBnNet(source.dataset.attributeNames.length);
      const config = { recipe: { ...DEFAULT_RECIPE, steps: NOBN_STEPS, batch, lr: 1e-2, checkpointEvery: 1000, evalEvery: 1000, logEvery: 1000 } } as RunConfig;
      const task = new NoBnTask(model, loader, batch);
      mkdirSync(out!, { recursive: true });
      try {
        await train(new RunDir(out!), config, task, { progress: 'quiet', group: group ?? undefined });
        const params = model.parameters().map((p) => Array.from(p.data() as Float32Array));
        return { rank, params, firstBatch: loader.sampler.plan(0).indices, firstFlips: loader.sampler.plan(0).flips };
      } finally {
        await task.close();
      }
    }
    throw new Error(`unknown scenario ${scenario}`);
  } finally {
    group?.destroy();
  }
}

// `node --test dist/test/` runs every file under test/, this one too, without arguments.
if (scenario !== undefined) {
  main().then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (e: Error) => {
      console.log(JSON.stringify({ error: e.message }));
      process.exit(1);
    },
  );
}
