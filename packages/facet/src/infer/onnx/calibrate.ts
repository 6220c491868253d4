// Calibration for int8 export (quantize.ts): the float graph with every conv's input and
// output as extra outputs runs on sample batches on onnxruntime-node; each activation's
// range is its [min, max] over them. Then the QDQ graph is built with those ranges.
import * as ort from 'onnxruntime-node';
import type { GraphBuilder } from './graph.js';
import { INPUT_NAME } from '../../model_io/outputs.js';
import { type ActivationRange, CalibrationConvs, type ConvWriter, QuantizedConvs, type QuantizeOptions, rangesOf } from './quantize.js';

/** Normalised inputs N×3×H×W, as the graph's `image` takes them. */
export interface CalibrationBatch {
  data: Float32Array;
  dims: readonly [number, number, number, number];
}

/** Builds the same graph with a given conv writer (called twice: calibration, then QDQ). */
export type GraphFactory = (convs: ConvWriter) => GraphBuilder;

export async function calibrateRanges(build: GraphFactory, batches: readonly CalibrationBatch[], threads?: number): Promise<ActivationRange[]> {
  if (batches.length === 0) throw new Error('quantize: calibration needs at least one batch of inputs');
  const taps = new CalibrationConvs();
  const g = build(taps);
  taps.declareOutputs(g);
  const session = await ort.InferenceSession.create(g.encodeModel(), {
    graphOptimizationLevel: 'basic',
    executionMode: 'sequential',
    ...(threads ? { intraOpNumThreads: threads } : {}),
  });
  const names = [...new Set(taps.taps)];
  const lo = new Map(names.map((n) => [n, Infinity])),
    hi = new Map(names.map((n) => [n, -Infinity]));
  try {
    for (const b of batches) {
      const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', b.data, [...b.dims]) }, names);
      for (const n of names) {
        const v = out[n]!.data as Float32Array;
        let a = lo.get(n)!,
          z = hi.get(n)!;
        for (let i = 0; i < v.length; i++) {
          const x = v[i]!;
          if (x < a) a = x;
          if (x > z) z = x;
        }
        lo.set(n, a);
        hi.set(n, z);
      }
      for (const t of Object.values(out)) t.dispose();
    }
  } finally {
    await session.release();
  }
  return rangesOf(taps.taps, (n) => ({ min: lo.get(n)!, max: hi.get(n)! }));
}

/** The graph in int8 QDQ form, calibrated on the batches. */
export async function quantizedGraph(
  build: GraphFactory,
  batches: readonly CalibrationBatch[],
  options: QuantizeOptions & { threads?: number } = {},
): Promise<GraphBuilder> {
  const ranges = await calibrateRanges(build, batches, options.threads);
  const convs = new QuantizedConvs(ranges, options);
  const g = build(convs);
  convs.finish();
  return g;
}
