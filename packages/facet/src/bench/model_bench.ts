// `facet bench --model M`: the PyTorch peer's measurement, step for step: one warm-up
// step, S training steps (forward, loss, backward, Adagrad lr 1e-3 wd 5e-4), then S
// eval-mode forwards without grad. Prints the peer's JSON keys. --precision bf16 runs as
// `facet train --precision bf16` does (models/precision.ts); the peer's own bf16 mode is
// autocast on a channels-last model and input.
import { type Tensor, nn, optim, noGrad, tidy, manualSeed, setNumThreads, buildInfo } from '@facet/torch';
import { buildModel, type ModelName } from '../models/registry.js';
import { AttributeNet } from '../models/attribute_net.js';
import { Parser, parserLoss } from '../models/parser.js';
import { boxMasks, type Landmarks } from '../models/bbox.js';
import type { Precision } from '../models/precision.js';
import { bf16Hardware, type Bf16Hardware } from '../models/bf16_hardware.js';
import { prepareModel, prepareInput, inPrecision, toFloat32 } from '../models/mixed_precision.js';
import { peerInputs, randomAttributeTargets, randomRegionLabels, disposeAll } from './inputs.js';
import { place, waitForDevice } from '../runs/device.js';

export interface ModelBenchOptions {
  model: ModelName;
  height: number;
  width: number;
  widthMult: number;
  batch: number;
  steps: number;
  threads: number;
  seed: number;
  /** resolved device (cpu, cuda, cuda:N); default cpu */
  device?: string;
  precision?: Precision;
  /** also time each training step's phases (forward + loss, backward, optimizer) */
  profile?: boolean;
  /**
   * wall (default): images per second of elapsed time; cpu: per second of this process's
   * CPU time, the steadier figure on a machine shared with other jobs (one thread)
   */
  clock?: 'wall' | 'cpu';
}

export interface ModelBenchResult {
  engine: string;
  precision: Precision;
  model: string;
  height: number;
  width: number;
  width_mult: number;
  batch: number;
  params: number;
  train_img_s: number;
  infer_img_s: number;
  /** where it ran, when not the CPU */
  device?: string;
  /** bf16: the processor's bf16 support (models/bf16_hardware.ts) */
  bf16_hardware?: Bf16Hardware;
  /** present when the rates are per CPU-second */
  clock?: 'cpu';
  /** --profile: mean milliseconds per timed training step in each phase */
  step_ms?: { forward: number; backward: number; optimizer: number };
}

export function engineName(): string {
  return `facet-libtorch-${buildInfo().version}`;
}

/** Landmarks spread over the face, for BBox's boxes. */
function syntheticLandmarks(batch: number, h: number, w: number): Landmarks {
  const p = (fx: number, fy: number): [number, number] => [fx * w, fy * h];
  return Array.from({ length: batch }, () => [p(0.35, 0.45), p(0.65, 0.45), p(0.5, 0.6), p(0.38, 0.75), p(0.62, 0.75)]);
}

/** Milliseconds of the chosen clock: elapsed, or this process's CPU time (user + system). */
function clockMs(clock: 'wall' | 'cpu'): number {
  if (clock === 'wall') return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function benchModel(o: ModelBenchOptions): ModelBenchResult {
  const now = (): number => clockMs(o.clock ?? 'wall');
  manualSeed(o.seed);
  setNumThreads(o.threads);
  if (o.model === 'joint') throw new Error('bench: the joint model has no PyTorch twin; bench parser and basic instead');
  const device = o.device ?? 'cpu';
  const precision = o.precision ?? 'fp32';
  const model = place(buildModel(o.model, { widthMult: o.widthMult, paperInit: false }), device);
  prepareModel(model, precision);
  // the inputs are drawn on the CPU (the peer's numbers) and copied to the device once, untimed
  const moved = (t: Tensor): Tensor => {
    if (device === 'cpu') return t;
    const d = t.to(device).keep();
    t.dispose();
    return d;
  };
  const drawn = peerInputs(o.batch, o.height, o.width);
  const inputs = Object.fromEntries(Object.entries(drawn).map(([k, t]) => [k, moved(t)])) as unknown as typeof drawn;
  const image = prepareInput(inputs.image, precision);
  const naiveInput = prepareInput(inputs.naiveInput, precision);
  const boxes = o.model === 'bbox' ? boxMasks(syntheticLandmarks(o.batch, o.height, o.width), o.height, o.width, { device }) : null;
  const targets = moved(model instanceof Parser ? randomRegionLabels(o.batch, o.height, o.width) : randomAttributeTargets(o.batch));

  const forward = (): Tensor | Tensor[] =>
    inPrecision(precision, () => {
      if (model instanceof Parser) return model.forward(image).map(toFloat32);
      const net = model as AttributeNet;
      const x = o.model === 'naive' ? naiveInput : image;
      return toFloat32(net.forward(x, { masksQuarter: inputs.masksQuarter, masksHalf: boxes ?? inputs.masksHalf }));
    });
  const optimizer = new optim.Adagrad(model.parameters(), { lr: 1e-3, weightDecay: 5e-4 });
  // --profile reads the loss (a host round trip) to end the forward phase before timing the backward
  const phases = { forward: 0, backward: 0, optimizer: 0 };
  const step = (): void =>
    tidy(() => {
      optimizer.zeroGrad();
      const t0 = now();
      const out = forward();
      const loss = Array.isArray(out) ? parserLoss(out as [Tensor, Tensor, Tensor, Tensor], targets) : nn.functional.binaryCrossEntropyWithLogits(out, targets);
      if (o.profile) loss.item();
      const t1 = now();
      loss.backward();
      const t2 = now();
      optimizer.step();
      phases.forward += t1 - t0;
      phases.backward += t2 - t1;
      phases.optimizer += now() - t2;
    });

  step();
  phases.forward = phases.backward = phases.optimizer = 0;
  const t0 = now();
  for (let i = 0; i < o.steps; i++) step();
  waitForDevice(model);
  const train = (o.batch * o.steps) / ((now() - t0) / 1000);

  model.eval();
  const infer = noGrad(() => {
    tidy(forward);
    const t1 = now();
    for (let i = 0; i < o.steps; i++) tidy(forward);
    waitForDevice(model);
    return (o.batch * o.steps) / ((now() - t1) / 1000);
  });
  const params = model.parameterCount();
  optimizer.dispose();
  model.dispose();
  if (image !== inputs.image) image.dispose();
  if (naiveInput !== inputs.naiveInput) naiveInput.dispose();
  disposeAll(inputs);
  boxes?.dispose();
  targets.dispose();
  return {
    engine: engineName(),
    precision,
    model: o.model,
    height: o.height,
    width: o.width,
    width_mult: o.widthMult,
    batch: o.batch,
    params,
    train_img_s: round3(train),
    infer_img_s: round3(infer),
    ...(device === 'cpu' ? {} : { device }),
    ...(precision === 'bf16' ? { bf16_hardware: bf16Hardware() } : {}),
    ...(o.clock === 'cpu' ? { clock: 'cpu' as const } : {}),
    ...(o.profile
      ? {
          step_ms: {
            forward: Math.round(phases.forward / o.steps),
            backward: Math.round(phases.backward / o.steps),
            optimizer: Math.round(phases.optimizer / o.steps),
          },
        }
      : {}),
  };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
