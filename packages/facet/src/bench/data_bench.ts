// `facet bench --data DIR`: the loader alone, the loader while small-preset training
// steps run in the same process, and what that training consumes (images/s).
import { nn, optim, tidy, manualSeed, setNumThreads } from '@facet/torch';
import { openSplit } from '../data/loader/split_source.js';
import { DataLoader } from '../data/loader/loader.js';
import { toTensors } from '../data/loader/to_tensors.js';
import { buildModel } from '../models/registry.js';
import type { AttributeNet } from '../models/attribute_net.js';
import { engineName, round3 } from './model_bench.js';

export interface DataBenchOptions {
  data: string;
  height: number;
  width: number;
  batch: number;
  steps: number;
  threads: number;
  workers: number;
  widthMult: number;
  cacheDir?: string;
}

export async function benchData(o: DataBenchOptions): Promise<Record<string, number | string>> {
  manualSeed(0);
  setNumThreads(o.threads);
  const t0 = performance.now();
  const source = await openSplit(o.data, 'train', { height: o.height, width: o.width, require: 'attributes', cacheDir: o.cacheDir });
  const prepareS = (performance.now() - t0) / 1000;
  const make = (): DataLoader =>
    new DataLoader({
      store: source.store,
      batchSize: o.batch,
      seed: 1,
      normalization: source.header.normalization,
      flip: true,
      workers: o.workers,
      prefetch: 4,
      attributes: source.items.map((i) => i.attributes ?? null),
    });

  // 1. The loader alone.
  const alone = make();
  await alone.batch(0);
  const n = Math.max(o.steps * 4, 20);
  let t = performance.now();
  for (let s = 1; s <= n; s++) await alone.batch(s);
  const loaderAlone = (n * o.batch) / ((performance.now() - t) / 1000);
  await alone.close();

  // 2. Training steps of the small preset, fed by one loader, while a second loader's
  //    workers are flooded with requests: count what they finish inside the window.
  const feed = make();
  const flood = make();
  const model = buildModel('basic', { widthMult: o.widthMult }) as AttributeNet;
  const opt = new optim.Adagrad(model.parameters(), { lr: 1e-3, weightDecay: 5e-4 });
  const step = async (s: number): Promise<void> => {
    const b = await feed.batch(s);
    tidy(() => {
      const { images, targets } = toTensors(b);
      opt.zeroGrad();
      nn.functional.binaryCrossEntropyWithLogits(model.forward(images), targets!).backward();
      opt.step();
    });
  };
  await step(0);
  const produced: number[] = [];
  const floodSteps = Array.from({ length: 100_000 }, (_, i) => i).slice(0, 2000);
  const floodPromises = flood.request(floodSteps);
  for (const p of floodPromises)
    p.then(
      (b) => produced.push(b.producedAt ?? Date.now()),
      () => undefined,
    );
  const wallStart = Date.now();
  t = performance.now();
  for (let s = 1; s <= o.steps; s++) await step(s);
  const trainS = (performance.now() - t) / 1000;
  const wallEnd = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  const inWindow = produced.filter((p) => p >= wallStart && p <= wallEnd).length;
  await flood.close();
  await feed.close();
  opt.dispose();
  model.dispose();
  const trainImgS = (o.steps * o.batch) / trainS;
  const whileTraining = (inWindow * o.batch) / ((wallEnd - wallStart) / 1000);
  return {
    engine: engineName(),
    data: o.data,
    height: o.height,
    width: o.width,
    batch: o.batch,
    width_mult: o.widthMult,
    workers: o.workers,
    images: source.items.length,
    prepare_s: round3(prepareS),
    loader_img_s: round3(loaderAlone),
    loader_img_s_while_training: round3(whileTraining),
    train_img_s: round3(trainImgS),
    ratio: round3(whileTraining / trainImgS),
  };
}
