// `facet bench --op conv2d`: one 3×3, stride-1, pad-1 conv C→C on N×C×S×S, after a
// warm-up. Training counts forward + input and weight gradients as 3× the forward FLOPs.
import { conv2d, randn, tidy, noGrad, manualSeed, setNumThreads } from '@facet/torch';
import { engineName, round3 } from './model_bench.js';

export interface OpBenchOptions {
  op: string;
  batch: number;
  channels: number;
  size: number;
  steps: number;
  threads: number;
}

export function benchOp(o: OpBenchOptions): Record<string, string | number> {
  if (o.op !== 'conv2d') throw new Error(`bench: --op ${o.op} is not benchmarked (conv2d)`);
  manualSeed(0);
  setNumThreads(o.threads);
  const { batch: n, channels: c, size: s } = o;
  const x = randn([n, c, s, s]).requiresGrad_();
  const w = randn([c, c, 3, 3]).mul_(0.05).requiresGrad_();
  const forwardFlops = 2 * n * c * c * 9 * s * s;
  const train = (): void =>
    tidy(() => {
      const y = conv2d(x, w, null, [1, 1], [1, 1]);
      y.sum().backward();
      x.zeroGrad();
      w.zeroGrad();
    });
  const infer = (): void =>
    noGrad(() =>
      tidy(() => {
        conv2d(x, w, null, [1, 1], [1, 1]);
      }),
    );
  const time = (fn: () => void): number => {
    fn();
    const t0 = performance.now();
    for (let i = 0; i < o.steps; i++) fn();
    return (performance.now() - t0) / 1000 / o.steps;
  };
  const tTrain = time(train);
  const tInfer = time(infer);
  x.dispose();
  w.dispose();
  return {
    engine: engineName(),
    op: 'conv2d',
    batch: n,
    channels: c,
    size: s,
    steps: o.steps,
    threads: o.threads,
    gflops_train: round3((3 * forwardFlops) / tTrain / 1e9),
    gflops_infer: round3(forwardFlops / tInfer / 1e9),
  };
}
